import type { Design } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { StateTable } from "../outcomes/state-table.js";
import { addCohort, createTrialState, type TrialState } from "../outcomes/trial-state.js";
import { binomialPmf } from "../stats/distributions.js";
import { ValidationError } from "../validation.js";
import { createAccumulator, type OperatingCharacteristics, recordTrial, summarise } from "./accumulator.js";
import { overdoseThreshold } from "./monte-carlo.js";
import { checkTruth } from "./scenario.js";

export interface ExactOptions {
  truth: readonly number[];
  /** Refuse to enumerate beyond this many distinct states in one cohort step. */
  maxStates?: number;
}

export class EnumerationTooLargeError extends Error {
  constructor(readonly states: number) {
    super(`exact enumeration needs more than ${states} distinct trial states per step; use Monte Carlo (--trials)`);
    this.name = "EnumerationTooLargeError";
  }
}

/**
 * Exact operating characteristics: every trial path, weighted by its binomial probability. Paths are
 * advanced one cohort at a time and paths that reach the same state are merged (the designs decide
 * from the state only), so the work grows with the number of distinct states, not of paths.
 * Results are expectations, not estimates.
 */
export function exactOperatingCharacteristics(design: Design, options: ExactOptions): OperatingCharacteristics {
  const truth = checkTruth(options.truth, design.doseCount);
  if (design.engine.rules.randomized !== null) {
    throw new ValidationError(
      [
        {
          path: "rules",
          value: "randomized",
          message:
            "the randomized stage selects from responses, which exact enumeration of DLT paths does not cover: use Monte Carlo (--trials, --seed); its own probabilities are exact in `escalate rose`",
        },
      ],
      "simulation",
    );
  }
  if (design.engine.rules.backfill !== null) {
    throw new ValidationError(
      [
        {
          path: "rules",
          value: "backfill",
          message: "makes the patients depend on arrival times: simulate in calendar time (Monte Carlo with accrual)",
        },
      ],
      "simulation",
    );
  }
  if (!design.module.capabilities.exact) {
    throw new ValidationError(
      [
        {
          path: "design",
          value: design.spec.design,
          message: `cannot be enumerated exactly (${design.module.capabilities.timeToEvent ? "follow-up times are continuous" : "the enumeration covers DLT counts, and this design decides from responses too"}); use Monte Carlo (--trials, --seed)`,
        },
      ],
      "simulation",
    );
  }
  const maxStates = options.maxStates ?? 20_000_000;
  const K = design.doseCount;
  const width = K + 2;
  const engine = design.engine;
  const acc = createAccumulator(K);
  const target = overdoseThreshold(design);
  const state = createTrialState(K);
  const step = createStep();
  const key = new Int32Array(width);
  const childKey = new Int32Array(width);
  // The distribution of a cohort's DLTs, per dose and cohort size: computed once, not once per state.
  const pmfs = new Map<number, Float64Array>();
  const cohortPmf = (dose: number, size: number): Float64Array => {
    const id = size * K + dose;
    let pmf = pmfs.get(id);
    if (!pmf) {
      pmf = new Float64Array(size + 1);
      for (let k = 0; k <= size; k++) pmf[k] = binomialPmf(k, size, truth[dose]!);
      pmfs.set(id, pmf);
    }
    return pmf;
  };

  let level = new StateTable(width);
  let next = new StateTable(width);
  const remembersLastCohort = design.readsLastCohort;
  encode(state, key, remembersLastCohort);
  level.add(key, 1);
  while (level.size > 0) {
    next.clear();
    level.forEach(key, (probability) => {
      decode(key, state);
      engine.step(state, step);
      if (step.dose === STOP) {
        recordTrial(acc, K, state.patients, state.dlts, step.mtd, truth, target, probability);
        return;
      }
      const dose = step.dose;
      const size = step.cohortSize;
      const pmf = cohortPmf(dose, size);
      for (let k = 0; k <= size; k++) {
        const weight = probability * pmf[k]!;
        if (weight === 0) continue;
        decode(key, state);
        if (step.startsExpansion) state.expansionDose = dose;
        addCohort(state, dose, size, k);
        encode(state, childKey, remembersLastCohort);
        next.add(childKey, weight);
      }
      if (next.size > maxStates) throw new EnumerationTooLargeError(maxStates);
    });
    [level, next] = [next, level];
  }
  return summarise(acc, K, true);
}

/**
 * Packs a state into integers: per dose (patients << 16 | DLTs), then the current and expansion doses
 * (≤ 100 doses, 8 bits each) with the last cohort's DLTs, then cohorts and expansion patients. The last
 * cohort's DLTs are kept only for designs that read them, so other designs merge more paths.
 */
function encode(state: TrialState, key: Int32Array, withLastCohort: boolean): void {
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

function decode(key: Int32Array, state: TrialState): void {
  const K = state.doseCount;
  for (let d = 0; d < K; d++) {
    state.patients[d] = key[d]! >>> 16;
    state.dlts[d] = key[d]! & 0xffff;
  }
  state.current = (key[K]! & 0xff) - 1;
  state.expansionDose = ((key[K]! >>> 8) & 0xff) - 1;
  state.lastCohortDlts = (key[K]! >>> 16) & 0xff;
  state.lastCohortSize = key[K]! >>> 24;
  state.cohorts = key[K + 1]! & 0xffff;
  state.expansionPatients = key[K + 1]! >>> 16;
}
