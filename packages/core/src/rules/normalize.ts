import { ValidationError } from "../validation.js";
import { emptyRules, type NormalizedRules } from "./rule.js";
import { normalizeRule, RULE_MODULES, type RuleSpec } from "./schema.js";

export type { NormalizedRules } from "./rule.js";
export { TooToxicRule } from "./stop-when-too-toxic.js";

/** The rules in canonical form: the order they were listed in no longer exists here. */
export function normalizeRules(
  rules: readonly RuleSpec[],
  target: number | undefined,
  expansionShorthand?: number,
  /** The design's `allowSkipping`: without it (the default), no skipping applies as if it were listed. */
  allowSkipping = false,
  doseCount?: number,
): NormalizedRules {
  const normalized = emptyRules(!allowSkipping);
  const issues = expansionShorthand
    ? normalizeRule({ type: "expansion", patients: expansionShorthand }, normalized, { index: -1, target, doseCount })
    : [];
  for (const [index, rule] of rules.entries()) issues.push(...normalizeRule(rule, normalized, { index, target, doseCount }));
  if (issues.length > 0) throw new ValidationError(issues, "design");
  return normalized;
}

/** Every rule in force, in words, in the canonical order. */
export function describeRules(normalized: NormalizedRules): string[] {
  return RULE_MODULES.flatMap((module) => module.describe(normalized));
}
