import type { z } from "zod";

/** One problem with an input: where it is, what was given, and what is allowed. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. "rules.0.confidence"; "" for the whole input. */
  path: string;
  value?: unknown;
  message: string;
}

export class ValidationError extends Error {
  constructor(
    readonly issues: ValidationIssue[],
    readonly subject = "input",
  ) {
    super(`invalid ${subject}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join("\n")}`);
    this.name = "ValidationError";
  }
}

export function formatIssue(issue: ValidationIssue): string {
  const where = issue.path === "" ? "" : `${issue.path}: `;
  const given = issue.value === undefined ? "" : `${JSON.stringify(issue.value)} is not allowed; `;
  return `${where}${given}${issue.message}`;
}

/** Parses `data` with `schema`, throwing a ValidationError whose messages name field, value and rule. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, subject = "input"): z.infer<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => toValidationIssues(issue, [])),
    subject,
  );
}

function toValidationIssues(issue: z.core.$ZodIssue, prefix: PropertyKey[]): ValidationIssue[] {
  const fullPath = [...prefix, ...issue.path];
  const value = "input" in issue ? issue.input : undefined;
  if (issue.code === "invalid_union" && value !== undefined && issue.errors.length > 0) {
    // Report the alternative the input came closest to: the one whose problems lie deepest inside it.
    const depth = (issues: z.core.$ZodIssue[]) => Math.min(...issues.map((i) => i.path.length));
    const closest = issue.errors.reduce((best, option) => (depth(option) > depth(best) ? option : best));
    if (depth(closest) > 0) return closest.flatMap((inner) => toValidationIssues(inner, fullPath));
  }
  const path = fullPath.map(String).join(".");
  return [{ path, ...(value === undefined ? {} : { value }), message: describeRule(issue) }];
}

function describeRule(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_big":
      return `must be ${issue.inclusive ? "≤" : "<"} ${String(issue.maximum)}${issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : ""}`;
    case "too_small":
      return `must be ${issue.inclusive ? "≥" : ">"} ${String(issue.minimum)}${issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : ""}`;
    case "invalid_type":
      return "input" in issue && issue.input === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
    case "invalid_value":
      return `must be one of: ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
    case "invalid_union":
      return "input" in issue && issue.input === undefined ? "is required" : "is not of an allowed form";
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
