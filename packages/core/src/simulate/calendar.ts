import { z } from "zod";
import type { Design } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { addPending, createTrialState, resetTrialState, type TrialState } from "../outcomes/trial-state.js";
import { createRandom, type RandomStream } from "../stats/random.js";
import { parseWith } from "../validation.js";
import { recordTrial } from "./accumulator.js";

/** A month, in days: accrual rates are per month and durations are reported in months. */
export const DAYS_PER_MONTH = 30;

/**
 * Trials in calendar time: patients arrive one by one; each is assessed over the DLT window. A design
 * that needs complete outcomes decides once every enrolled patient has been assessed; a time-to-event
 * design decides when the next patient arrives, with whatever is known then.
 */
export const calendarSchema = z
  .object({
    /** Patients per month. */
    accrual: z.number().gt(0).max(1000),
    /**
     * Gaps between arrivals: exponential (a Poisson process), uniform on (0, 2/accrual) months (the
     * BF-BOIN paper's), or fixed at 1/accrual months.
     */
    arrivals: z.enum(["poisson", "uniform", "fixed"]).default("poisson"),
    /** DLT assessment window in days; default the design's own (time-to-event designs), otherwise 30. */
    window: z.number().gt(0).max(3650).optional(),
    /**
     * When a DLT occurs within the window: uniformly, or late (Weibull with this shape > 1) or early
     * (< 1), with scale the window, truncated to it.
     */
    dltTime: z.union([z.literal("uniform"), z.object({ weibullShape: z.number().gt(0).max(20) }).strict()]).default("uniform"),
    /** Arrivals while no place is open: they wait for the next place, or are turned away (lost). */
    whenFull: z.enum(["wait", "turn-away"]).default("wait"),
  })
  .strict();

export type CalendarOptions = z.infer<typeof calendarSchema>;
export type CalendarOptionsInput = z.input<typeof calendarSchema>;

export function checkCalendar(input: unknown): CalendarOptions {
  return parseWith(calendarSchema, input, "calendar");
}

/** Durations are also counted in bins of this many months, for quantiles that add across blocks and threads. */
export const DURATION_BIN_MONTHS = 0.1;
export const DURATION_BINS = 2400;
/** Calendar sums after the base accumulator: duration Σ, Σ², treated-while-pending Σ, Σ², turned away Σ, Σ², then the bins (the last one open-ended). */
export const CALENDAR_SUMS = 6;
export const calendarLength = () => CALENDAR_SUMS + DURATION_BINS;

/** Adds one trial's calendar results at `offset` (the base accumulator's length). */
export function recordCalendar(acc: Float64Array, offset: number, months: number, treatedWhilePending: number, turnedAway: number): void {
  acc[offset]! += months;
  acc[offset + 1]! += months * months;
  acc[offset + 2]! += treatedWhilePending;
  acc[offset + 3]! += treatedWhilePending * treatedWhilePending;
  acc[offset + 4]! += turnedAway;
  acc[offset + 5]! += turnedAway * turnedAway;
  acc[offset + CALENDAR_SUMS + Math.min(DURATION_BINS - 1, Math.floor(months / DURATION_BIN_MONTHS))]! += 1;
}

/** The q-quantile of the binned durations, interpolated within its bin. */
export function durationQuantile(acc: Float64Array, offset: number, trials: number, q: number): number {
  const rank = q * trials;
  let below = 0;
  for (let bin = 0; bin < DURATION_BINS; bin++) {
    const count = acc[offset + CALENDAR_SUMS + bin]!;
    if (count > 0 && below + count >= rank) return (bin + (rank - below) / count) * DURATION_BIN_MONTHS;
    below += count;
  }
  return DURATION_BINS * DURATION_BIN_MONTHS;
}

/** Draws gaps between arrivals, in days. */
function arrivalGap(options: CalendarOptions, random: RandomStream): number {
  const mean = DAYS_PER_MONTH / options.accrual;
  if (options.arrivals === "fixed") return mean;
  if (options.arrivals === "uniform") return 2 * mean * random.nextUniform();
  return -mean * Math.log(1 - random.nextUniform());
}

/** Time to a DLT that occurs within the window (days). */
export function dltDay(options: CalendarOptions, window: number, random: RandomStream): number {
  const u = random.nextUniform();
  if (options.dltTime === "uniform") return window * (1 - u);
  // Weibull(shape k, scale = window) conditioned on falling within the window, by inversion.
  const k = options.dltTime.weibullShape;
  return window * (-Math.log(1 - u * (1 - Math.exp(-1)))) ** (1 / k);
}

/**
 * Simulates trials [firstTrial, firstTrial + count) in calendar time and adds them to `acc` (the base
 * sums, then the calendar sums at `offset`). Trial time starts at 0; the trial ends when the last
 * enrolled patient's assessment ends (their DLT, or the end of their window); the MTD is selected then,
 * from complete data.
 */
export function simulateCalendarTrials(
  design: Design,
  truth: Float64Array,
  seed: number,
  firstTrial: number,
  count: number,
  acc: Float64Array,
  offset: number,
  options: CalendarOptions,
  overdoseThreshold: number,
): void {
  const K = design.doseCount;
  const engine = design.engine;
  const spec = design.spec;
  const timeToEvent = design.module.capabilities.timeToEvent;
  const window = options.window ?? ("window" in spec ? spec.window : DAYS_PER_MONTH);
  let capacity = 64;
  let doses = new Int32Array(capacity);
  let enrolledAt = new Float64Array(capacity);
  /** When each patient's outcome is known: their DLT, or the end of their window. */
  let knownAt = new Float64Array(capacity);
  let hadDlt = new Uint8Array(capacity);
  const state = createTrialState(K);
  const step = createStep();
  const random = createRandom(seed, firstTrial);

  let enrolled = 0;
  let cohorts = 0;
  let expansionDose = -1;
  let expansionPatients = 0;
  let lastCohortStart = 0;

  const grow = () => {
    capacity *= 2;
    const d = new Int32Array(capacity);
    d.set(doses);
    doses = d;
    const e = new Float64Array(capacity);
    e.set(enrolledAt);
    enrolledAt = e;
    const k = new Float64Array(capacity);
    k.set(knownAt);
    knownAt = k;
    const h = new Uint8Array(capacity);
    h.set(hadDlt);
    hadDlt = h;
  };

  /** The state as known at `now`; the last cohort's DLTs are those known by then (coherence). */
  const observe = (now: number, target: TrialState) => {
    resetTrialState(target);
    let lastDlts = 0;
    for (let i = 0; i < enrolled; i++) {
      const d = doses[i]!;
      target.patients[d]!++;
      if (knownAt[i]! <= now) {
        if (hadDlt[i] === 1) {
          target.dlts[d]!++;
          if (i >= lastCohortStart) lastDlts++;
        }
      } else {
        addPending(target, d, (now - enrolledAt[i]!) / window);
      }
    }
    target.current = enrolled > 0 ? doses[enrolled - 1]! : -1;
    target.cohorts = cohorts;
    target.expansionDose = expansionDose;
    target.expansionPatients = expansionPatients;
    target.lastCohortDlts = lastDlts;
    target.lastCohortSize = enrolled - lastCohortStart;
  };

  const allKnown = () => {
    let last = 0;
    for (let i = 0; i < enrolled; i++) if (knownAt[i]! > last) last = knownAt[i]!;
    return last;
  };
  const nextOutcome = (now: number) => {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < enrolled; i++) if (knownAt[i]! > now && knownAt[i]! < next) next = knownAt[i]!;
    return next;
  };

  for (let trial = firstTrial; trial < firstTrial + count; trial++) {
    random.reseed(seed, trial);
    enrolled = 0;
    cohorts = 0;
    expansionDose = -1;
    expansionPatients = 0;
    lastCohortStart = 0;
    let nextArrival = arrivalGap(options, random);
    let turnedAway = 0;
    let treatedWhilePending = 0;
    /** The next patient, from `ready` on: a waiting arrival is taken then; under turn-away, earlier arrivals are lost. */
    const takeArrival = (ready: number): number => {
      if (options.whenFull === "turn-away") {
        while (nextArrival < ready) {
          turnedAway++;
          nextArrival += arrivalGap(options, random);
        }
      }
      const at = Math.max(nextArrival, ready);
      nextArrival += arrivalGap(options, random);
      return at;
    };
    let ready = 0;
    for (;;) {
      // Designs that need complete outcomes wait for every enrolled patient's assessment.
      if (!timeToEvent) ready = Math.max(ready, allKnown());
      let now = takeArrival(ready);
      observe(now, state);
      engine.step(state, step);
      while (step.suspended) {
        // Accrual suspended: the patient waits for the next outcome (or, under turn-away, is lost with later arrivals until then).
        const resume = nextOutcome(now);
        if (options.whenFull === "turn-away") {
          turnedAway++;
          now = takeArrival(resume);
        } else now = resume;
        observe(now, state);
        engine.step(state, step);
      }
      if (step.dose === STOP) break;
      if (step.startsExpansion) expansionDose = step.dose;
      if (state.pendingCount > 0) treatedWhilePending += step.cohortSize;
      lastCohortStart = enrolled;
      if (expansionDose < 0) cohorts++;
      else expansionPatients += step.cohortSize;
      const p = truth[step.dose]!;
      for (let i = 0; i < step.cohortSize; i++) {
        if (enrolled === capacity) grow();
        const at = i === 0 ? now : takeArrival(now);
        const dlt = random.nextUniform() < p;
        doses[enrolled] = step.dose;
        enrolledAt[enrolled] = at;
        hadDlt[enrolled] = dlt ? 1 : 0;
        knownAt[enrolled] = at + (dlt ? dltDay(options, window, random) : window);
        enrolled++;
      }
      ready = now;
    }
    // The trial ends when the last assessment does; the MTD comes from the complete data.
    const end = allKnown();
    observe(end, state);
    const stopped = step.mtd;
    engine.step(state, step);
    const mtd = step.dose === STOP ? step.mtd : stopped;
    recordTrial(acc, K, state.patients, state.dlts, mtd, truth, overdoseThreshold, 1);
    recordCalendar(acc, offset, end / DAYS_PER_MONTH, treatedWhilePending, turnedAway);
  }
}
