import type { ValidationIssue } from "@escalate/core";

/** How deeply JSON may nest in any request (the deepest schema, a design's rules, needs about 6). */
export const MAX_JSON_DEPTH = 32;

/**
 * What no field of any request may hold, whatever its schema: JSON nested deeper than MAX_JSON_DEPTH
 * (recursive code downstream would overflow the stack), NUL characters (PostgreSQL text refuses them),
 * and strings that are not well-formed UTF-16 (a lone surrogate is stored as U+FFFD, so the stored
 * text would no longer be what was hashed into the audit trail). Walks iteratively: the input itself
 * may be deep enough to overflow a recursive walk.
 */
export function inputProblem(value: unknown, root: string): ValidationIssue | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) return { path, message: problem };
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) return { path, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` };
    for (const [key, inner] of Object.entries(value)) {
      const at = `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
      const problem = textProblem(key);
      if (problem) return { path: at, message: `its name ${problem}` };
      stack.push({ value: inner, path: at, depth: depth + 1 });
    }
  }
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters (U+0000)";
  if (LONE_SURROGATE.test(text)) return "must be well-formed Unicode (it contains a lone surrogate)";
  return null;
}
