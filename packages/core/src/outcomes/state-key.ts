import type { TrialState } from "./trial-state.js";

/**
 * What a design's decisions read of the last cohort: all of it (its method reads it), only whether its
 * DLT rate exceeded the coherence rule's target, or nothing. States that differ in what is not read
 * get the same key, so more paths merge.
 */
export type LastCohortReading =
  | "all"
  | {
      coherenceAbove: number;
      /** False where coherence cannot apply (no escalation is possible): the last cohort is not kept. */
      mayEscalate?: (state: TrialState) => boolean;
    }
  | "none";

/** Integers a state is packed into (see `encodeState`). */
export const stateKeyWidth = (doseCount: number) => doseCount + 2;

/**
 * Packs a state into integers: per dose (patients << 16 | DLTs), then the current and expansion doses
 * (≤ 100 doses, 8 bits each) with the last cohort as read (`lastCohort`), then cohorts and expansion
 * patients. Two states with the same key get the same decision from a design that decides from the
 * state alone. When only coherence reads the last cohort, all that is kept is whether coherence would
 * block an escalation now, as a cohort that decides alike: 1 DLT of 1 (1 > target) when its DLT rate
 * exceeded the target and the method may escalate from this state, else no cohort at all.
 */
export function encodeState(state: TrialState, key: Int32Array, lastCohort: LastCohortReading): void {
  const K = state.doseCount;
  for (let d = 0; d < K; d++) key[d] = encodeDose(state, d);
  key[K] = encodeCurrent(state, lastCohort);
  key[K + 1] = state.cohorts | (state.expansionPatients << 16);
}

/** The key's integer for dose d (`encodeState`). */
export const encodeDose = (state: TrialState, d: number): number => (state.patients[d]! << 16) | state.dlts[d]!;

/**
 * The key's integer after the doses (`encodeState`): the current and expansion doses, 8 bits each, and
 * the last cohort as read, its DLTs and size 8 bits each. A state that differs from a keyed one only in
 * one dose's counts and the last cohort needs only this and that dose's integer anew.
 */
export function encodeCurrent(state: TrialState, lastCohort: LastCohortReading): number {
  let lastDlts = 0;
  let lastSize = 0;
  if (lastCohort === "all") {
    lastDlts = state.lastCohortDlts;
    lastSize = state.lastCohortSize;
  } else if (
    lastCohort !== "none" &&
    state.lastCohortSize > 0 &&
    // The engine's own comparison (engine.ts), so the kept cohort decides as the real one.
    state.lastCohortDlts > lastCohort.coherenceAbove * state.lastCohortSize &&
    (lastCohort.mayEscalate?.(state) ?? true)
  ) {
    lastDlts = 1;
    lastSize = 1;
  }
  return (state.current + 1) | ((state.expansionDose + 1) << 8) | (lastDlts << 16) | (lastSize << 24);
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
