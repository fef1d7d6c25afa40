import type { Cohort } from "./notation.js";

/**
 * The compact state every design decides from: patients and DLTs per dose in typed arrays, the dose
 * the last cohort received, and the trial's phase. Dose indices are 0-based here (internal); the
 * public API and the CLI report 1-based doses.
 */
export interface TrialState {
  readonly doseCount: number;
  readonly patients: Int32Array;
  readonly dlts: Int32Array;
  /** Responses per dose (E and B outcomes); designs that do not use efficacy ignore them. */
  readonly responses: Int32Array;
  /** Patients with both a DLT and a response (B), per dose: utilities need the joint counts. */
  readonly both: Int32Array;
  /** 0-based dose of the most recent cohort; -1 before the first cohort. */
  current: number;
  /** DLTs in the most recent cohort, and its size (for coherence rules). */
  lastCohortDlts: number;
  lastCohortSize: number;
  /** Cohorts treated in the dose-finding phase. */
  cohorts: number;
  /** 0-based dose of the expansion cohort at the MTD; -1 while dose finding continues. */
  expansionDose: number;
  /** Patients treated in the expansion phase. */
  expansionPatients: number;
  /**
   * Time-to-event designs: patients without DLT still inside their DLT window (counted in `patients`
   * too), as a dose and the weight of their partial follow-up in (0, 1).
   */
  pendingDose: Int32Array;
  pendingWeight: Float64Array;
  pendingCount: number;
}

export function createTrialState(doseCount: number): TrialState {
  return {
    doseCount,
    patients: new Int32Array(doseCount),
    dlts: new Int32Array(doseCount),
    responses: new Int32Array(doseCount),
    both: new Int32Array(doseCount),
    current: -1,
    lastCohortDlts: 0,
    lastCohortSize: 0,
    cohorts: 0,
    expansionDose: -1,
    expansionPatients: 0,
    pendingDose: new Int32Array(16),
    pendingWeight: new Float64Array(16),
    pendingCount: 0,
  };
}

/** Records a treated patient without DLT whose follow-up covers only `weight` of the DLT window. */
export function addPending(state: TrialState, dose: number, weight: number): void {
  if (state.pendingCount === state.pendingDose.length) {
    const dose2 = new Int32Array(2 * state.pendingCount);
    dose2.set(state.pendingDose);
    const weight2 = new Float64Array(2 * state.pendingCount);
    weight2.set(state.pendingWeight);
    state.pendingDose = dose2;
    state.pendingWeight = weight2;
  }
  state.pendingDose[state.pendingCount] = dose;
  state.pendingWeight[state.pendingCount] = weight;
  state.pendingCount++;
}

export function resetTrialState(state: TrialState): void {
  state.patients.fill(0);
  state.dlts.fill(0);
  state.responses.fill(0);
  state.both.fill(0);
  state.current = -1;
  state.lastCohortDlts = 0;
  state.lastCohortSize = 0;
  state.cohorts = 0;
  state.expansionDose = -1;
  state.expansionPatients = 0;
  state.pendingCount = 0;
}

export function copyTrialState(from: TrialState, to: TrialState): void {
  to.patients.set(from.patients);
  to.dlts.set(from.dlts);
  to.responses.set(from.responses);
  to.both.set(from.both);
  to.current = from.current;
  to.lastCohortDlts = from.lastCohortDlts;
  to.lastCohortSize = from.lastCohortSize;
  to.cohorts = from.cohorts;
  to.expansionDose = from.expansionDose;
  to.expansionPatients = from.expansionPatients;
  to.pendingCount = 0;
  for (let i = 0; i < from.pendingCount; i++) addPending(to, from.pendingDose[i]!, from.pendingWeight[i]!);
}

/** Record a cohort of `size` patients with `dlts` DLTs at 0-based `dose`. */
export function addCohort(state: TrialState, dose: number, size: number, dlts: number): void {
  state.patients[dose]! += size;
  state.dlts[dose]! += dlts;
  state.current = dose;
  state.lastCohortDlts = dlts;
  state.lastCohortSize = size;
  if (state.expansionDose < 0) state.cohorts++;
  else state.expansionPatients += size;
}

/** Record backfill patients at 0-based `dose`: they count there, but the current dose and the cohort count stay. */
export function addBackfill(state: TrialState, dose: number, size: number, dlts: number): void {
  state.patients[dose]! += size;
  state.dlts[dose]! += dlts;
}

export function totalPatients(state: TrialState): number {
  let total = 0;
  for (let d = 0; d < state.doseCount; d++) total += state.patients[d]!;
  return total;
}

export function countDlts(cohort: Cohort): number {
  let count = 0;
  for (const dlt of cohort.dlts) if (dlt) count++;
  return count;
}

export function countResponses(cohort: Cohort): number {
  let count = 0;
  for (const response of cohort.responses ?? []) if (response) count++;
  return count;
}

/** Patients of a cohort with both a DLT and a response. */
export function countBoth(cohort: Cohort): number {
  let count = 0;
  cohort.responses?.forEach((response, i) => {
    if (response && cohort.dlts[i]) count++;
  });
  return count;
}

/** Highest 0-based dose that has been given to anyone; -1 if none. */
export function highestTriedDose(state: TrialState): number {
  for (let d = state.doseCount - 1; d >= 0; d--) if (state.patients[d]! > 0) return d;
  return -1;
}
