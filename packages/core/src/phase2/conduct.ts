import { binomialPmf } from "../stats/distributions.js";
import { ValidationError } from "../validation.js";
import type { TwoStageDesign } from "./simon.js";

export type SimonAction = "continue" | "stop for futility" | "promising";

export interface SimonDecision {
  stage: 1 | 2;
  action: SimonAction;
  /** Probability of ending "promising", given the data so far, if the true rate is p0 / p1. */
  successUnderP0: number;
  successUnderP1: number;
  reasons: string[];
}

/** P(X > k) for X ~ Bin(m, p). */
function greater(m: number, k: number, p: number): number {
  if (k < 0) return 1;
  let sum = 0;
  for (let x = k + 1; x <= m; x++) sum += binomialPmf(x, m, p);
  return sum;
}

/**
 * The decision in a Simon two-stage trial given `responses` among `patients` so far (stage 1 while
 * patients ≤ n1), and the conditional probability of ending "promising" under p0 and p1.
 * Convention: stop for futility if ≤ r1 responses among the n1 stage-1 patients; promising if > r in total.
 */
export function simonDecision(
  design: Pick<TwoStageDesign, "r1" | "n1" | "r" | "n">,
  responses: number,
  patients: number,
  p0: number,
  p1: number,
): SimonDecision {
  const { r1, n1, r, n } = design;
  if (!(Number.isInteger(patients) && patients >= 0 && patients <= n)) {
    throw new ValidationError([{ path: "patients", value: patients, message: `must be an integer in 0..${n} (n)` }], "Simon conduct");
  }
  if (!(Number.isInteger(responses) && responses >= 0 && responses <= patients)) {
    throw new ValidationError(
      [{ path: "responses", value: responses, message: `must be an integer in 0..${patients} (patients)` }],
      "Simon conduct",
    );
  }
  const success = (p: number) => {
    if (patients <= n1) {
      let sum = 0;
      const remaining = n1 - patients;
      for (let y = 0; y <= remaining; y++) {
        const x1 = responses + y;
        if (x1 > r1) sum += binomialPmf(y, remaining, p) * greater(n - n1, r - x1, p);
      }
      return sum;
    }
    return greater(n - patients, r - responses, p);
  };
  const reasons: string[] = [];
  let action: SimonAction = "continue";
  const stage: 1 | 2 = patients < n1 || (patients === n1 && responses <= r1) ? 1 : 2;
  if (patients <= n1) {
    if (responses > r1) {
      reasons.push(`${responses} responses exceed r1 = ${r1}: stage 1 is passed; continue to ${n} patients.`);
    } else if (responses + (n1 - patients) <= r1) {
      action = "stop for futility";
      reasons.push(
        `At most ${responses + (n1 - patients)} responses are possible among the ${n1} stage-1 patients (≤ r1 = ${r1}): stop for futility.`,
      );
    } else {
      reasons.push(`${responses} of ${patients} responded; stage 1 needs more than ${r1} responses among ${n1}: continue.`);
    }
  }
  if (action === "continue" && responses > r) {
    action = "promising";
    reasons.push(`${responses} responses exceed r = ${r}: the treatment is promising.`);
  } else if (action === "continue" && patients > n1 && responses + (n - patients) <= r) {
    action = "stop for futility";
    reasons.push(
      `At most ${responses + (n - patients)} responses are possible in total (≤ r = ${r}): the treatment cannot be declared promising.`,
    );
  } else if (action === "continue" && patients > n1) {
    reasons.push(`${responses} responses among ${patients}; more than ${r} among ${n} are needed: continue.`);
  }
  return { stage, action, successUnderP0: success(p0), successUnderP1: success(p1), reasons };
}
