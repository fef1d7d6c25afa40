import type { TrialState } from "../../outcomes/trial-state.js";
import { createIsotonicScratch, isotonicRegression } from "../../stats/isotonic.js";

/** The c of the Beta(c, c) prior behind BOIN's and the Keyboard's estimates for MTD selection. */
export const DEFAULT_SELECTION_PRIOR = 0.05;

export interface IsotonicSelectionOptions {
  /** Symmetric Beta(c, c) prior behind the estimates: 0.05 for BOIN and Keyboard (default), 0.005 for mTPI. */
  prior?: number;
  /** BOIN's boundMTD: a selected dose whose estimate exceeds this is replaced by the next lower one. */
  upperBound?: number;
}

/**
 * MTD selection by isotonic regression, as in BOIN's `select.mtd` (Liu & Yuan 2015; Yan, Zhang, Pan &
 * Yuan 2020, JSS): over the doses that were tried and are still admissible, estimate the posterior mean
 * p̂ = (y + c)/(n + 2c) under a vague Beta(c, c) prior (c = 0.05), smooth with pool-adjacent-violators
 * weighted by the inverse posterior variance, and select the dose whose estimate is closest to the target.
 * Ties: a vanishing increasing offset (index × 1e-10) is added first, so within a pooled block the
 * highest dose wins when the block lies below the target and the lowest when above; equal distances
 * on either side of the target go to the lower dose.
 */
export class IsotonicMtdSelection {
  private readonly raw: Float64Array;
  private readonly weights: Float64Array;
  private readonly smoothed: Float64Array;
  private readonly index: Int32Array;
  private readonly scratch;

  private readonly prior: number;
  private readonly upperBound: number | undefined;

  constructor(
    readonly doseCount: number,
    readonly target: number,
    options: IsotonicSelectionOptions = {},
  ) {
    this.prior = options.prior ?? DEFAULT_SELECTION_PRIOR;
    this.upperBound = options.upperBound;
    this.raw = new Float64Array(doseCount);
    this.weights = new Float64Array(doseCount);
    this.smoothed = new Float64Array(doseCount);
    this.index = new Int32Array(doseCount);
    this.scratch = createIsotonicScratch(doseCount);
  }

  /** Fills `out` (length K) with isotonic estimates for tried admissible doses, NaN elsewhere; returns the count. */
  estimate(state: TrialState, admissible: Uint8Array, out?: Float64Array): number {
    let k = 0;
    for (let d = 0; d < this.doseCount; d++) {
      const n = state.patients[d]!;
      if (n === 0 || admissible[d] !== 1) continue;
      const y = state.dlts[d]!;
      const a = y + this.prior;
      const b = n - y + this.prior;
      this.raw[k] = a / (a + b);
      const variance = (a * b) / ((a + b) * (a + b) * (a + b + 1));
      this.weights[k] = 1 / variance;
      this.index[k] = d;
      k++;
    }
    isotonicRegression(this.raw, this.weights, this.smoothed, this.scratch, k);
    if (out) {
      out.fill(Number.NaN);
      for (let i = 0; i < k; i++) out[this.index[i]!] = this.smoothed[i]!;
    }
    return k;
  }

  select(state: TrialState, admissible: Uint8Array): number {
    const k = this.estimate(state, admissible);
    if (k === 0) return -1;
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let i = 0; i < k; i++) {
      const distance = Math.abs(this.smoothed[i]! + (i + 1) * 1e-10 - this.target);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    if (this.upperBound !== undefined && this.smoothed[best]! > this.upperBound) {
      best--;
      if (best < 0) return -1;
    }
    return this.index[best]!;
  }
}
