import type { TrialState } from "../../outcomes/trial-state.js";
import { doseCountOf } from "../fields.js";
import { type BoundaryTable, capitalise, type DoseFindingMethod, type DoseNamer, highestAdmissibleAtOrBelow, STOP } from "../method.js";
import type { ThreePlusThreeSpec } from "./spec.js";

/**
 * The 3+3 design (Storer 1989; the "traditional" algorithm of Lin & Shih 2001), cohorts of 3:
 * - 0 of 3 DLTs: escalate; 1 of 3: treat 3 more at the same dose; 0–1 of 6: escalate;
 * - ≥ 2 DLTs at a dose (of 3 or of 6): that dose exceeds the MTD.
 * Variants once a dose is exceeded:
 * - `escalation-only`: stop; the MTD is the highest cleared dose (0 of 3 or ≤ 1 of 6) below it; none below dose 1.
 * - `de-escalation`: go down to the next lower dose; if it has only 3 patients, treat 3 more there; the
 *   MTD is the highest dose with ≥ 6 patients and ≤ 1 DLT below every exceeded dose.
 * At the highest dose, "escalate" means "expand to 6"; 0–1 of 6 there makes it the MTD. With
 * `confirmTopDose: false` (bcrm's convention), 0 of 3 there ends the trial with it as the MTD.
 */
export class ThreePlusThreeMethod implements DoseFindingMethod {
  readonly doseCount: number;
  /** It escalates only after 0 of 3 or at most 1 of 6, whose last cohort of 3 had no DLT. */
  readonly coherentByConstruction = true;
  private readonly deescalation: boolean;
  private readonly confirmTopDose: boolean;

  constructor(
    spec: ThreePlusThreeSpec,
    private readonly doseName: DoseNamer,
  ) {
    this.doseCount = doseCountOf(spec);
    this.deescalation = spec.variant === "de-escalation";
    this.confirmTopDose = spec.confirmTopDose;
  }

  /** A dose is exceeded when 2 or more of its patients had a DLT; it and all higher doses are out. */
  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: string[]): void {
    admissible.fill(1);
    for (let d = 0; d < this.doseCount; d++) {
      if (state.dlts[d]! >= 2) {
        admissible.fill(0, d);
        reasons?.push(
          `${capitalise(this.doseName(d))} exceeds the MTD (${state.dlts[d]} of ${state.patients[d]} patients had a DLT); it and higher doses are closed.`,
        );
        return;
      }
    }
  }

  /** Closing a dose on 2 DLTs decides dose finding; it does not stop an expansion cohort at the declared MTD. */
  markSafe(_state: TrialState, admissible: Uint8Array): void {
    admissible.fill(1);
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: string[]): number {
    const current = state.current;
    const name = this.doseName;
    if (admissible[current] !== 1) {
      const lower = highestAdmissibleAtOrBelow(admissible, current);
      if (!this.deescalation) {
        reasons?.push(
          lower < 0
            ? "The lowest dose is too toxic: stop without an MTD."
            : "Escalation-only 3+3: stop; the MTD is chosen below the exceeded dose.",
        );
        return STOP;
      }
      if (lower < 0) {
        reasons?.push("The lowest dose is too toxic: stop without an MTD.");
        return STOP;
      }
      if (state.patients[lower]! >= 6) {
        reasons?.push(`${capitalise(name(lower))} already has ${state.patients[lower]} patients: stop; it is the MTD.`);
        return STOP;
      }
      reasons?.push(`De-escalate to ${name(lower)} and treat 3 more patients there.`);
      return lower;
    }
    const n = state.patients[current]!;
    const y = state.dlts[current]!;
    // Words are built only when asked for: simulation calls this once per cohort of every trial.
    const counts = () => `${y} of ${n} patients at ${name(current)} had a DLT`;
    const cleared = (n === 3 && y === 0) || (n >= 6 && y <= 1);
    if (!cleared) {
      reasons?.push(n < 3 ? `${counts()}: complete the cohort of 3.` : `${counts()}: treat 3 more at the same dose.`);
      return current;
    }
    const top = current === this.doseCount - 1;
    if (top || admissible[current + 1] !== 1) {
      const why = () => (top ? "it is the highest dose" : `${name(current + 1)} exceeds the MTD`);
      if (n >= 6 || (top && !this.confirmTopDose)) {
        reasons?.push(`${counts()} and ${why()}: stop; it is the MTD.`);
        return STOP;
      }
      reasons?.push(`${counts()} but ${why()}: treat 3 more to confirm it.`);
      return current;
    }
    reasons?.push(`${counts()}: escalate.`);
    return current + 1;
  }

  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: string[]): number {
    let mtd = -1;
    for (let d = 0; d < this.doseCount && admissible[d] === 1; d++) {
      const n = state.patients[d]!;
      const y = state.dlts[d]!;
      const unconfirmedTop = !this.confirmTopDose && d === this.doseCount - 1 && n >= 3 && y === 0;
      const qualifies = unconfirmedTop || (this.deescalation ? n >= 6 && y <= 1 : (n >= 3 && y === 0) || (n >= 6 && y <= 1));
      if (qualifies) mtd = d;
    }
    if (reasons) {
      const rule = this.deescalation
        ? "the highest dose with at most 1 DLT in 6 or more patients, below every exceeded dose"
        : "the highest dose cleared (0 of 3 or at most 1 of 6 DLTs) below every exceeded dose";
      reasons.push(mtd < 0 ? `No dose qualifies as MTD (${rule}).` : `MTD: ${this.doseName(mtd)}, ${rule}.`);
    }
    return mtd;
  }

  /**
   * The 3+3 rule as a table: with 3 patients escalate on 0 DLTs, with 6 on at most 1; 2 or more close
   * the dose (and, in the de-escalation variant, move down).
   */
  boundaryTable(): BoundaryTable {
    return {
      lambdaE: null,
      lambdaD: null,
      table: [
        { n: 3, escalate: 0, deescalate: this.deescalation ? 2 : null, eliminate: 2 },
        { n: 6, escalate: 1, deescalate: this.deescalation ? 2 : null, eliminate: 2 },
      ],
    };
  }
}
