import { binomialPmf } from "../stats/distributions.js";
import { ValidationError, type ValidationIssue } from "../validation.js";
import type { TwoStageDesign } from "./simon.js";

export interface SingleStageDesign {
  /** Promising if more than r of n respond. */
  r: number;
  n: number;
  alpha: number;
  power: number;
}

/** The smallest single-stage exact binomial design with α_actual ≤ α and power ≥ 1 − β (null if none up to maxN). */
export function singleStageDesign(p0: number, p1: number, alpha: number, beta: number, maxN = 500): SingleStageDesign | null {
  for (let n = 1; n <= maxN; n++) {
    // Smallest r with P0(X > r) ≤ α maximises power for this n.
    let tail0 = 1;
    let tail1 = 1;
    for (let r = 0; r < n; r++) {
      tail0 -= binomialPmf(r, n, p0);
      tail1 -= binomialPmf(r, n, p1);
      if (tail0 <= alpha) {
        if (tail1 >= 1 - beta) return { r, n, alpha: Math.max(0, tail0), power: tail1 };
        break;
      }
    }
  }
  return null;
}

/** A completed two-stage trial: stopped after stage 1 with x1 responses, or completed with s responses in total. */
export type TwoStageOutcome = { stage: 1; responses: number } | { stage: 2; responses: number };

export interface TwoStageInference {
  /** Uniformly minimum variance unbiased estimate of the response rate (Jung & Kim 2004). */
  umvue: number;
  /** Naive estimate: responses / patients. */
  naive: number;
  /** Exact one-sided p-value against p0, ordering outcomes by the UMVUE. */
  pValue: number;
  /** Exact confidence interval from the same ordering. */
  lower: number;
  upper: number;
  level: number;
}

type Design = Pick<TwoStageDesign, "r1" | "n1" | "n">;

function checkOutcome(design: Design, outcome: TwoStageOutcome): void {
  const issues: ValidationIssue[] = [];
  const { r1, n } = design;
  if (outcome.stage === 1 && !(Number.isInteger(outcome.responses) && outcome.responses >= 0 && outcome.responses <= r1)) {
    issues.push({
      path: "responses",
      value: outcome.responses,
      message: `must be an integer in 0..${r1} (r1) for a trial stopped after stage 1`,
    });
  }
  if (outcome.stage === 2 && !(Number.isInteger(outcome.responses) && outcome.responses > r1 && outcome.responses <= n)) {
    issues.push({ path: "responses", value: outcome.responses, message: `must be an integer in ${r1 + 1}..${n} for a completed trial` });
  }
  if (issues.length > 0) throw new ValidationError(issues, "two-stage outcome");
}

/**
 * UMVUE after a two-stage trial (Jung & Kim 2004): x1/n1 if stopped after stage 1; if completed with s
 * responses, Σ C(n1−1, x1−1)·C(n2, s−x1) / Σ C(n1, x1)·C(n2, s−x1) over x1 = r1+1..min(n1, s).
 * C(n1−1, x1−1) = C(n1, x1)·x1/n1, and the weights C(n1, x1)·C(n2, s−x1) are proportional to
 * binomial probabilities at p = ½, which keeps them finite for any n.
 */
export function twoStageUmvue(design: Design, outcome: TwoStageOutcome): number {
  const { r1, n1, n } = design;
  if (outcome.stage === 1) return outcome.responses / n1;
  const n2 = n - n1;
  const s = outcome.responses;
  let numerator = 0;
  let denominator = 0;
  for (let x1 = Math.max(r1 + 1, s - n2); x1 <= Math.min(n1, s); x1++) {
    const weight = binomialPmf(x1, n1, 0.5) * binomialPmf(s - x1, n2, 0.5);
    numerator += (weight * x1) / n1;
    denominator += weight;
  }
  return numerator / denominator;
}

/** Every outcome of the design with its UMVUE and probability under p. */
function sampleSpace(design: Design, p: number): { estimate: number; probability: number }[] {
  const { r1, n1, n } = design;
  const n2 = n - n1;
  const space: { estimate: number; probability: number }[] = [];
  for (let x1 = 0; x1 <= r1; x1++) space.push({ estimate: x1 / n1, probability: binomialPmf(x1, n1, p) });
  for (let s = r1 + 1; s <= n; s++) {
    let probability = 0;
    for (let x1 = Math.max(r1 + 1, s - n2); x1 <= Math.min(n1, s); x1++) probability += binomialPmf(x1, n1, p) * binomialPmf(s - x1, n2, p);
    space.push({ estimate: twoStageUmvue(design, { stage: 2, responses: s }), probability });
  }
  return space;
}

/** P_p(UMVUE ≥ observed) (or ≤), the tail of the ordering. */
function tail(design: Design, p: number, observed: number, upper: boolean): number {
  let sum = 0;
  for (const { estimate, probability } of sampleSpace(design, p)) {
    if (upper ? estimate >= observed - 1e-12 : estimate <= observed + 1e-12) sum += probability;
  }
  return sum;
}

/**
 * Estimate, exact p-value and confidence interval after a Simon two-stage trial, with the sample space
 * ordered by the UMVUE (Jung & Kim 2004): p-value = P_{p0}(UMVUE ≥ observed); the limits solve
 * P_{pL}(UMVUE ≥ observed) = (1 − level)/2 and P_{pU}(UMVUE ≤ observed) = (1 − level)/2 (bisection; the
 * tails are monotone in p).
 */
export function twoStageInference(design: Design, outcome: TwoStageOutcome, p0: number, level = 0.95): TwoStageInference {
  checkOutcome(design, outcome);
  if (!(level > 0 && level < 1))
    throw new ValidationError([{ path: "level", value: level, message: "must be in (0, 1)" }], "two-stage outcome");
  const observed = twoStageUmvue(design, outcome);
  const half = (1 - level) / 2;
  const solve = (upper: boolean) => {
    let low = 0;
    let high = 1;
    for (let iteration = 0; iteration < 60; iteration++) {
      const middle = 0.5 * (low + high);
      const probability = tail(design, middle, observed, upper);
      // Upper tail rises with p (lower limit: smallest p where it reaches α/2); lower tail falls with p.
      if (upper ? probability < half : probability > half) low = middle;
      else high = middle;
    }
    return 0.5 * (low + high);
  };
  const isLowest = outcome.stage === 1 && outcome.responses === 0;
  const isHighest = outcome.stage === 2 && outcome.responses === design.n;
  const patients = outcome.stage === 1 ? design.n1 : design.n;
  return {
    umvue: observed,
    naive: outcome.responses / patients,
    pValue: tail(design, p0, observed, true),
    lower: isLowest ? 0 : solve(true),
    upper: isHighest ? 1 : solve(false),
    level,
  };
}
