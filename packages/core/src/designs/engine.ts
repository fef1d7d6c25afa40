import type { TrialState } from "../outcomes/trial-state.js";
import { capSkipping } from "../rules/no-skipping.js";
import type { NormalizedRules } from "../rules/normalize.js";
import { reachedMaxPatients } from "../rules/stop-at-n.js";
import { stopAtFullDose } from "../rules/stop-at-n-at-dose.js";
import { reachedEnrolmentCap } from "../rules/stop-at-n-enrolled.js";
import { type DoseFindingMethod, highestAdmissibleAtOrBelow, STOP, SUSPEND } from "./method.js";
import type { Reason } from "./reasons.js";

/** The outcome of one decision, written into a reusable object so the simulation loop allocates nothing. */
export interface Step {
  /** 0-based dose for the next cohort, or STOP. */
  dose: number;
  /** 0-based MTD when stopping or during expansion; -1 otherwise or when none. */
  mtd: number;
  /** Patients in the next cohort. */
  cohortSize: number;
  /** True when this step ends dose finding and opens the expansion cohort at `dose`. */
  startsExpansion: boolean;
  /**
   * True when accrual is suspended (time-to-event designs): too many patients at the current dose are
   * pending; `dose` is the current dose, for the cohort that will come once their outcomes are known.
   */
  suspended: boolean;
}

export function createStep(): Step {
  return { dose: STOP, mtd: -1, cohortSize: 0, startsExpansion: false, suspended: false };
}

/**
 * A design with its rules applied: one `step` serves conduct (with reasons) and simulation (without).
 * Rules are applied in one fixed order whatever order they were listed in: admissibility (the method's
 * eliminations ∪ the too-toxic rules) → the cohort limit, stop-at-n and stop-at-n-enrolled → the first dose or the
 * method's next dose → clamp to an admissible dose → coherence → no skipping → stop-at-n-at-dose → on stopping,
 * MTD selection and the expansion cohort.
 */
export class DecisionEngine {
  readonly doseCount: number;
  /** The admissibility the last `step` decided with. */
  readonly admissible: Uint8Array;

  constructor(
    readonly method: DoseFindingMethod,
    readonly rules: NormalizedRules,
    readonly cohortSize: number,
    readonly maxCohorts: number,
    /** 0-based dose of the first cohort (lowered to an admissible one if a rule excludes it). */
    readonly startDose = 0,
    /** Coherence: no escalation right after a cohort whose DLT rate exceeded this target; null = off. */
    readonly coherenceTarget: number | null = null,
  ) {
    this.doseCount = method.doseCount;
    this.admissible = new Uint8Array(method.doseCount);
  }

  /**
   * Combined admissibility (method eliminations and rule eliminations), written into `out`. During
   * the expansion cohort only the safety eliminations apply (the method's `markSafe` and the rules).
   */
  markAdmissible(state: TrialState, out: Uint8Array = this.admissible, reasons?: Reason[]): Uint8Array {
    if (state.expansionDose >= 0) this.method.markSafe(state, out, reasons);
    else this.method.markAdmissible(state, out, reasons);
    const tooToxic = this.rules.tooToxic;
    for (let i = 0; i < tooToxic.length; i++) tooToxic[i]!.markAdmissible(state, out, reasons);
    return out;
  }

  private firstDose(admissible: Uint8Array, reasons?: Reason[]): number {
    const start = highestAdmissibleAtOrBelow(admissible, this.startDose);
    if (start < 0) reasons?.push({ code: "cannot-start" });
    else reasons?.push({ code: "start", dose: start });
    return start < 0 ? STOP : start;
  }

  /**
   * Given a state's admissibility (`markAdmissible`, or `admissible` after `step`): the lowest dose whose
   * data no decision will read again, or doseCount. These are the doses above the lowest inadmissible
   * one, when eliminations are final (the method says so; the too-toxic rules' rest on each dose's own
   * data) and no rule counts every patient (stop-at-n).
   */
  unreadFrom(admissible: Uint8Array): number {
    if (this.method.finalEliminations !== true || Number.isFinite(this.rules.maxPatients)) return this.doseCount;
    for (let d = 0; d < this.doseCount; d++) if (admissible[d] !== 1) return d + 1;
    return this.doseCount;
  }

  step(state: TrialState, out: Step, reasons?: Reason[]): void {
    out.startsExpansion = false;
    out.suspended = false;
    out.mtd = -1;
    out.cohortSize = this.cohortSize;
    const expansion = this.rules.expansionPatients;
    if (state.expansionDose >= 0) {
      const remaining = expansion - state.expansionPatients;
      out.mtd = state.expansionDose;
      const admissible = this.markAdmissible(state, this.admissible, reasons);
      if (admissible[state.expansionDose] !== 1) {
        // A safety rule closed the MTD during expansion: stop and select again from all the data.
        reasons?.push({ code: "expansion-closed", dose: state.expansionDose });
        out.dose = STOP;
        out.mtd = this.method.selectMtd(state, admissible, reasons);
      } else if (remaining <= 0) {
        out.dose = STOP;
        reasons?.push({ code: "expansion-complete", dose: state.expansionDose, patients: expansion });
      } else {
        out.dose = state.expansionDose;
        out.cohortSize = Math.min(this.cohortSize, remaining);
        reasons?.push({ code: "expansion-continues", dose: state.expansionDose, treated: state.expansionPatients, patients: expansion });
      }
      return;
    }

    const admissible = this.markAdmissible(state, this.admissible, reasons);
    let next = STOP;
    if (state.cohorts >= this.maxCohorts) {
      reasons?.push({ code: "max-cohorts", cohorts: this.maxCohorts });
    } else if (!reachedMaxPatients(state, this.rules, reasons) && !reachedEnrolmentCap(state, this.rules, reasons)) {
      next = state.current < 0 ? this.firstDose(admissible, reasons) : this.method.nextDose(state, admissible, reasons);
      if (next === SUSPEND) {
        out.dose = state.current;
        out.suspended = true;
        return;
      }
      if (next !== STOP && admissible[next] !== 1) next = highestAdmissibleAtOrBelow(admissible, next);
      const coherence = this.coherenceTarget;
      if (
        next !== STOP &&
        coherence !== null &&
        next > state.current &&
        state.current >= 0 &&
        state.lastCohortSize > 0 &&
        state.lastCohortDlts > coherence * state.lastCohortSize
      ) {
        // Stay; a current dose no longer admissible (an efficacy-aware design's futile dose) gives way to the one below, if any.
        next = highestAdmissibleAtOrBelow(admissible, state.current);
        const cohort = { dlts: state.lastCohortDlts, n: state.lastCohortSize, target: coherence };
        reasons?.push(next < 0 ? { code: "coherence-stop", ...cohort } : { code: "coherence", dose: next, ...cohort });
        if (next < 0) next = STOP;
      }
      next = capSkipping(state, next, this.rules, reasons);
      next = stopAtFullDose(state, next, this.rules, reasons);
    }
    if (next !== STOP) {
      out.dose = next;
      return;
    }
    const mtd = this.method.selectMtd(state, admissible, reasons);
    out.mtd = mtd;
    if (expansion > 0 && mtd >= 0) {
      out.dose = mtd;
      out.startsExpansion = true;
      out.cohortSize = Math.min(this.cohortSize, expansion);
      reasons?.push({ code: "expansion-starts", patients: expansion });
    } else {
      out.dose = STOP;
    }
  }
}
