import { z } from "zod";
import type { ValidationIssue } from "../validation.js";
import { backfill, backfillRule } from "./backfill.js";
import { expansion, expansionRule } from "./expansion.js";
import { noSkipping, noSkippingRule } from "./no-skipping.js";
import { randomized, randomizedRule } from "./randomized.js";
import type { NormalizedRules, RuleContext } from "./rule.js";
import { stopAtN, stopAtNRule } from "./stop-at-n.js";
import { stopAtNAtDose, stopAtNAtDoseRule } from "./stop-at-n-at-dose.js";
import { stopAtNEnrolled, stopAtNEnrolledRule } from "./stop-at-n-enrolled.js";
import { stopWhenTooToxic, stopWhenTooToxicRule } from "./stop-when-too-toxic.js";

/**
 * Rules modify any design. They are plain data; each is one object in its own file (schema, how it enters
 * the canonical form, protocol text, and the function applying it at its stage), and the decision engine
 * applies them in one canonical order (see DecisionEngine), so the order in which they are listed never
 * changes a decision. The protocol describes them in this order too. Adding a rule: its file and its
 * entry here.
 */
export const RULE_MODULES = [
  stopAtN,
  stopAtNEnrolled,
  stopAtNAtDose,
  noSkipping,
  stopWhenTooToxic,
  expansion,
  backfill,
  randomized,
] as const;

type AnyRuleSchema = (typeof RULE_MODULES)[number]["schema"];
export const ruleSpec = z.discriminatedUnion(
  "type",
  RULE_MODULES.map((module) => module.schema) as unknown as [AnyRuleSchema, ...AnyRuleSchema[]],
);

export type RuleSpec = z.infer<typeof ruleSpec>;
export type RuleSpecInput = z.input<typeof ruleSpec>;
export const RULE_TYPES = RULE_MODULES.map((module) => module.type);

/** Adds one rule to the canonical form through its module. */
export function normalizeRule(spec: RuleSpec, into: NormalizedRules, context: RuleContext): ValidationIssue[] {
  const module = RULE_MODULES.find((candidate) => candidate.type === spec.type)!;
  return (module.normalize as (spec: RuleSpec, into: NormalizedRules, context: RuleContext) => ValidationIssue[])(spec, into, context);
}

export {
  backfillRule,
  expansionRule,
  noSkippingRule,
  randomizedRule,
  stopAtNAtDoseRule,
  stopAtNEnrolledRule,
  stopAtNRule,
  stopWhenTooToxicRule,
};
