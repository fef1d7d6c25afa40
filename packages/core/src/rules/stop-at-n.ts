import { z } from "zod";
import type { Reason } from "../designs/reasons.js";
import { type TrialState, totalPatients } from "../outcomes/trial-state.js";
import type { NormalizedRules, RuleModule } from "./rule.js";

export const stopAtNRule = z
  .object({
    type: z.literal("stop-at-n"),
    /** Stop dose finding once this many patients have been treated. */
    n: z.number().int().min(1).max(10000),
  })
  .strict();

export const stopAtN: RuleModule<z.infer<typeof stopAtNRule>, typeof stopAtNRule> = {
  type: "stop-at-n",
  schema: stopAtNRule,
  normalize(spec, into) {
    into.maxPatients = Math.min(into.maxPatients, spec.n);
    return [];
  },
  describe: (rules) =>
    Number.isFinite(rules.maxPatients) ? [`Stop dose finding once ${rules.maxPatients} patients have been treated.`] : [],
};

/** Applied before the design decides: true when dose finding has treated enough patients. */
export function reachedMaxPatients(state: TrialState, rules: NormalizedRules, reasons?: Reason[]): boolean {
  // Without the rule, no patients are counted (this runs at every decision of every simulated trial).
  if (rules.maxPatients === Number.POSITIVE_INFINITY || totalPatients(state) < rules.maxPatients) return false;
  reasons?.push({ code: "max-patients", patients: rules.maxPatients });
  return true;
}
