import { addPending, createTrialState, resetTrialState, type TrialState } from "../outcomes/trial-state.js";
import { recordTrial } from "../simulate/accumulator.js";
import { createRandom } from "../stats/random.js";
import { createStep, type DecisionEngine } from "./engine.js";
import { STOP } from "./method.js";

/** What the simulation needs of a time-to-event design's spec. */
export interface TimeToEventSpec {
  /** DLT window, days. */
  window: number;
  /** Days between successive cohorts' arrivals (default: a quarter of the window). */
  arrivalInterval?: number | undefined;
  cohortSize: number;
  cohorts: number;
}

/**
 * Monte Carlo for time-to-event designs (TITE-CRM, TITE-BOIN): cohorts arrive every `arrivalInterval` days
 * without waiting for earlier patients' DLT windows to end; a patient with a DLT has it at a time uniform
 * over the window. At each arrival the design sees what is known then: observed DLTs, patients who
 * completed the window, and the others by the fraction of the window followed. When the design suspends
 * accrual, the cohort waits until the next outcome is known (a DLT or a completed window) and later
 * cohorts are delayed by as much. After the last cohort everyone completes follow-up and the MTD is
 * selected from the complete data.
 */
export function simulateTimeToEventTrials(
  engine: DecisionEngine,
  spec: TimeToEventSpec,
  truth: Float64Array,
  seed: number,
  firstTrial: number,
  count: number,
  acc: Float64Array,
  overdoseThreshold: number,
): void {
  const K = engine.doseCount;
  const window = spec.window;
  const interval = spec.arrivalInterval ?? window / 4;
  const size = spec.cohortSize;
  const maxCohorts = spec.cohorts;
  const capacity = maxCohorts * size;
  const doses = new Int32Array(capacity);
  const arrivals = new Float64Array(capacity);
  /** Time from arrival to DLT, or +∞ for a patient without DLT. */
  const dltTimes = new Float64Array(capacity);
  const state = createTrialState(K);
  const step = createStep();
  const random = createRandom(seed, firstTrial);

  /** The state as known at time `now` for the first `enrolled` patients. */
  const observe = (now: number, enrolled: number, previous: number, target: TrialState) => {
    resetTrialState(target);
    let newDlts = 0;
    for (let i = 0; i < enrolled; i++) {
      const d = doses[i]!;
      const followed = now - arrivals[i]!;
      target.patients[d]!++;
      if (dltTimes[i]! <= followed) {
        target.dlts[d]!++;
        if (arrivals[i]! + dltTimes[i]! > previous) newDlts++;
      } else if (followed < window) {
        addPending(target, d, followed / window);
      }
    }
    target.current = enrolled > 0 ? doses[enrolled - 1]! : -1;
    target.cohorts = Math.ceil(enrolled / size);
    target.lastCohortDlts = newDlts;
    target.lastCohortSize = Math.min(size, enrolled);
  };

  /** The first time after `now` at which an enrolled patient's outcome becomes known (a DLT or a completed window). */
  const nextOutcome = (now: number, enrolled: number): number => {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < enrolled; i++) {
      const known = arrivals[i]! + Math.min(dltTimes[i]!, window);
      if (known > now && known < next) next = known;
    }
    return next;
  };

  for (let trial = firstTrial; trial < firstTrial + count; trial++) {
    random.reseed(seed, trial);
    let enrolled = 0;
    let previous = 0;
    let mtd = -1;
    let stopped = false;
    /** Cohorts arrive `interval` apart, later by the time accrual was suspended. */
    let delay = 0;
    for (let cohort = 0; cohort < maxCohorts; cohort++) {
      let now = cohort * interval + delay;
      observe(now, enrolled, previous, state);
      engine.step(state, step);
      while (step.suspended) {
        const resume = nextOutcome(now, enrolled);
        delay += resume - now;
        now = resume;
        observe(now, enrolled, previous, state);
        engine.step(state, step);
      }
      previous = now;
      if (step.dose === STOP) {
        mtd = step.mtd;
        stopped = true;
        break;
      }
      for (let i = 0; i < step.cohortSize; i++) {
        doses[enrolled] = step.dose;
        arrivals[enrolled] = now;
        dltTimes[enrolled] = random.nextUniform() < truth[step.dose]! ? window * (1 - random.nextUniform()) : Number.POSITIVE_INFINITY;
        enrolled++;
      }
    }
    // Everyone completes follow-up; the MTD comes from the complete data (unless the trial stopped early).
    observe((enrolled > 0 ? arrivals[enrolled - 1]! : 0) + window, enrolled, previous, state);
    if (!stopped) {
      state.cohorts = maxCohorts;
      engine.step(state, step);
      mtd = step.mtd;
    }
    recordTrial(acc, K, state.patients, state.dlts, mtd, truth, overdoseThreshold, 1);
  }
}
