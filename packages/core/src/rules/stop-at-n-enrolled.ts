import { z } from "zod";
import type { Reason } from "../designs/reasons.js";
import type { TrialState } from "../outcomes/trial-state.js";
import type { NormalizedRules, RuleModule } from "./rule.js";

export const stopAtNEnrolledRule = z
  .object({
    type: z.literal("stop-at-n-enrolled"),
    /** Stop dose finding once a dose has this many patients, whatever dose would come next. */
    n: z.number().int().min(1).max(10000),
    /** The dose it watches (1-based); without it, every dose. */
    dose: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/**
 * Unlike stop-at-n-at-dose (which looks at the dose the design would give next), this one stops as soon
 * as any dose, or the named one, has enrolled n patients: the rule of protocols that cap each dose's
 * enrolment, e.g. "stop when 5 patients have been treated at dose 1 or 10 at any dose" (the stopping
 * rule of precautionary's CRM path enumeration, whose path counts the tests reproduce).
 */
export const stopAtNEnrolled: RuleModule<z.infer<typeof stopAtNEnrolledRule>, typeof stopAtNEnrolledRule> = {
  type: "stop-at-n-enrolled",
  schema: stopAtNEnrolledRule,
  normalize(spec, into, { index, doseCount }) {
    if (spec.dose !== undefined && doseCount !== undefined && spec.dose > doseCount)
      return [{ path: `rules.${index}.dose`, value: spec.dose, message: `must be a dose in 1..${doseCount}` }];
    const dose = spec.dose === undefined ? -1 : spec.dose - 1;
    const existing = into.enrolmentCaps.find((cap) => cap.dose === dose);
    if (existing) existing.n = Math.min(existing.n, spec.n);
    else into.enrolmentCaps.push({ dose, n: spec.n });
    // Canonical order: the any-dose cap first, then by dose, whatever order they were listed in.
    into.enrolmentCaps.sort((a, b) => a.dose - b.dose);
    return [];
  },
  describe: (rules) =>
    rules.enrolmentCaps.map((cap) =>
      cap.dose < 0
        ? `Stop dose finding once any dose has ${cap.n} patients.`
        : `Stop dose finding once dose ${cap.dose + 1} has ${cap.n} patients.`,
    ),
};

/** Applied before the design decides: true when a capped dose has its patients. */
export function reachedEnrolmentCap(state: TrialState, rules: NormalizedRules, reasons?: Reason[]): boolean {
  const caps = rules.enrolmentCaps;
  for (let i = 0; i < caps.length; i++) {
    const cap = caps[i]!;
    let dose = cap.dose;
    if (dose < 0) {
      dose = 0;
      for (let d = 1; d < state.doseCount; d++) if (state.patients[d]! > state.patients[dose]!) dose = d;
    }
    if (state.patients[dose]! >= cap.n) {
      reasons?.push({ code: "enrolment-cap", dose, n: state.patients[dose]!, limit: cap.n });
      return true;
    }
  }
  return false;
}
