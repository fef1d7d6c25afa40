import type { TrialState } from "../outcomes/trial-state.js";
import type { ModelSummary } from "./crm/crm.js";
import type { Reason } from "./reasons.js";

/** Returned as a dose index to mean "stop the trial". */
export const STOP = -1;
/**
 * Returned by a time-to-event method's `nextDose` to mean "suspend accrual": too many patients at the
 * current dose are still inside their DLT window to decide; the next cohort waits for their outcomes.
 */
export const SUSPEND = -2;

/**
 * A dose-finding method reduced to its decision logic on the compact trial state. Doses are 0-based.
 * `reasons`, when given, collects structured reasons (reasons.ts); simulation passes nothing, so the
 * hot path and the explained path are one and the same code.
 */
export interface DoseFindingMethod {
  readonly doseCount: number;
  /** True when decisions depend on the most recent cohort's DLTs (TrialState.lastCohortDlts). */
  readonly readsLastCohort?: boolean;
  /** True when the method's own rules never escalate right after a cohort above the target (the 3+3), so the engine's coherence rule has nothing to do. */
  readonly coherentByConstruction?: boolean;
  /**
   * True when eliminations are final: an inadmissible dose stays so (its elimination rests on its own
   * data, which no longer change) and no decision reads the data of doses above the lowest inadmissible
   * one. Exact enumeration then merges states that differ only there.
   */
  readonly finalEliminations?: boolean;
  /**
   * False when, from this state, the method's next dose cannot be above the current one whatever the
   * last cohort was: then the coherence rule has nothing to decide, and state keys (exact enumeration,
   * the decision graph) drop the last cohort, so more states merge. Absent: it may always escalate.
   */
  mayEscalate?(state: TrialState): boolean;
  /** The DLT rate coherence compares the last cohort with, for designs whose spec has no single target (the BLRM's intervals). */
  readonly coherenceTarget?: number;
  /** Writes 1 for each dose the method still allows (not eliminated), 0 otherwise. */
  markAdmissible(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void;
  /**
   * `markAdmissible` restricted to the safety eliminations that still apply once dose finding has
   * ended (during the expansion cohort). Interval designs' posterior elimination is such a rule; the
   * 3+3's closure of a dose on 2 DLTs is a dose-finding rule, so the 3+3 leaves every dose open here.
   */
  markSafe(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): void;
  /**
   * The next dose in the dose-finding phase once patients have been treated, or STOP (the first
   * cohort's start dose is the engine's). `admissible` already combines the method's own eliminations
   * with those of any rules; the method must never return an inadmissible dose. Time-to-event methods
   * may return SUSPEND.
   */
  nextDose(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number;
  /** The dose selected as MTD from all data so far (0-based), or -1 when none can be selected. */
  selectMtd(state: TrialState, admissible: Uint8Array, reasons?: Reason[]): number;
  /** Per-dose estimates behind the MTD selection (e.g. isotonic estimates), NaN where untried. */
  estimates?(state: TrialState, admissible: Uint8Array): Float64Array;
  /** Model-based designs: posterior estimates per dose, reported with each decision. */
  summarise?(state: TrialState): ModelSummary;
  /** Efficacy-aware designs: each dose's desirability score (null where inadmissible) and the OBD so far (0-based, -1 for none). */
  efficacySummary?(state: TrialState, admissible: Uint8Array): { rds: (number | null)[]; obd: number };
  /** The decision table for 1..maxPatients patients at a dose; absent for model-based designs. */
  boundaryTable?(maxPatients: number): BoundaryTable;
  /** Interval designs: the decision at a dose from its own data (1 escalate, 0 stay, −1 de-escalate); backfill's rules use it. */
  decisionAt?(n: number, y: number): number;
  /** Time-to-event interval designs: the decision for every (n, DLTs, pending) up to maxPatients. */
  pendingTable?(maxPatients: number): PendingRow[];
}

/** Highest admissible dose at or below `dose` (0-based), or -1. */
export function highestAdmissibleAtOrBelow(admissible: Uint8Array, dose: number): number {
  for (let d = Math.min(dose, admissible.length - 1); d >= 0; d--) if (admissible[d] === 1) return d;
  return -1;
}

/** Formats a 0-based dose for people: "dose 3 (2.4 mg/kg)". */
export type DoseNamer = (dose: number) => string;

export function formatNumber(value: number, digits = 3): string {
  return Number(value.toFixed(digits)).toString();
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One row of a design's decision table: DLT counts among n patients at the current dose. */
export interface BoundaryRow {
  n: number;
  /** Escalate if DLTs ≤ this; null when no count escalates. */
  escalate: number | null;
  /** De-escalate if DLTs ≥ this; null when no count de-escalates. */
  deescalate: number | null;
  /** Eliminate the dose (and higher) if DLTs ≥ this; null when not applicable. */
  eliminate: number | null;
}

export interface BoundaryTable {
  /** BOIN's escalation boundary on the observed rate; null for other designs. */
  lambdaE: number | null;
  /** BOIN's de-escalation boundary on the observed rate; null for other designs. */
  lambdaD: number | null;
  table: BoundaryRow[];
}

/** A decision a time-to-event interval design takes with patients still pending at the current dose. */
export type PendingDecision = "escalate" | "stay" | "de-escalate" | "eliminate" | "suspend";

/**
 * One cell of a time-to-event decision table: n patients at the current dose (completed and pending),
 * `dlts` DLTs seen, `pending` patients still inside the window without DLT.
 */
export interface PendingRow {
  n: number;
  dlts: number;
  pending: number;
  decision: PendingDecision;
  /** Escalate when the pending patients' standardized total follow-up time is at least this, otherwise stay; null when the decision does not depend on it. */
  stftAtLeast: number | null;
  /** Stay when the STFT is above this, otherwise de-escalate; null when the decision does not depend on it. */
  stftAtMost: number | null;
}
