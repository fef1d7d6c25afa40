import { z } from "zod";
import { STOP } from "../designs/method.js";
import type { Reason } from "../designs/reasons.js";
import type { TrialState } from "../outcomes/trial-state.js";
import type { NormalizedRules, RuleModule } from "./rule.js";

export const stopAtNAtDoseRule = z
  .object({
    type: z.literal("stop-at-n-at-dose"),
    /** Stop when the recommended next dose already has this many patients. */
    n: z.number().int().min(1).max(10000),
  })
  .strict();

export const stopAtNAtDose: RuleModule<z.infer<typeof stopAtNAtDoseRule>, typeof stopAtNAtDoseRule> = {
  type: "stop-at-n-at-dose",
  schema: stopAtNAtDoseRule,
  normalize(spec, into) {
    into.maxAtDose = Math.min(into.maxAtDose, spec.n);
    return [];
  },
  describe: (rules) =>
    Number.isFinite(rules.maxAtDose) ? [`Stop dose finding when the recommended dose already has ${rules.maxAtDose} patients.`] : [],
};

/** Applied last: the next dose, or STOP when it already has enough patients. */
export function stopAtFullDose(state: TrialState, next: number, rules: NormalizedRules, reasons?: Reason[]): number {
  if (next === STOP || state.patients[next]! < rules.maxAtDose) return next;
  reasons?.push({ code: "max-at-dose", dose: next, n: state.patients[next]!, limit: rules.maxAtDose });
  return STOP;
}
