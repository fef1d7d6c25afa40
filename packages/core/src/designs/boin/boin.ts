import { doseCountOf } from "../fields.js";
import { DEESCALATE, DecisionBoundaries, ESCALATE, STAY } from "../interval/boundaries.js";
import { IntervalMethod, type PendingRule } from "../interval/interval-method.js";
import { IsotonicMtdSelection } from "../interval/isotonic-selection.js";
import { intervalSafetyOf } from "../interval/safety.js";
import { type BoinBoundaries, boinLambdas, boinMove, resolvedBoinProbabilities } from "./lambdas.js";
import type { BoinSpec } from "./spec.js";

export { type BoinBoundaries, boinLambdas, resolvedBoinProbabilities } from "./lambdas.js";

/** BOIN; with a pending rule, its time-to-event form (TITE-BOIN). */
export function createBoinMethod(
  spec: Omit<BoinSpec, "design">,
  options: { pending?: (lambdas: BoinBoundaries) => PendingRule; poolBackfill?: boolean } = {},
): IntervalMethod {
  const { pSafe, pTox } = resolvedBoinProbabilities(spec);
  const { lambdaE, lambdaD } = boinLambdas(spec.target, pSafe, pTox);
  const move = boinMove({ lambdaE, lambdaD });
  // BF-BOIN's setting (Zhao et al. 2024; MD Anderson's practice for targets 0.25–0.279): 1 DLT of 3 stays.
  const boundaries = new DecisionBoundaries((n, y) => (spec.stayOnOneOfThree && n === 3 && y === 1 ? STAY : move(n, y)));
  return new IntervalMethod({
    doseCount: doseCountOf(spec),
    target: spec.target,
    boundaries,
    ...intervalSafetyOf(spec),
    selection: new IsotonicMtdSelection(doseCountOf(spec), spec.target, spec.boundMtd ? { upperBound: lambdaD } : {}),
    lambdas: { lambdaE, lambdaD },
    ...(options.pending ? { pending: options.pending({ lambdaE, lambdaD }) } : {}),
    ...(options.poolBackfill ? { poolBackfill: true } : {}),
    explainDecision: (dose, n, y) => {
      const decision = boundaries.decision(n, y);
      return {
        code: "boin-rule",
        dose,
        n,
        y,
        lambdaE,
        lambdaD,
        move: decision === ESCALATE ? "escalate" : decision === DEESCALATE ? "de-escalate" : "stay",
      };
    },
  });
}
