import type { Design } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { decodeState, encodeState, stateKeyWidth } from "../outcomes/state-key.js";
import { StateTable } from "../outcomes/state-table.js";
import { addCohort, createTrialState } from "../outcomes/trial-state.js";
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
  const width = stateKeyWidth(K);
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
  encodeState(state, key, remembersLastCohort);
  level.add(key, 1);
  while (level.size > 0) {
    next.clear();
    level.forEach(key, (probability) => {
      decodeState(key, state);
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
        decodeState(key, state);
        if (step.startsExpansion) state.expansionDose = dose;
        addCohort(state, dose, size, k);
        encodeState(state, childKey, remembersLastCohort);
        next.add(childKey, weight);
      }
      if (next.size > maxStates) throw new EnumerationTooLargeError(maxStates);
    });
    [level, next] = [next, level];
  }
  return summarise(acc, K, true);
}
