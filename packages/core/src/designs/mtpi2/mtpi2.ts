import { doseCountOf } from "../fields.js";
import { DEESCALATE, DecisionBoundaries, ESCALATE } from "../interval/boundaries.js";
import { IntervalMethod } from "../interval/interval-method.js";
import { IsotonicMtdSelection } from "../interval/isotonic-selection.js";
import { intervalDecision, partitionAroundTarget } from "../interval/key-intervals.js";
import { intervalSafetyOf } from "../interval/safety.js";
import type { Mtpi2Spec } from "./spec.js";

/**
 * mTPI-2 (Guo, Wang, Ji, Ji, Liu & Lin 2017, Contemp Clin Trials 58:23–33). The equivalence interval
 * EI = [φ − ε1, φ + ε2]; below and above it, subintervals of the same length (Ockham's razor: equal
 * complexity); with a Beta(1, 1) prior, the subinterval with the largest unit probability mass
 * (posterior probability / length) decides: in LI escalate (E), EI stay (S), HI de-escalate (D); the
 * end intervals are truncated at 0 and 1 and scored by their own length. An exact tie keeps the dose.
 * The MTD is selected as in mTPI (Ji et al. 2010): isotonic regression of the posterior means under a
 * vague Beta(0.005, 0.005) prior, weighted by inverse posterior variance, then the estimate closest to
 * the target, with BOIN's tie rule.
 */
export const MTPI_SELECTION_PRIOR = 0.005;

export function createMtpi2Method(spec: Mtpi2Spec, options: { poolBackfill?: boolean } = {}): IntervalMethod {
  const low = spec.target - spec.epsilon1;
  const high = spec.target + spec.epsilon2;
  const partition = partitionAroundTarget(low, high);
  const boundaries = new DecisionBoundaries((n, y) => intervalDecision(partition, n, y, "target"));
  return new IntervalMethod({
    doseCount: doseCountOf(spec),
    target: spec.target,
    boundaries,
    ...intervalSafetyOf(spec),
    selection: new IsotonicMtdSelection(doseCountOf(spec), spec.target, { prior: MTPI_SELECTION_PRIOR }),
    ...(options.poolBackfill ? { poolBackfill: true } : {}),
    explainDecision: (dose, n, y) => {
      const decision = boundaries.decision(n, y);
      return {
        code: "mtpi2-rule",
        dose,
        n,
        y,
        low,
        high,
        move: decision === ESCALATE ? "escalate" : decision === DEESCALATE ? "de-escalate" : "stay",
      };
    },
  });
}
