import type { TrialState } from "./trial-state.js";

/** Integers a state is packed into (see `encodeState`). */
export const stateKeyWidth = (doseCount: number) => doseCount + 2;

/**
 * Packs a state into integers: per dose (patients << 16 | DLTs), then the current and expansion doses
 * (≤ 100 doses, 8 bits each) with the last cohort's DLTs, then cohorts and expansion patients. The last
 * cohort's DLTs are kept only for designs that read them, so other designs merge more paths. Two
 * states with the same key get the same decision from a design that decides from the state alone.
 */
export function encodeState(state: TrialState, key: Int32Array, withLastCohort: boolean): void {
  const K = state.doseCount;
  for (let d = 0; d < K; d++) key[d] = (state.patients[d]! << 16) | state.dlts[d]!;
  // Dose, expansion dose, and (when decisions read it) the last cohort's DLTs and size: 8 bits each.
  key[K] =
    (state.current + 1) |
    ((state.expansionDose + 1) << 8) |
    ((withLastCohort ? state.lastCohortDlts : 0) << 16) |
    ((withLastCohort ? state.lastCohortSize : 0) << 24);
  key[K + 1] = state.cohorts | (state.expansionPatients << 16);
}

/** Unpacks the key starting at `offset` in `keys` into `state`. */
export function decodeState(keys: Int32Array, state: TrialState, offset = 0): void {
  const K = state.doseCount;
  for (let d = 0; d < K; d++) {
    const packed = keys[offset + d]!;
    state.patients[d] = packed >>> 16;
    state.dlts[d] = packed & 0xffff;
  }
  const doses = keys[offset + K]!;
  state.current = (doses & 0xff) - 1;
  state.expansionDose = ((doses >>> 8) & 0xff) - 1;
  state.lastCohortDlts = (doses >>> 16) & 0xff;
  state.lastCohortSize = doses >>> 24;
  const counts = keys[offset + K + 1]!;
  state.cohorts = counts & 0xffff;
  state.expansionPatients = counts >>> 16;
}
