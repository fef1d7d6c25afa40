import type { TrialState } from "../../outcomes/trial-state.js";
import { resolveBackfillConflict } from "../../rules/backfill.js";
import type { EliminationBoundary } from "../elimination.js";
import {
  type BoundaryTable,
  capitalise,
  type DoseFindingMethod,
  type DoseNamer,
  formatNumber,
  highestAdmissibleAtOrBelow,
  type PendingRow,
  STOP,
  SUSPEND,
} from "../method.js";
import { DEESCALATE, type DecisionBoundaries, ESCALATE, STAY } from "./boundaries.js";
import type { IsotonicMtdSelection } from "./isotonic-selection.js";

export interface IntervalMethodOptions {
  doseCount: number;
  target: number;
  boundaries: DecisionBoundaries;
  /** Eliminates a dose and every higher dose (n ≥ 3, P(p > target) > cutoff). */
  elimination: EliminationBoundary;
  /** BOIN's extra-safe rule: a stricter elimination boundary for the lowest dose only (stops the trial). */
  extraSafe?: EliminationBoundary;
  /** Stop once the current dose has this many patients and the decision is to stay there. */
  earlyStopN?: number;
  selection: IsotonicMtdSelection;
  doseName: DoseNamer;
  /** BOIN's λe and λd, reported with the decision table. */
  lambdas?: { lambdaE: number; lambdaD: number };
  /** Explains a stay/escalate/de-escalate decision at (n, y) in words. */
  explainDecision: (n: number, y: number) => string;
  /** Time-to-event designs: the decision when some patients at the current dose are still pending. */
  pending?: PendingRule;
  /** With a backfill rule: lower doses' data that conflict with the current dose's are pooled (BF-BOIN). */
  poolBackfill?: boolean;
}

/** How a time-to-event interval design decides with m of the n patients at the current dose pending. */
export interface PendingRule {
  /** The table cell for (n, y, m): a decision, possibly conditional on the pending patients' STFT (never "eliminate"). */
  cell(n: number, y: number, m: number): Omit<PendingRow, "n" | "dlts" | "pending">;
  /** The decision and its reason in words, given the STFT. */
  explain(n: number, y: number, m: number, stft: number): string;
}

/** What a table cell decides at a given STFT. */
export function pendingDecision(cell: Omit<PendingRow, "n" | "dlts" | "pending">, stft: number): PendingRow["decision"] {
  if (cell.stftAtLeast !== null) return stft >= cell.stftAtLeast ? "escalate" : "stay";
  if (cell.stftAtMost !== null) return stft > cell.stftAtMost ? "stay" : "de-escalate";
  return cell.decision;
}

/**
 * The conduct shared by BOIN, Keyboard and mTPI-2 (Liu & Yuan 2015, §2; the BOIN package's `get.oc`):
 * decide at the current dose from its (n, y); escalation to an eliminated dose or beyond the highest
 * dose becomes "stay", de-escalation below the lowest dose becomes "stay"; an eliminated current dose
 * forces de-escalation; the trial stops when the lowest dose is eliminated.
 */
export class IntervalMethod implements DoseFindingMethod {
  readonly doseCount: number;

  constructor(private readonly options: IntervalMethodOptions) {
    this.doseCount = options.doseCount;
  }

  /** The design's decision at a dose with n patients and y DLTs: 1 escalate, 0 stay, −1 de-escalate. */
  readonly decisionAt = (n: number, y: number): number => this.options.boundaries.decision(n, y);

  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: string[]): void {
    const { elimination, extraSafe, doseName, target } = this.options;
    admissible.fill(1);
    const n0 = state.patients[0]!;
    const y0 = state.dlts[0]!;
    if (extraSafe?.eliminates(n0, y0)) {
      admissible.fill(0);
      reasons?.push(
        `Extra-safe rule: at ${doseName(0)} ${y0} of ${n0} patients had a DLT; P(DLT rate > ${target}) = ` +
          `${formatNumber(extraSafe.probabilityAbove(n0, y0))} > ${formatNumber(extraSafe.rule.confidence)}, so every dose is eliminated.`,
      );
      return;
    }
    for (let d = 0; d < this.doseCount; d++) {
      const n = state.patients[d]!;
      const y = state.dlts[d]!;
      if (elimination.eliminates(n, y)) {
        admissible.fill(0, d);
        reasons?.push(
          `${capitalise(doseName(d))} and higher are eliminated: ${y} of ${n} patients had a DLT and ` +
            `P(DLT rate > ${target}) = ${formatNumber(elimination.probabilityAbove(n, y))} > ${formatNumber(elimination.rule.confidence)}.`,
        );
        return;
      }
    }
  }

  /** The posterior elimination is a safety rule: it keeps watching the expansion cohort. */
  markSafe(state: TrialState, admissible: Uint8Array, reasons?: string[]): void {
    this.markAdmissible(state, admissible, reasons);
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: string[]): number {
    const { boundaries, earlyStopN, doseName } = this.options;
    const current = state.current;
    if (admissible[0] !== 1) {
      reasons?.push("The lowest dose is too toxic: stop the trial without selecting an MTD.");
      return STOP;
    }
    if (admissible[current] !== 1) {
      const lower = highestAdmissibleAtOrBelow(admissible, current);
      reasons?.push(`The current ${doseName(current)} is no longer admissible: de-escalate to ${doseName(lower)}.`);
      return lower;
    }
    const n = state.patients[current]!;
    const y = state.dlts[current]!;
    let decision = boundaries.decision(n, y);
    const pending = this.options.pending;
    let m = 0;
    let stft = 0;
    if (pending !== undefined) {
      for (let i = 0; i < state.pendingCount; i++) {
        if (state.pendingDose[i] !== current) continue;
        m++;
        stft += state.pendingWeight[i]!;
      }
    }
    if (m > 0) {
      const withPending = pendingDecision(pending!.cell(n, y, m), stft);
      reasons?.push(`At ${doseName(current)}: ${pending!.explain(n, y, m, stft)}`);
      if (withPending === "suspend") return SUSPEND;
      decision = withPending === "escalate" ? ESCALATE : withPending === "de-escalate" ? DEESCALATE : STAY;
    } else {
      reasons?.push(`At ${doseName(current)}: ${this.options.explainDecision(n, y)}`);
    }
    let proposed = decision === ESCALATE ? current + 1 : decision === DEESCALATE ? current - 1 : current;
    if (this.options.poolBackfill) {
      const conflict = resolveBackfillConflict(state.patients, state.dlts, current, this.decisionAt);
      if (conflict !== null) {
        proposed = conflict.next;
        reasons?.push(
          `Backfill data at ${doseName(conflict.from)} conflict with ${doseName(current)}'s: pooled from ${doseName(conflict.from)} ` +
            `to ${doseName(current)}, ${conflict.pooledDlts} of ${conflict.pooledPatients} patients had a DLT: ` +
            `${conflict.next > current ? "escalate" : conflict.next < current ? `de-escalate to ${doseName(Math.max(0, conflict.next))}` : "stay"}.`,
        );
      }
    }
    let next = current;
    if (proposed > current) {
      if (current === this.doseCount - 1) reasons?.push("It is the highest dose: stay.");
      else if (admissible[current + 1] !== 1) reasons?.push(`${capitalise(doseName(current + 1))} is eliminated: stay.`);
      else next = current + 1;
    } else if (proposed < current) {
      if (current === 0) reasons?.push("It is the lowest dose: stay.");
      else next = Math.max(0, proposed);
    }
    if (earlyStopN !== undefined && next === current && n >= earlyStopN) {
      reasons?.push(
        `${n} patients have been treated at ${doseName(current)} (early-stop cap ${earlyStopN}) and the decision is to stay: stop.`,
      );
      return STOP;
    }
    return next;
  }

  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: string[]): number {
    const mtd = this.options.selection.select(state, admissible);
    if (reasons) {
      if (mtd < 0) reasons.push("No dose can be selected as the MTD (no admissible dose has been tried).");
      else
        reasons.push(
          `MTD: ${this.options.doseName(mtd)}, whose isotonic estimate of the DLT rate is closest to the target ${this.options.target}.`,
        );
    }
    return mtd;
  }

  boundaryTable(maxPatients: number): BoundaryTable {
    const { boundaries, elimination, lambdas } = this.options;
    const table = [];
    for (let n = 1; n <= maxPatients; n++) {
      const escalate = boundaries.escalateMax(n);
      const deescalate = boundaries.deescalateMin(n);
      const eliminate = elimination.minDlts(n);
      table.push({
        n,
        escalate: escalate < 0 ? null : escalate,
        deescalate: deescalate > n ? null : deescalate,
        eliminate: eliminate > n ? null : eliminate,
      });
    }
    return { lambdaE: lambdas?.lambdaE ?? null, lambdaD: lambdas?.lambdaD ?? null, table };
  }

  pendingTable(maxPatients: number): PendingRow[] {
    const { pending, elimination } = this.options;
    if (pending === undefined) return [];
    const rows: PendingRow[] = [];
    for (let n = 1; n <= maxPatients; n++) {
      for (let y = 0; y <= n; y++) {
        for (let m = 0; m <= n - y; m++) {
          // Elimination counts the pending patients as without DLT (Yuan et al. 2018; Lin & Yuan 2020).
          const cell: Omit<PendingRow, "n" | "dlts" | "pending"> = elimination.eliminates(n, y)
            ? { decision: "eliminate", stftAtLeast: null, stftAtMost: null }
            : pending.cell(n, y, m);
          rows.push({ n, dlts: y, pending: m, ...cell });
        }
      }
    }
    return rows;
  }

  estimates(state: TrialState, admissible: Uint8Array): Float64Array {
    const out = new Float64Array(this.doseCount);
    this.options.selection.estimate(state, admissible, out);
    return out;
  }
}
