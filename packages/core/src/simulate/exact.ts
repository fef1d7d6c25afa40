import type { Design } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { decodeState, encodeCurrent, encodeDose, encodeState, stateKeyWidth } from "../outcomes/state-key.js";
import { StateTable } from "../outcomes/state-table.js";
import { addCohort, createTrialState } from "../outcomes/trial-state.js";
import { binomialPmf } from "../stats/distributions.js";
import { ValidationError } from "../validation.js";
import { createAccumulator, type OperatingCharacteristics, recordDose, recordTrial, summarise } from "./accumulator.js";
import { overdoseThreshold } from "./monte-carlo.js";
import { checkTruth } from "./scenario.js";

export interface ExactOptions {
  truth: readonly number[];
  /** Refuse to enumerate beyond this many distinct states in one cohort step. */
  maxStates?: number;
  /**
   * Merge states that differ only in doses no decision reads again (default true; the results are the
   * same either way, which a test checks with false).
   */
  mergeUnread?: boolean;
}

/** The numbers kept per state. */
const PROBABILITY = 0;
const PATHS = 1;

/**
 * The records' memory of the last enumeration, for the next to reuse unless the collector has reclaimed
 * it. Allocating tens of megabytes afresh on every run makes V8 collect the caller's whole heap each
 * time (external memory pressure): in a process holding 400 MB, the 20-cohort BOIN took 1.7× as long.
 * Held weakly, it costs no memory the collector wants back.
 */
let keptRecords: WeakRef<ArrayBufferLike[]> | undefined;

export class EnumerationTooLargeError extends Error {
  constructor(readonly states: number) {
    super(`exact enumeration needs more than ${states} distinct trial states per step; use Monte Carlo (--trials)`);
    this.name = "EnumerationTooLargeError";
  }
}

/**
 * Exact operating characteristics: every trial path, weighted by its binomial probability. Paths are
 * advanced one cohort at a time and paths that reach the same state are merged (the designs decide
 * from the state only), so the work grows with the number of distinct states, not of paths. A state
 * keeps only what decisions read: of the last cohort, what the design reads of it; of doses above the
 * lowest one eliminated for good, nothing but their totals (their sums are recorded when they freeze).
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
  const mergeUnread = options.mergeUnread ?? true;
  const K = design.doseCount;
  // The state's key, then one integer for the doses already recorded: their patients << 16 | those of
  // them at doses above the target.
  const width = stateKeyWidth(K) + 1;
  const engine = design.engine;
  const acc = createAccumulator(K);
  const target = overdoseThreshold(design);
  const state = createTrialState(K);
  const step = createStep();
  const key = new Int32Array(width);
  const childKey = new Int32Array(width);
  const lastCohort = design.lastCohortReading;
  // The distribution of a cohort's DLTs, per cohort size and dose: computed once, not once per state.
  const pmfs: (Float64Array | undefined)[] = [];
  const cohortPmf = (dose: number, size: number): Float64Array => {
    const id = size * K + dose;
    let pmf = pmfs[id];
    if (!pmf) {
      pmf = new Float64Array(size + 1);
      for (let k = 0; k <= size; k++) pmf[k] = binomialPmf(k, size, truth[dose]!);
      pmfs[id] = pmf;
    }
    return pmf;
  };

  // Per level, the states, each with its probability and the number of trial paths through it, in one
  // table per dose of the last cohort: states at different doses never merge, and a state's children all
  // go to one table, the tables of doses near the parent's. Each table's index is a fraction of a whole
  // level's and stays in cache where the whole would not: the 20-cohort BOIN takes 3–9% less time.
  const kept = keptRecords?.deref();
  const initialCapacity = Math.ceil(1024 / K);
  let level = Array.from({ length: K }, (_, d) => new StateTable(width, initialCapacity, 2, kept?.[d]));
  let next = Array.from({ length: K }, (_, d) => new StateTable(width, initialCapacity, 2, kept?.[K + d]));
  let paths = 0;
  encodeState(state, key, lastCohort);
  key[width - 1] = 0;
  const first = level[0]!; // before the first cohort: any table
  const start = first.insert(key);
  first.numbers[first.valueIndex(start, PROBABILITY)] = 1;
  first.numbers[first.valueIndex(start, PATHS)] = 1;
  let states = 1;
  while (states > 0) {
    for (const table of next) table.clear();
    states = 0;
    for (const table of level) {
      for (let entry = 0; entry < table.size; entry++) {
        const probability = table.numbers[table.valueIndex(entry, PROBABILITY)]!;
        const pathsHere = table.numbers[table.valueIndex(entry, PATHS)]!;
        const offset = table.keyOffset(entry);
        decodeState(table.data, state, offset);
        const recorded0 = table.data[offset + width - 1]!;
        let recordedPatients = recorded0 >>> 16;
        let recordedOverdosed = recorded0 & 0xffff;
        engine.step(state, step);
        if (step.dose === STOP) {
          recordTrial(acc, K, state.patients, state.dlts, step.mtd, truth, target, probability, recordedPatients, recordedOverdosed);
          paths += pathsHere;
          continue;
        }
        // Doses no decision reads again are recorded now, with this state's probability (the trials
        // through it end with that probability in all), and dropped from the states that follow: states
        // that differ only there merge.
        for (let d = mergeUnread ? engine.unreadFrom(engine.admissible) : K; d < K; d++) {
          const n = state.patients[d]!;
          if (n === 0) continue;
          recordDose(acc, K, d, n, state.dlts[d]!, probability);
          recordedPatients += n;
          if (truth[d]! > target) recordedOverdosed += n;
          state.patients[d] = 0;
          state.dlts[d] = 0;
        }
        const dose = step.dose;
        const size = step.cohortSize;
        const pmf = cohortPmf(dose, size);
        const recorded = (recordedPatients << 16) | recordedOverdosed;
        if (step.startsExpansion) state.expansionDose = dose;
        addCohort(state, dose, size, 0);
        encodeState(state, childKey, lastCohort);
        childKey[width - 1] = recorded;
        const into = next[dose]!;
        const before = into.size;
        for (let k = 0; k <= size; k++) {
          // The cohort with k DLTs: the state after it differs from the one with none only in this dose
          // and the last cohort, so only their integers of the key are encoded again.
          state.dlts[dose] = state.dlts[dose]! + (k === 0 ? 0 : 1);
          state.lastCohortDlts = k;
          const weight = probability * pmf[k]!;
          if (weight === 0) continue;
          childKey[dose] = encodeDose(state, dose);
          childKey[K] = encodeCurrent(state, lastCohort);
          const child = into.valueIndex(into.insert(childKey)); // after insert, which may grow the table
          into.numbers[child + PROBABILITY]! += weight;
          into.numbers[child + PATHS]! += pathsHere;
        }
        states += into.size - before;
        if (states > maxStates) throw new EnumerationTooLargeError(maxStates);
      }
    }
    [level, next] = [next, level];
  }
  keptRecords = new WeakRef([...level, ...next].map((table) => table.data.buffer));
  return { ...summarise(acc, K, true), paths };
}
