import { StateMemo } from "../../outcomes/state-table.js";
import type { TrialState } from "../../outcomes/trial-state.js";
import { doseCountOf } from "../fields.js";
import { type DoseFindingMethod, STOP } from "../method.js";
import type { Reason } from "../reasons.js";
import { calibrateSkeleton } from "./calibration.js";
import { CrmModel } from "./model.js";
import { type CrmData, CrmPosterior } from "./posterior.js";
import type { CrmSpec } from "./spec.js";

/** The skeleton as given, or calibrated by the indifference-interval method. */
export function resolvedSkeleton(spec: Pick<CrmSpec, "skeleton" | "model" | "target" | "doses" | "intercept">): number[] {
  if (Array.isArray(spec.skeleton)) return spec.skeleton;
  return calibrateSkeleton({
    model: spec.model,
    target: spec.target,
    halfWidth: spec.skeleton.halfWidth,
    priorMtd: spec.skeleton.priorMtd,
    doses: doseCountOf(spec),
    intercept: spec.intercept,
  });
}

/** Per-dose model estimates reported with a decision. */
export interface DoseEstimate {
  /** 1-based dose. */
  dose: number;
  /** Posterior mean of the DLT probability. */
  mean: number;
  /** Equal-tailed credible interval (90% unless stated). */
  lower: number;
  upper: number;
  /** CRM: the DLT probability at the posterior mean of β (dfcrm's estimate). */
  plugIn?: number;
  /** BLRM: posterior probabilities of under-dosing, the target interval and over-dosing. */
  pUnder?: number;
  pTarget?: number;
  pOver?: number;
}

export interface ModelSummary {
  estimates: DoseEstimate[];
  /** Which estimate the decisions use. */
  decisionEstimate: "plug-in" | "posterior-mean" | "target-probability";
  /** CRM: posterior mean of β. */
  betaHat?: number;
}

export const CREDIBLE_LEVEL = 0.9;

/**
 * The continual reassessment method (O'Quigley, Pepe & Fisher 1990) as in Cheung (2011) and dfcrm:
 * after each cohort the posterior of β is updated from all patients, the DLT probability of every dose
 * is estimated (by default p_d at the posterior mean of β; optionally the posterior mean of p_d), and
 * the next cohort receives the admissible dose whose estimate is closest to the target (ties: the lower
 * dose). With `coherent` (default), the dose never rises right after a cohort with a DLT (Cheung 2005).
 * The MTD is the dose the model recommends from all the data among the doses given.
 */
export class CrmMethod implements DoseFindingMethod {
  readonly doseCount: number;
  readonly readsLastCohort: boolean;
  readonly model: CrmModel;
  readonly posterior: CrmPosterior;
  private readonly summary: Float64Array;
  /** The first doseCount entries of `summary`: the estimates. */
  private readonly estimatesView: Float64Array;
  private readonly selectionMask: Uint8Array;
  private readonly completePatients: Int32Array;
  private readonly memo: StateMemo;
  private readonly target: number;

  constructor(readonly spec: CrmSpec) {
    this.model = new CrmModel(spec.model, resolvedSkeleton(spec), spec.intercept);
    this.posterior = new CrmPosterior(this.model, spec.priorVariance);
    this.doseCount = doseCountOf(spec);
    this.summary = new Float64Array(this.doseCount + 1);
    this.estimatesView = this.summary.subarray(0, this.doseCount);
    this.selectionMask = new Uint8Array(this.doseCount);
    this.completePatients = new Int32Array(this.doseCount);
    this.memo = new StateMemo(this.doseCount, this.doseCount + 1);
    this.readsLastCohort = spec.coherent;
    this.target = spec.target;
  }

  /**
   * The likelihood's view of the trial. Patients still inside their DLT window (TITE-CRM) count with
   * the weight of their follow-up instead of as complete non-DLT outcomes.
   */
  private dataOf(state: TrialState): CrmData {
    if (state.pendingCount === 0) return state;
    const complete = this.completePatients;
    complete.set(state.patients);
    for (let i = 0; i < state.pendingCount; i++) complete[state.pendingDose[i]!]!--;
    return {
      patients: complete,
      dlts: state.dlts,
      pendingDose: state.pendingDose,
      pendingWeight: state.pendingWeight,
      pendingCount: state.pendingCount,
    };
  }

  /**
   * What decisions need from the posterior, memoised per state (1,000 CRM trials of 8 cohorts need
   * about 700 distinct posteriors for 8,000 decisions): the estimate per dose, then (with a safety stop)
   * P(p₁ > threshold). Patients still being followed (TITE-CRM) make a state that is not memoised.
   * With `fresh`, the posterior is fitted even on a hit, for reasons that quote it.
   */
  private summaryRow(state: TrialState, fresh = false): Float64Array {
    const row = this.summary;
    const cacheable = state.pendingCount === 0;
    if (cacheable && this.memo.recall(state.patients, state.dlts, row) && !fresh) return row;
    const posterior = this.posterior.fit(this.dataOf(state));
    for (let d = 0; d < this.doseCount; d++) {
      row[d] = this.spec.estimate === "plug-in" ? posterior.plugInToxicity(d) : posterior.meanToxicity(d);
    }
    const stop = this.spec.safetyStop;
    row[this.doseCount] = stop ? posterior.probabilityAbove(0, stop.threshold ?? this.target) : Number.NaN;
    if (cacheable) this.memo.remember(row);
    return row;
  }

  private estimate(state: TrialState, fresh = false): Float64Array {
    this.summaryRow(state, fresh);
    return this.estimatesView;
  }

  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    admissible.fill(1);
    const stop = this.spec.safetyStop;
    if (!stop) return;
    let total = 0;
    for (let d = 0; d < this.doseCount; d++) total += state.patients[d]!;
    if (total < stop.minPatients) return;
    const probability = this.summaryRow(state)[this.doseCount]!;
    if (probability > stop.confidence) {
      admissible.fill(0);
      reasons?.push({ code: "crm-safety-stop", threshold: stop.threshold ?? this.target, probability, confidence: stop.confidence });
    }
  }

  /** The safety stop keeps watching an expansion cohort. */
  markSafe(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    this.markAdmissible(state, admissible, reasons);
  }

  private closestAdmissible(estimates: Float64Array, admissible: Uint8Array): number {
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let d = 0; d < this.doseCount; d++) {
      if (admissible[d] !== 1) continue;
      const distance = Math.abs(estimates[d]! - this.target);
      if (distance < bestDistance - 1e-12) {
        best = d;
        bestDistance = distance;
      }
    }
    return best;
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const estimates = this.estimate(state, reasons !== undefined);
    let next = this.closestAdmissible(estimates, admissible);
    if (next < 0) return STOP;
    reasons?.push({
      code: "crm-model",
      model: this.spec.model,
      betaHat: this.posterior.mean,
      estimate: this.spec.estimate,
      target: this.target,
      value: estimates[next]!,
      dose: next,
    });
    if (this.spec.coherent && state.lastCohortDlts > 0 && next > state.current) {
      reasons?.push({ code: "crm-coherence", dose: state.current });
      next = state.current;
    }
    return next;
  }

  /**
   * The model's recommendation among the doses that have been given: unlike dfcrm, an untried dose is
   * never declared the MTD.
   */
  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const tried = this.selectionMask;
    for (let d = 0; d < this.doseCount; d++) tried[d] = admissible[d] === 1 && state.patients[d]! > 0 ? 1 : 0;
    const mtd = this.closestAdmissible(this.estimate(state), tried);
    reasons?.push(mtd < 0 ? { code: "crm-no-mtd" } : { code: "crm-mtd", dose: mtd, target: this.target });
    return mtd;
  }

  estimates(state: TrialState): Float64Array {
    return Float64Array.from(this.estimate(state));
  }

  summarise(state: TrialState): ModelSummary {
    const posterior = this.posterior.fit(this.dataOf(state));
    const lowerBeta = posterior.quantile((1 - CREDIBLE_LEVEL) / 2);
    const upperBeta = posterior.quantile((1 + CREDIBLE_LEVEL) / 2);
    const estimates: DoseEstimate[] = [];
    for (let d = 0; d < this.doseCount; d++) {
      const a = this.model.toxicity(d, lowerBeta);
      const b = this.model.toxicity(d, upperBeta);
      estimates.push({
        dose: d + 1,
        mean: posterior.meanToxicity(d),
        lower: Math.min(a, b),
        upper: Math.max(a, b),
        plugIn: posterior.plugInToxicity(d),
      });
    }
    return { estimates, decisionEstimate: this.spec.estimate, betaHat: posterior.mean };
  }
}
