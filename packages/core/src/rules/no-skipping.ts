import { z } from "zod";
import { STOP } from "../designs/method.js";
import type { Reason } from "../designs/reasons.js";
import { highestTriedDose, type TrialState } from "../outcomes/trial-state.js";
import type { NormalizedRules, RuleModule } from "./rule.js";

export const noSkippingRule = z.object({ type: z.literal("no-skipping") }).strict();

/** On by default (the design's `allowSkipping: false`); listing it states it. */
export const noSkipping: RuleModule<z.infer<typeof noSkippingRule>, typeof noSkippingRule> = {
  type: "no-skipping",
  schema: noSkippingRule,
  normalize(_spec, into) {
    into.noSkipping = true;
    return [];
  },
  describe: (rules) => (rules.noSkipping ? ["Never skip an untried dose when escalating."] : []),
};

/** Applied after the design's choice: never above the dose next to the highest tried. */
export function capSkipping(state: TrialState, next: number, rules: NormalizedRules, reasons?: Reason[]): number {
  if (next === STOP || !rules.noSkipping || state.current < 0) return next;
  const cap = highestTriedDose(state) + 1;
  if (next <= cap) return next;
  reasons?.push({ code: "no-skipping", dose: cap });
  return cap;
}
