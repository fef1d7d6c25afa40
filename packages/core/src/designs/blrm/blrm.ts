import { StateMemo } from "../../outcomes/state-table.js";
import { highestTriedDose, type TrialState } from "../../outcomes/trial-state.js";
import { CREDIBLE_LEVEL, type DoseEstimate, type ModelSummary } from "../crm/crm.js";
import { doseAmountsOf } from "../fields.js";
import { type DoseFindingMethod, STOP } from "../method.js";
import type { Reason } from "../reasons.js";
import { BlrmPosterior } from "./posterior.js";
import type { BlrmSpec } from "./spec.js";

/** Per-dose interval probabilities, in this order in the memoised rows. */
const UNDER = 0;
const TARGET = 1;
const OVER = 2;

/**
 * Bayesian logistic regression with escalation with overdose control (Neuenschwander, Branson &
 * Gsponer 2008; Babb, Rogatko & Zacks 1998): after each cohort, the posterior probabilities that each
 * dose's DLT rate lies in the under-dosing, target or over-dosing interval; a dose is eligible only if
 * P(over-dosing) < overdoseLimit (EWOC) and it is no more than (1 + maxStep) times the highest dose
 * given so far; the next cohort receives the eligible dose with the highest P(target), and the trial
 * stops when no dose is eligible. The MTD is the dose given with the highest P(target) among the
 * eligible ones.
 */
export class BlrmMethod implements DoseFindingMethod {
  readonly doseCount: number;
  /** Coherence's threshold: the start of the over-dosing interval. */
  readonly coherenceTarget: number;
  readonly posterior: BlrmPosterior;
  private readonly amounts: number[];
  /** Memoised [P(under), P(target), P(over)] per dose, per state. */
  private readonly memo: StateMemo;
  private readonly row: Float64Array;
  private readonly allowed: Uint8Array;

  constructor(readonly spec: BlrmSpec) {
    this.amounts = doseAmountsOf(spec)!;
    this.doseCount = this.amounts.length;
    this.coherenceTarget = spec.intervals[1];
    this.posterior = new BlrmPosterior(this.amounts, spec.referenceDose, {
      mean: spec.prior.mean,
      sd: spec.prior.sd,
      correlation: spec.prior.correlation,
    });
    this.memo = new StateMemo(this.doseCount, 3 * this.doseCount);
    this.row = new Float64Array(3 * this.doseCount);
    this.allowed = new Uint8Array(this.doseCount);
  }

  /** Interval probabilities per dose (rows of 3), memoised per state like the CRM's estimates. */
  private intervals(state: TrialState): Float64Array {
    if (this.memo.recall(state.patients, state.dlts, this.row)) return this.row;
    const posterior = this.posterior.fit(state.patients, state.dlts);
    const [low, high] = this.spec.intervals;
    for (let d = 0; d < this.doseCount; d++) {
      const under = posterior.probabilityAtMost(d, low);
      const notOver = posterior.probabilityAtMost(d, high);
      this.row[3 * d + UNDER] = under;
      this.row[3 * d + TARGET] = Math.max(0, notOver - under);
      this.row[3 * d + OVER] = 1 - notOver;
    }
    this.memo.remember(this.row);
    return this.row;
  }

  /** EWOC: a dose is admissible while P(over-dosing) < overdoseLimit (monotone: higher doses are more toxic). */
  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    const rows = this.intervals(state);
    admissible.fill(1);
    for (let d = 0; d < this.doseCount; d++) {
      if (rows[3 * d + OVER]! >= this.spec.overdoseLimit) {
        admissible.fill(0, d);
        reasons?.push({ code: "blrm-ewoc", dose: d, pOver: rows[3 * d + OVER]!, limit: this.spec.overdoseLimit });
        return;
      }
    }
  }

  /** Overdose control keeps watching an expansion cohort. */
  markSafe(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    this.markAdmissible(state, admissible, reasons);
  }

  /** The eligible dose with the highest P(target) among `allowed`, −1 if none (ties: the lower dose). */
  private bestTarget(rows: Float64Array, allowed: Uint8Array): number {
    let best = -1;
    for (let d = 0; d < this.doseCount; d++) {
      if (allowed[d] === 1 && (best < 0 || rows[3 * d + TARGET]! > rows[3 * best + TARGET]! + 1e-12)) best = d;
    }
    return best;
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const rows = this.intervals(state);
    const cap =
      this.spec.maxStep === undefined ? Number.POSITIVE_INFINITY : (1 + this.spec.maxStep) * this.amounts[highestTriedDose(state)]!;
    const allowed = this.allowed;
    let capped = false;
    for (let d = 0; d < this.doseCount; d++) {
      const withinStep = this.amounts[d]! <= cap * (1 + 1e-12);
      if (admissible[d] === 1 && !withinStep) capped = true;
      allowed[d] = admissible[d] === 1 && withinStep ? 1 : 0;
    }
    const next = this.bestTarget(rows, allowed);
    if (next < 0) {
      reasons?.push({ code: "blrm-none-eligible" });
      return STOP;
    }
    reasons?.push({
      code: "blrm-best",
      dose: next,
      pTarget: rows[3 * next + TARGET]!,
      pOver: rows[3 * next + OVER]!,
      limit: this.spec.overdoseLimit,
    });
    if (capped) reasons?.push({ code: "blrm-max-step", cap, maxStep: this.spec.maxStep! });
    return next;
  }

  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const rows = this.intervals(state);
    const allowed = this.allowed;
    for (let d = 0; d < this.doseCount; d++) allowed[d] = admissible[d] === 1 && state.patients[d]! > 0 ? 1 : 0;
    const mtd = this.bestTarget(rows, allowed);
    reasons?.push(mtd < 0 ? { code: "blrm-no-mtd" } : { code: "blrm-mtd", dose: mtd });
    return mtd;
  }

  estimates(state: TrialState): Float64Array {
    const rows = this.intervals(state);
    return Float64Array.from({ length: this.doseCount }, (_, d) => rows[3 * d + TARGET]!);
  }

  summarise(state: TrialState): ModelSummary {
    const rows = Float64Array.from(this.intervals(state));
    const posterior = this.posterior.fit(state.patients, state.dlts);
    const estimates: DoseEstimate[] = [];
    for (let d = 0; d < this.doseCount; d++) {
      estimates.push({
        dose: d + 1,
        mean: posterior.meanToxicity(d),
        lower: posterior.toxicityQuantile(d, (1 - CREDIBLE_LEVEL) / 2),
        upper: posterior.toxicityQuantile(d, (1 + CREDIBLE_LEVEL) / 2),
        pUnder: rows[3 * d + UNDER]!,
        pTarget: rows[3 * d + TARGET]!,
        pOver: rows[3 * d + OVER]!,
      });
    }
    return { estimates, decisionEstimate: "target-probability" };
  }
}
