import type { TrialState } from "../../outcomes/trial-state.js";
import { doseCountOf } from "../fields.js";
import { type BoundaryTable, type DoseFindingMethod, highestAdmissibleAtOrBelow, STOP } from "../method.js";
import type { Reason } from "../reasons.js";
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

  constructor(spec: ThreePlusThreeSpec) {
    this.doseCount = doseCountOf(spec);
    this.deescalation = spec.variant === "de-escalation";
    this.confirmTopDose = spec.confirmTopDose;
  }

  /** A dose is exceeded when 2 or more of its patients had a DLT; it and all higher doses are out. */
  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    admissible.fill(1);
    for (let d = 0; d < this.doseCount; d++) {
      if (state.dlts[d]! >= 2) {
        admissible.fill(0, d);
        reasons?.push({ code: "3+3-exceeded", dose: d, n: state.patients[d]!, y: state.dlts[d]! });
        return;
      }
    }
  }

  /** Closing a dose on 2 DLTs decides dose finding; it does not stop an expansion cohort at the declared MTD. */
  markSafe(_state: TrialState, admissible: Uint8Array): void {
    admissible.fill(1);
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const current = state.current;
    if (admissible[current] !== 1) {
      const lower = highestAdmissibleAtOrBelow(admissible, current);
      if (!this.deescalation) {
        reasons?.push(lower < 0 ? { code: "3+3-lowest-too-toxic" } : { code: "3+3-stop-escalation-only" });
        return STOP;
      }
      if (lower < 0) {
        reasons?.push({ code: "3+3-lowest-too-toxic" });
        return STOP;
      }
      if (state.patients[lower]! >= 6) {
        reasons?.push({ code: "3+3-lower-has-six", dose: lower, n: state.patients[lower]! });
        return STOP;
      }
      reasons?.push({ code: "3+3-deescalate", dose: lower });
      return lower;
    }
    const n = state.patients[current]!;
    const y = state.dlts[current]!;
    const cleared = (n === 3 && y === 0) || (n >= 6 && y <= 1);
    if (!cleared) {
      reasons?.push({ code: n < 3 ? "3+3-complete-cohort" : "3+3-three-more", dose: current, n, y });
      return current;
    }
    const top = current === this.doseCount - 1;
    if (top || admissible[current + 1] !== 1) {
      if (n >= 6 || (top && !this.confirmTopDose)) {
        reasons?.push({ code: "3+3-mtd-found", dose: current, n, y, highest: top });
        return STOP;
      }
      reasons?.push({ code: "3+3-confirm", dose: current, n, y, highest: top });
      return current;
    }
    reasons?.push({ code: "3+3-escalate", dose: current, n, y });
    return current + 1;
  }

  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    let mtd = -1;
    for (let d = 0; d < this.doseCount && admissible[d] === 1; d++) {
      const n = state.patients[d]!;
      const y = state.dlts[d]!;
      const unconfirmedTop = !this.confirmTopDose && d === this.doseCount - 1 && n >= 3 && y === 0;
      const qualifies = unconfirmedTop || (this.deescalation ? n >= 6 && y <= 1 : (n >= 3 && y === 0) || (n >= 6 && y <= 1));
      if (qualifies) mtd = d;
    }
    reasons?.push({ code: "3+3-mtd", dose: mtd < 0 ? null : mtd, deescalation: this.deescalation });
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
