import type { TrialState } from "../../outcomes/trial-state.js";
import { boinLambdas, boinMove, resolvedBoinProbabilities } from "../boin/lambdas.js";
import { EliminationBoundary } from "../elimination.js";
import { doseCountOf } from "../fields.js";
import { DecisionBoundaries } from "../interval/boundaries.js";
import { IsotonicMtdSelection } from "../interval/isotonic-selection.js";
import { type BoundaryTable, type DoseFindingMethod, STOP } from "../method.js";
import type { Reason } from "../reasons.js";
import type { Boin12Spec } from "./spec.js";
import { desirability, quasiEvents, RdsScale, utilityBenchmark } from "./utility.js";

/** Patients a dose needs before it can be eliminated (the authors' code: "at least 3"). */
const ELIMINATION_MIN_PATIENTS = 3;
/** With this many patients at a safe current dose and the next one untried, explore it (the paper's supplement, p. 8). */
const EXPLORATION_PATIENTS = 9;

/**
 * BOIN12 (Lin, Zhou, Yan, Li & Yuan 2020, JCO Precis Oncol 4:1393–1402): escalation by BOIN's toxicity
 * boundaries at φT, and among the neighbouring doses the one most desirable by utility.
 *
 * At the current dose j with n patients and DLT rate p̂ = y/n, in order:
 * 1. with n ≥ 9, p̂ < λd and dose j+1 untried: go to j+1 (dose exploration);
 * 2. p̂ ≥ λd: de-escalate (at the lowest dose, stay);
 * 3. λe < p̂ < λd and n ≥ N*: the more desirable of j−1 and j;
 * 4. otherwise: the most desirable of j−1, j and j+1;
 * among admissible doses, untried ones scored from the prior, ties to the higher dose. A dose with at
 * least 3 patients is eliminated when P(πT > φT) exceeds the toxicity cutoff (it and every higher dose)
 * or P(πE < φE) exceeds the efficacy cutoff (that dose only).
 *
 * The optimal biological dose (OBD), selected at the end: the MTD by BOIN's isotonic regression of
 * toxicity; then, among admissible doses given at or below it, the highest posterior mean utility
 * (x + 1)/(n + 2), ties to the lower dose (as the authors' group's code does; the paper was not at hand).
 */
export class Boin12Method implements DoseFindingMethod {
  readonly doseCount: number;
  readonly lambdaE: number;
  readonly lambdaD: number;
  readonly benchmark: number;
  readonly rds: RdsScale;
  private readonly boundaries: DecisionBoundaries;
  /** Too toxic: P(πT > φT) > toxicityCutoff; futile: P(πE < φE) > efficacyCutoff (n ≥ 3, Beta(1, 1) priors). */
  private readonly toxicity: EliminationBoundary;
  private readonly futility: EliminationBoundary;
  private readonly selection: IsotonicMtdSelection;

  constructor(readonly spec: Omit<Boin12Spec, "design">) {
    this.doseCount = doseCountOf(spec);
    const { pSafe, pTox } = resolvedBoinProbabilities({ target: spec.target });
    ({ lambdaE: this.lambdaE, lambdaD: this.lambdaD } = boinLambdas(spec.target, pSafe, pTox));
    this.boundaries = new DecisionBoundaries(boinMove(this));
    const rule = { minPatients: ELIMINATION_MIN_PATIENTS, priorA: 1, priorB: 1 };
    this.toxicity = new EliminationBoundary({ ...rule, threshold: spec.target, confidence: spec.toxicityCutoff });
    // P(πE < φE) is P(1 − πE > 1 − φE): futility is elimination on the patients without a response.
    this.futility = new EliminationBoundary({ ...rule, threshold: 1 - spec.efficacyLowerLimit, confidence: spec.efficacyCutoff });
    this.benchmark = utilityBenchmark(spec.utility, spec.target, spec.efficacyLowerLimit);
    this.rds = new RdsScale(spec.utility, this.benchmark, this.limits, spec.cohortSize, spec.cohortSize * spec.cohorts);
    this.selection = new IsotonicMtdSelection(this.doseCount, spec.target);
  }

  private get limits() {
    const { target, efficacyLowerLimit, toxicityCutoff, efficacyCutoff } = this.spec;
    return { phiT: target, phiE: efficacyLowerLimit, toxicityCutoff, efficacyCutoff };
  }

  /** Desirabilities already computed, by a dose's counts (a simulation meets the same few counts again and again). */
  private readonly memo = new Map<number, number>();

  /** The desirability of dose d, Pr(u > u_b | data) (the prior's for an untried dose). */
  desirabilityAt(state: TrialState, d: number): number {
    const n = state.patients[d]!;
    const y = state.dlts[d]!;
    const e = state.responses[d]!;
    const b = state.both[d]!;
    const key = ((n * 1024 + y) * 1024 + e) * 1024 + b;
    let value = this.memo.get(key);
    if (value === undefined) {
      value = desirability(quasiEvents(this.spec.utility, n, y, e, b), n, this.benchmark);
      if (n < 1024) this.memo.set(key, value);
    }
    return value;
  }

  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    admissible.fill(1);
    const limits = this.limits;
    for (let d = 0; d < this.doseCount; d++) {
      const n = state.patients[d]!;
      if (n < ELIMINATION_MIN_PATIENTS) continue;
      const y = state.dlts[d]!;
      if (this.toxicity.eliminates(n, y)) {
        reasons?.push({ code: "boin12-too-toxic", dose: d, n, y, phiT: limits.phiT, cutoff: limits.toxicityCutoff });
        admissible.fill(0, d);
        return;
      }
      const e = state.responses[d]!;
      if (this.futility.eliminates(n, n - e)) {
        reasons?.push({ code: "boin12-futile", dose: d, n, e, phiE: limits.phiE, cutoff: limits.efficacyCutoff });
        admissible[d] = 0;
      }
    }
  }

  markSafe(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    this.markAdmissible(state, admissible, reasons);
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const j = state.current;
    if (admissible.every((a) => a !== 1)) {
      reasons?.push({ code: "lowest-too-toxic" });
      return STOP;
    }
    const n = state.patients[j]!;
    const y = state.dlts[j]!;
    const rate = n > 0 ? y / n : 0;
    const up = j + 1 < this.doseCount && admissible[j + 1] === 1 ? j + 1 : -1;
    if (n >= EXPLORATION_PATIENTS && rate < this.lambdaD && up >= 0 && state.patients[up] === 0) {
      reasons?.push({ code: "boin12-explore", dose: j, n, to: up });
      return up;
    }
    if (rate >= this.lambdaD) {
      let down = j - 1;
      while (down >= 0 && admissible[down] !== 1) down--;
      reasons?.push({ code: "boin12-deescalate", dose: j, n, y, lambdaD: this.lambdaD, to: down < 0 ? j : down });
      if (down >= 0) return down;
      return admissible[j] === 1 ? j : STOP;
    }
    const candidates = [j - 1, j, ...(rate > this.lambdaE && n >= this.spec.nStar ? [] : [j + 1])].filter(
      (d) => d >= 0 && d < this.doseCount && admissible[d] === 1,
    );
    if (candidates.length === 0) return STOP;
    let best = candidates[0]!;
    let bestValue = this.desirabilityAt(state, best);
    for (const d of candidates.slice(1)) {
      const value = this.desirabilityAt(state, d);
      // Ties to the higher dose: candidates are in increasing order.
      if (value >= bestValue - 1e-12) {
        best = d;
        bestValue = value;
      }
    }
    reasons?.push({
      code: "boin12-desirability",
      dose: j,
      n,
      y,
      lambdaE: this.lambdaE,
      lambdaD: this.lambdaD,
      compared: candidates.map((d) => d + 1),
      scores: candidates.map((d) => Math.round(1000 * this.desirabilityAt(state, d)) / 10),
      to: best,
    });
    return best;
  }

  /** The OBD from all the data (0-based, -1 for none). */
  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const mtd = this.selection.select(state, admissible);
    let obd = -1;
    let bestUtility = Number.NEGATIVE_INFINITY;
    for (let d = 0; d <= mtd; d++) {
      const n = state.patients[d]!;
      if (admissible[d] !== 1 || n === 0) continue;
      const x = quasiEvents(this.spec.utility, n, state.dlts[d]!, state.responses[d]!, state.both[d]!);
      const utility = (x + 1) / (n + 2);
      if (utility > bestUtility + 1e-12) {
        obd = d;
        bestUtility = utility;
      }
    }
    reasons?.push(obd < 0 ? { code: "no-mtd" } : { code: "boin12-obd", dose: obd, mtd, utility: 100 * bestUtility });
    return obd;
  }

  efficacySummary(state: TrialState, admissible: Uint8Array): { rds: (number | null)[]; obd: number } {
    const rds = Array.from({ length: this.doseCount }, (_, d) =>
      admissible[d] === 1 ? this.rds.score(this.desirabilityAt(state, d)) : null,
    );
    return { rds, obd: this.selectMtd(state, admissible) };
  }

  /** BOIN's toxicity boundaries at φT, which the first two rules use. */
  boundaryTable(maxPatients: number): BoundaryTable {
    const table = [];
    for (let n = 1; n <= maxPatients; n++) {
      const escalate = this.boundaries.escalateMax(n);
      const deescalate = this.boundaries.deescalateMin(n);
      const eliminate = this.toxicity.minDlts(n);
      table.push({
        n,
        escalate: escalate < 0 ? null : escalate,
        deescalate: deescalate > n ? null : deescalate,
        eliminate: eliminate > n ? null : eliminate,
      });
    }
    return { lambdaE: this.lambdaE, lambdaD: this.lambdaD, table };
  }
}
