import { doseCountOf } from "../fields.js";
import { DEESCALATE, DecisionBoundaries, ESCALATE, STAY } from "../interval/boundaries.js";
import { IntervalMethod, type PendingRule } from "../interval/interval-method.js";
import { IsotonicMtdSelection } from "../interval/isotonic-selection.js";
import { intervalSafetyOf } from "../interval/safety.js";
import type { BoinSpec } from "./spec.js";

/**
 * Bayesian optimal interval design (Liu & Yuan 2015, JRSS C 64:507–523).
 * With φ the target, φ1 = pSafe (default 0.6φ) and φ2 = pTox (default 1.4φ), the boundaries that
 * minimise the probability of a wrong decision are
 *   λe = log((1 − φ1)/(1 − φ)) / log(φ(1 − φ1) / (φ1(1 − φ))),
 *   λd = log((1 − φ)/(1 − φ2)) / log(φ2(1 − φ) / (φ(1 − φ2))).
 * Escalate when the observed rate y/n ≤ λe, de-escalate when y/n ≥ λd, otherwise stay.
 */
export interface BoinBoundaries {
  lambdaE: number;
  lambdaD: number;
}

export function boinLambdas(target: number, pSafe: number, pTox: number): BoinBoundaries {
  const lambdaE = Math.log((1 - pSafe) / (1 - target)) / Math.log((target * (1 - pSafe)) / (pSafe * (1 - target)));
  const lambdaD = Math.log((1 - target) / (1 - pTox)) / Math.log((pTox * (1 - target)) / (target * (1 - pTox)));
  return { lambdaE, lambdaD };
}

/** φ1 and φ2, defaulting to 0.6 and 1.4 times the target (Liu & Yuan 2015). */
export function resolvedBoinProbabilities(spec: Pick<BoinSpec, "target" | "pSafe" | "pTox">): { pSafe: number; pTox: number } {
  return { pSafe: spec.pSafe ?? 0.6 * spec.target, pTox: spec.pTox ?? 1.4 * spec.target };
}

/** BOIN; with a pending rule, its time-to-event form (TITE-BOIN). */
export function createBoinMethod(
  spec: Omit<BoinSpec, "design">,
  options: { pending?: (lambdas: BoinBoundaries) => PendingRule; poolBackfill?: boolean } = {},
): IntervalMethod {
  const { pSafe, pTox } = resolvedBoinProbabilities(spec);
  const { lambdaE, lambdaD } = boinLambdas(spec.target, pSafe, pTox);
  const boundaries = new DecisionBoundaries((n, y) => {
    // BF-BOIN's setting (Zhao et al. 2024; MD Anderson's practice for targets 0.25–0.279): 1 DLT of 3 stays.
    if (spec.stayOnOneOfThree && n === 3 && y === 1) return STAY;
    const rate = y / n;
    if (rate <= lambdaE) return ESCALATE;
    if (rate >= lambdaD) return DEESCALATE;
    return STAY;
  });
  return new IntervalMethod({
    doseCount: doseCountOf(spec),
    target: spec.target,
    boundaries,
    ...intervalSafetyOf(spec),
    selection: new IsotonicMtdSelection(doseCountOf(spec), spec.target, spec.boundMtd ? { upperBound: lambdaD } : {}),
    lambdas: { lambdaE, lambdaD },
    ...(options.pending ? { pending: options.pending({ lambdaE, lambdaD }) } : {}),
    ...(options.poolBackfill ? { poolBackfill: true } : {}),
    explainDecision: (dose, n, y) => ({
      code: "boin-rule",
      dose,
      n,
      y,
      lambdaE,
      lambdaD,
      move: y / n <= lambdaE ? "escalate" : y / n >= lambdaD ? "de-escalate" : "stay",
    }),
  });
}
