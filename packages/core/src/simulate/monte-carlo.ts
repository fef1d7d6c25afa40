import type { Design } from "../designs/design.js";
import { createStep, type Step } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { addCohort, createTrialState, resetTrialState, type TrialState } from "../outcomes/trial-state.js";
import { createRandom, type RandomStream } from "../stats/random.js";
import { ValidationError } from "../validation.js";
import {
  accumulatorLength,
  addAccumulator,
  createAccumulator,
  type OperatingCharacteristics,
  programmeOffset,
  recordTrial,
  summarise,
} from "./accumulator.js";
import { type CalendarOptions, type CalendarOptionsInput, checkCalendar, simulateCalendarTrials } from "./calendar.js";
import { CohortDltSampler, DecisionGraph, decisionGraphOf, OUTSIDE, UNFOLLOWED } from "./decision-graph.js";
import { ProgrammeStage } from "./programme.js";
import { checkEfficacy, checkTruth } from "./scenario.js";

/**
 * Trials are simulated in fixed blocks; block b always covers trials [b·BLOCK, (b+1)·BLOCK) and block
 * sums are added in block order. With one random stream per trial this makes results bit-identical
 * whatever the number of threads.
 */
export const SIMULATION_BLOCK = 1000;

export interface MonteCarloOptions {
  truth: readonly number[];
  trials: number;
  seed: number;
  /** Simulate in calendar time: accrual, DLT window, time to DLT (see calendar.ts). */
  calendar?: CalendarOptionsInput;
  /** Response probability per dose (calendar time; backfill opens a dose once a response is seen). */
  efficacy?: readonly number[];
}

/** The DLT rate above which a patient counts as overdosed: the design's target, or what the design says without one. */
export function overdoseThreshold(design: Design): number {
  const spec = design.spec;
  if (spec.target !== undefined) return spec.target;
  const threshold = design.module.overdoseThreshold?.(spec);
  if (threshold === undefined) throw new Error(`${spec.design}: a design without a target must say when a patient is overdosed`);
  return threshold;
}

/**
 * Simulates trials [firstTrial, firstTrial + count) and adds them to `acc`. Allocation-free per trial:
 * the state, the decision buffer and the generator are created once and reused.
 *
 * Random streams: trial i draws from stream (seed, i). Without efficacy, each cohort's DLT count is
 * drawn from one uniform by the inverse binomial distribution function (CohortDltSampler); with
 * efficacy, each patient draws a DLT and then a response. Trials of a design that decides from the state
 * alone walk its decision graph (decision-graph.ts) rather than asking the engine at every cohort; the
 * results are the same either way.
 */
export function simulateTrials(
  design: Design,
  truth: Float64Array,
  seed: number,
  firstTrial: number,
  count: number,
  acc: Float64Array,
  /** Response probability per dose (efficacy-aware designs): each patient's response is drawn after the DLT, independently. */
  efficacy?: Float64Array,
  /** The graph to walk (tests pass one of limited capacity); by default the design's own. */
  graph?: DecisionGraph,
): void {
  const stage = design.engine.rules.randomized;
  if (design.module.simulateTrials && stage === null) {
    design.module.simulateTrials(design.engine, design.spec, truth, seed, firstTrial, count, acc, overdoseThreshold(design));
    return;
  }
  if (efficacy === undefined && stage === null) {
    simulateByGraph(design, graph ?? decisionGraphFor(design), truth, seed, firstTrial, count, acc);
    return;
  }
  const K = design.doseCount;
  const engine = design.engine;
  const state = createTrialState(K);
  const step = createStep();
  const random = createRandom(seed, firstTrial);
  const target = overdoseThreshold(design);
  const programme = stage === null ? null : new ProgrammeStage(design, acc, programmeOffset(acc, K)!);
  for (let trial = firstTrial; trial < firstTrial + count; trial++) {
    random.reseed(seed, trial);
    resetTrialState(state);
    for (;;) {
      engine.step(state, step);
      if (step.dose === STOP) break;
      if (step.startsExpansion) state.expansionDose = step.dose;
      const p = truth[step.dose]!;
      const q = efficacy![step.dose]!;
      let dlts = 0;
      for (let i = 0; i < step.cohortSize; i++) {
        const dlt = random.nextUniform() < p;
        const response = random.nextUniform() < q;
        if (dlt) dlts++;
        if (response) state.responses[step.dose]!++;
        if (dlt && response) state.both[step.dose]!++;
      }
      addCohort(state, step.dose, step.cohortSize, dlts);
    }
    programme?.run(state, step.mtd, truth, efficacy!, random);
    recordTrial(acc, K, state.patients, state.dlts, step.mtd, truth, target, 1);
  }
}

/** Designs that decide from the state alone keep a decision graph; others get an empty one (every step by the engine). */
function decisionGraphFor(design: Design): DecisionGraph {
  return design.module.capabilities.exact ? decisionGraphOf(design) : new DecisionGraph(design, 0);
}

/**
 * Trials on DLTs alone: each cohort's DLTs from one uniform, and each step read from the graph, so a
 * cohort costs a draw and two array reads. A trial that leaves a full graph is finished by the engine.
 */
function simulateByGraph(
  design: Design,
  graph: DecisionGraph,
  truth: Float64Array,
  seed: number,
  firstTrial: number,
  count: number,
  acc: Float64Array,
): void {
  const K = design.doseCount;
  const state = createTrialState(K);
  const random = createRandom(seed, firstTrial);
  const sampler = new CohortDltSampler(truth, design.engine.cohortSize);
  const target = overdoseThreshold(design);
  const step = createStep();
  const root = graph.nodeOf(state);
  for (let trial = firstTrial; trial < firstTrial + count; trial++) {
    random.reseed(seed, trial);
    if (root === OUTSIDE) resetTrialState(state); // a graph of no nodes: the engine decides every step
    let end = root;
    while (end !== OUTSIDE) {
      end = graph.walk(end, sampler, random);
      if (end !== UNFOLLOWED) break;
      end = graph.followOn(state);
    }
    let mtd: number;
    if (end === OUTSIDE) mtd = finishWithEngine(design, state, step, sampler, random);
    else {
      graph.stateOf(end, state);
      mtd = graph.mtdAt(end);
    }
    recordTrial(acc, K, state.patients, state.dlts, mtd, truth, target, 1);
  }
}

/** Continues a trial from `state` asking the engine at every step; returns the MTD. */
function finishWithEngine(design: Design, state: TrialState, step: Step, sampler: CohortDltSampler, random: RandomStream): number {
  for (;;) {
    design.engine.step(state, step);
    if (step.dose === STOP) return step.mtd;
    if (step.startsExpansion) state.expansionDose = step.dose;
    addCohort(state, step.dose, step.cohortSize, sampler.draw(step.dose, step.cohortSize, random.nextUniform()));
  }
}

/** Simulates one block (see SIMULATION_BLOCK) and returns its sums; in calendar time when `calendar` is given. */
export function simulateBlock(
  design: Design,
  truth: Float64Array,
  seed: number,
  block: number,
  trials: number,
  calendar?: CalendarOptions,
  efficacy?: Float64Array,
): Float64Array {
  const acc = createAccumulator(design.doseCount, calendar !== undefined, design.engine.rules.randomized !== null);
  const first = block * SIMULATION_BLOCK;
  const count = Math.min(SIMULATION_BLOCK, trials - first);
  if (calendar) {
    const offset = accumulatorLength(design.doseCount);
    simulateCalendarTrials(design, truth, seed, first, count, acc, offset, calendar, overdoseThreshold(design), efficacy);
  } else simulateTrials(design, truth, seed, first, count, acc, efficacy);
  return acc;
}

/**
 * Checks what a simulation needs beyond the truth: calendar time for a design with backfill (its patients
 * arrive while cohorts are assessed), and response probabilities for it; efficacy only in calendar time.
 */
export function checkSimulationInputs(
  design: Design,
  calendar: CalendarOptionsInput | undefined,
  efficacy: readonly number[] | undefined,
): { calendar?: CalendarOptions; efficacy?: Float64Array } {
  const issues = [];
  if (design.engine.rules.backfill !== null && calendar === undefined)
    issues.push({
      path: "calendar",
      message: "is required for a design with backfill: its patients arrive while cohorts are assessed (give accrual)",
    });
  if (design.engine.rules.backfill !== null && efficacy === undefined)
    issues.push({ path: "efficacy", message: "is required for a design with backfill: a dose opens once a response is seen (0 for none)" });
  const efficacyAware = design.module.capabilities.efficacyAware;
  if (efficacyAware && efficacy === undefined)
    issues.push({ path: "efficacy", message: `is required for ${design.spec.design}, which decides from responses too` });
  const randomized = design.engine.rules.randomized !== null;
  if (randomized && efficacy === undefined)
    issues.push({ path: "efficacy", message: "is required for a design with a randomized stage: its selection compares responses" });
  if (randomized && design.module.capabilities.timeToEvent && calendar === undefined)
    issues.push({ path: "calendar", message: `is required for ${design.spec.design} with a randomized stage (give accrual)` });
  if (efficacy !== undefined && calendar === undefined && !efficacyAware && !randomized)
    issues.push({
      path: "efficacy",
      message: "is used in calendar time (backfill), by efficacy-aware designs and by randomized stages only",
    });
  if (issues.length > 0) throw new ValidationError(issues, "simulation");
  return {
    ...(calendar === undefined ? {} : { calendar: checkCalendar(calendar) }),
    ...(efficacy === undefined ? {} : { efficacy: checkEfficacy(efficacy, design.doseCount) }),
  };
}

export function blockCount(trials: number): number {
  return Math.ceil(trials / SIMULATION_BLOCK);
}

/** Single-threaded Monte Carlo operating characteristics (the CLI adds worker threads on top). */
export function simulate(design: Design, options: MonteCarloOptions): OperatingCharacteristics {
  const truth = checkTruth(options.truth, design.doseCount);
  checkTrials(options.trials, options.seed);
  const { calendar, efficacy } = checkSimulationInputs(design, options.calendar, options.efficacy);
  const total = createAccumulator(design.doseCount, calendar !== undefined, design.engine.rules.randomized !== null);
  for (let block = 0; block < blockCount(options.trials); block++) {
    addAccumulator(total, simulateBlock(design, truth, options.seed, block, options.trials, calendar, efficacy));
  }
  return summarise(total, design.doseCount, false);
}

export function checkTrials(trials: number, seed: number): void {
  if (!Number.isInteger(trials) || trials < 1 || trials > 1e8) {
    throw new ValidationError([{ path: "trials", value: trials, message: "must be an integer in 1..100000000" }], "simulation");
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ValidationError(
      [{ path: "seed", value: seed, message: `must be an integer in 0..${Number.MAX_SAFE_INTEGER}` }],
      "simulation",
    );
  }
}
