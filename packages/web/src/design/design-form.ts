import {
  checkTruth,
  createDesign,
  DESIGN_MODULES,
  type Design,
  designModule,
  type KeyField,
  ValidationError,
  type ValidationIssue,
} from "@escalate/core";

/** What the design form holds: text as typed, so a half-typed number can be shown with its error. */
export interface DesignForm {
  design: string;
  target: string;
  doses: string;
  cohortSize: string;
  cohorts: string;
  /** CRM / TITE-CRM: comma-separated prior DLT probabilities. */
  skeleton: string;
  /** BLRM: the reference dose amount. */
  referenceDose: string;
  /** TITE-CRM: DLT window in days. */
  window: string;
  /** Any other options of the design file, as JSON (rules, extraSafe, prior, …). */
  other: string;
  /** The safe defaults, as checkboxes (on): never skip an untried dose; no escalation right after a cohort above the target. */
  noSkipping: boolean;
  coherent: boolean;
}

/** The designs the form offers, from the core's registry. */
export const DESIGNS = DESIGN_MODULES.map((module) => ({ value: module.name, label: module.label }));

/** Whether the form shows (and the design file gets) a field for this design. */
export const hasField = (design: string, field: KeyField): boolean => designModule(design)?.keyFields.includes(field) ?? false;
/** Whether the design needs each dose's amount (a model on the dose scale): dose labels then start with it. */
export const needsAmounts = (design: string): boolean => designModule(design)?.capabilities.doseAmounts ?? false;

export const defaultForm = (design = "boin"): DesignForm => ({
  design,
  target: "0.3",
  doses: needsAmounts(design) ? "1 mg/kg, 2 mg/kg, 4 mg/kg, 8 mg/kg, 12 mg/kg" : "5",
  cohortSize: "3",
  cohorts: "10",
  skeleton: "0.05, 0.12, 0.25, 0.4, 0.55",
  referenceDose: "8",
  window: "28",
  other: "",
  noSkipping: true,
  coherent: true,
});

/** A number as typed, or the text itself for the schema to name (a form's fields are text until sent). */
export const numberOrText = (text: string): number | string => (text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text);
/** Comma-separated values, trimmed, empty ones left out. */
export const list = (text: string) =>
  text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");

/** The design file the form describes (exactly what `escalate` reads), or the JSON error in "other". */
export function specOf(form: DesignForm): Record<string, unknown> {
  const spec: Record<string, unknown> = { design: form.design };
  // The 3+3 has no target; the BLRM's is its target interval (set in "other" as `intervals`).
  if (hasField(form.design, "target")) spec.target = numberOrText(form.target);
  const doses = form.doses.trim();
  if (/^\d+$/.test(doses)) spec.doses = Number(doses);
  else
    spec.doses = list(doses).map((label) => {
      const amount = Number.parseFloat(label);
      return needsAmounts(form.design) && Number.isFinite(amount) ? { label, amount } : { label };
    });
  if (hasField(form.design, "cohortSize")) spec.cohortSize = numberOrText(form.cohortSize);
  if (hasField(form.design, "cohorts")) spec.cohorts = numberOrText(form.cohorts);
  if (hasField(form.design, "skeleton")) spec.skeleton = list(form.skeleton).map(numberOrText);
  if (hasField(form.design, "window")) spec.window = numberOrText(form.window);
  if (hasField(form.design, "referenceDose")) spec.referenceDose = numberOrText(form.referenceDose);
  // The safe defaults are the designs' own: a design file states only what turns one off.
  if (!form.noSkipping) spec.allowSkipping = true;
  if (!form.coherent) spec.coherent = false;
  if (form.other.trim() !== "") {
    const other: unknown = JSON.parse(form.other);
    if (typeof other !== "object" || other === null || Array.isArray(other)) throw new SyntaxError("must be a JSON object");
    Object.assign(spec, other);
  }
  return spec;
}

export type FormField = keyof DesignForm;

export interface CheckedDesign {
  spec: Record<string, unknown> | null;
  design: Design | null;
  /** Problems by form field. */
  errors: Partial<Record<FormField, string>>;
}

const FIELD_OF: Record<string, FormField> = {
  design: "design",
  target: "target",
  doses: "doses",
  cohortSize: "cohortSize",
  cohorts: "cohorts",
  skeleton: "skeleton",
  referenceDose: "referenceDose",
  window: "window",
};

/** Validates as the CLI does (the core's schema), mapping each issue to the field that caused it. */
export function checkDesign(form: DesignForm): CheckedDesign {
  let spec: Record<string, unknown>;
  try {
    spec = specOf(form);
  } catch (error) {
    return { spec: null, design: null, errors: { other: `not valid JSON: ${(error as Error).message}` } };
  }
  try {
    return { spec, design: createDesign(spec), errors: {} };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const errors: Partial<Record<FormField, string>> = {};
    for (const issue of error.issues) {
      const field = FIELD_OF[issue.path.split(".")[0] ?? ""] ?? "other";
      errors[field] ??= describeIssue(issue);
    }
    return { spec, design: null, errors };
  }
}

const describeIssue = (issue: ValidationIssue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message);

/** Default scenarios: the MTD early, in the middle, and late, at the design's target. */
export function defaultScenarios(doseCount: number, target: number): { name: string; truth: string }[] {
  const curve = (mtd: number) =>
    Array.from({ length: doseCount }, (_, d) => {
      const p = target * 2 ** ((d - mtd) * 0.8);
      return Math.min(0.95, Math.round(p * 100) / 100);
    }).join(", ");
  // The middle dose, but never the early scenario's dose 2 again (four doses: dose 3).
  const early = Math.min(1, doseCount - 1);
  const middle = Math.max(Math.min(2, doseCount - 1), Math.floor((doseCount - 1) / 2));
  return [
    { name: `MTD at dose ${early + 1}`, truth: curve(early) },
    ...(middle === early ? [] : [{ name: `MTD at dose ${middle + 1}`, truth: curve(middle) }]),
    { name: "all doses safe", truth: curve(doseCount + 1) },
  ];
}

/** A scenario's problem as typed (numbers, length, range, non-decreasing), or undefined when it is fine. */
export function scenarioError(truth: string, doseCount: number): string | undefined {
  const values = truth.split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
  if (values.some((v) => !Number.isFinite(v))) return "must be numbers separated by commas, e.g. 0.05, 0.1, 0.2";
  try {
    checkTruth(values, doseCount);
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issue = error.issues[0];
    if (!issue) return error.message;
    const index = issue.path.match(/(\d+)$/)?.[1];
    return index === undefined ? issue.message : `dose ${Number(index) + 1}: ${issue.message}`;
  }
}

/** A design's name as tables and charts show it: its method and target, e.g. "BOIN, target 0.3". */
export function designName(form: DesignForm): string {
  const label = DESIGNS.find((d) => d.value === form.design)?.label ?? form.design;
  return hasField(form.design, "target") && form.target.trim() !== "" ? `${label}, target ${form.target.trim()}` : label;
}

/** The same name for a design read back from its file (a study the server ran). */
export function designNameOf(spec: { design: string; target?: number | undefined }): string {
  const label = DESIGNS.find((d) => d.value === spec.design)?.label ?? spec.design;
  return spec.target === undefined ? label : `${label}, target ${spec.target}`;
}
