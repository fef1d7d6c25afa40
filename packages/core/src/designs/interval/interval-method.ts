import type { TrialState } from "../../outcomes/trial-state.js";
import { resolveBackfillConflict } from "../../rules/backfill.js";
import type { EliminationBoundary } from "../elimination.js";
import { type BoundaryTable, type DoseFindingMethod, highestAdmissibleAtOrBelow, type PendingRow, STOP, SUSPEND } from "../method.js";
import type { Reason } from "../reasons.js";
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
  /** BOIN's λe and λd, reported with the decision table. */
  lambdas?: { lambdaE: number; lambdaD: number };
  /** Why the decision at `dose` with (n, y) is what it is. */
  explainDecision: (dose: number, n: number, y: number) => Reason;
  /** Time-to-event designs: the decision when some patients at the current dose are still pending. */
  pending?: PendingRule;
  /** With a backfill rule: lower doses' data that conflict with the current dose's are pooled (BF-BOIN). */
  poolBackfill?: boolean;
}

/** How a time-to-event interval design decides with m of the n patients at the current dose pending. */
export interface PendingRule {
  /** The table cell for (n, y, m): a decision, possibly conditional on the pending patients' STFT (never "eliminate"). */
  cell(n: number, y: number, m: number): Omit<PendingRow, "n" | "dlts" | "pending">;
  /** The reason for the decision at `dose`, given the STFT. */
  explain(dose: number, n: number, y: number, m: number, stft: number): Reason;
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
  /** Eliminated doses are never treated again, and `markAdmissible` stops reading at the first. */
  readonly finalEliminations = true;

  constructor(private readonly options: IntervalMethodOptions) {
    this.doseCount = options.doseCount;
  }

  /** The design's decision at a dose with n patients and y DLTs: 1 escalate, 0 stay, −1 de-escalate. */
  readonly decisionAt = (n: number, y: number): number => this.options.boundaries.decision(n, y);

  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    const { elimination, extraSafe } = this.options;
    const K = this.doseCount;
    const patients = state.patients;
    const dlts = state.dlts;
    if (extraSafe?.eliminates(patients[0]!, dlts[0]!)) {
      for (let d = 0; d < K; d++) admissible[d] = 0;
      reasons?.push(this.eliminationReason("extra-safe", extraSafe, 0, patients[0]!, dlts[0]!));
      return;
    }
    // Loops rather than fill(): this runs once per decision, and a builtin call costs more than K stores.
    let d = 0;
    for (; d < K; d++) {
      if (elimination.eliminates(patients[d]!, dlts[d]!)) break;
      admissible[d] = 1;
    }
    if (d === K) return;
    reasons?.push(this.eliminationReason("eliminated", elimination, d, patients[d]!, dlts[d]!));
    for (; d < K; d++) admissible[d] = 0;
  }

  private eliminationReason(code: "extra-safe" | "eliminated", boundary: EliminationBoundary, dose: number, n: number, y: number): Reason {
    return {
      code,
      dose,
      n,
      y,
      target: this.options.target,
      probability: boundary.probabilityAbove(n, y),
      cutoff: boundary.rule.confidence,
    };
  }

  /** Escalation needs the current dose's own decision to escalate (unless pending patients or pooled backfill data decide). */
  mayEscalate(state: TrialState): boolean {
    if (this.options.pending !== undefined || this.options.poolBackfill || state.current < 0) return true;
    return this.options.boundaries.decision(state.patients[state.current]!, state.dlts[state.current]!) === ESCALATE;
  }

  /** The posterior elimination is a safety rule: it keeps watching the expansion cohort. */
  markSafe(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void {
    this.markAdmissible(state, admissible, reasons);
  }

  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const { boundaries, earlyStopN } = this.options;
    const current = state.current;
    if (admissible[0] !== 1) {
      reasons?.push({ code: "lowest-too-toxic" });
      return STOP;
    }
    if (admissible[current] !== 1) {
      const lower = highestAdmissibleAtOrBelow(admissible, current);
      reasons?.push({ code: "current-inadmissible", dose: current, to: lower });
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
      reasons?.push(pending!.explain(current, n, y, m, stft));
      if (withPending === "suspend") return SUSPEND;
      decision = withPending === "escalate" ? ESCALATE : withPending === "de-escalate" ? DEESCALATE : STAY;
    } else {
      reasons?.push(this.options.explainDecision(current, n, y));
    }
    let proposed = decision === ESCALATE ? current + 1 : decision === DEESCALATE ? current - 1 : current;
    if (this.options.poolBackfill) {
      const conflict = resolveBackfillConflict(state.patients, state.dlts, current, this.decisionAt);
      if (conflict !== null) {
        proposed = conflict.next;
        reasons?.push({
          code: "backfill-conflict",
          dose: current,
          from: conflict.from,
          n: conflict.pooledPatients,
          y: conflict.pooledDlts,
          to: conflict.next,
        });
      }
    }
    let next = current;
    if (proposed > current) {
      if (current === this.doseCount - 1) reasons?.push({ code: "highest-dose" });
      else if (admissible[current + 1] !== 1) reasons?.push({ code: "next-eliminated", dose: current + 1 });
      else next = current + 1;
    } else if (proposed < current) {
      if (current === 0) reasons?.push({ code: "lowest-dose" });
      else next = Math.max(0, proposed);
    }
    if (earlyStopN !== undefined && next === current && n >= earlyStopN) {
      reasons?.push({ code: "early-stop", dose: current, n, limit: earlyStopN });
      return STOP;
    }
    return next;
  }

  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number {
    const mtd = this.options.selection.select(state, admissible);
    reasons?.push(mtd < 0 ? { code: "no-mtd" } : { code: "mtd-isotonic", dose: mtd, target: this.options.target });
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
