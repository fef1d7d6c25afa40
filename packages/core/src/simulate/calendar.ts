import { z } from "zod";
import type { Design } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { addPending, createTrialState, resetTrialState, type TrialState } from "../outcomes/trial-state.js";
import { openBackfillDoses } from "../rules/backfill.js";
import { createRandom, type RandomStream } from "../stats/random.js";
import { parseWith } from "../validation.js";
import { programmeOffset, recordTrial } from "./accumulator.js";
import { ProgrammeStage } from "./programme.js";

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
    /** Days from a patient's enrolment until a response is seen (backfill opens on it); default: the DLT window. */
    responseDays: z.number().gt(0).max(3650).optional(),
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
/**
 * Calendar sums after the base accumulator: duration Σ, Σ², treated-while-pending Σ, Σ², turned away Σ,
 * Σ², backfill patients per dose Σ (K) and Σ² (K), then the duration bins (the last one open-ended).
 */
export const CALENDAR_SUMS = 6;
export const calendarLength = (doseCount: number) => CALENDAR_SUMS + 2 * doseCount + DURATION_BINS;
const binsAt = (offset: number, doseCount: number) => offset + CALENDAR_SUMS + 2 * doseCount;

/** Adds one trial's calendar results at `offset` (the base accumulator's length). */
export function recordCalendar(
  acc: Float64Array,
  offset: number,
  doseCount: number,
  months: number,
  treatedWhilePending: number,
  turnedAway: number,
  backfilled: Float64Array,
): void {
  acc[offset]! += months;
  acc[offset + 1]! += months * months;
  acc[offset + 2]! += treatedWhilePending;
  acc[offset + 3]! += treatedWhilePending * treatedWhilePending;
  acc[offset + 4]! += turnedAway;
  acc[offset + 5]! += turnedAway * turnedAway;
  for (let d = 0; d < doseCount; d++) {
    acc[offset + CALENDAR_SUMS + d]! += backfilled[d]!;
    acc[offset + CALENDAR_SUMS + doseCount + d]! += backfilled[d]! * backfilled[d]!;
  }
  acc[binsAt(offset, doseCount) + Math.min(DURATION_BINS - 1, Math.floor(months / DURATION_BIN_MONTHS))]! += 1;
}

/** The q-quantile of the binned durations, interpolated within its bin. */
export function durationQuantile(acc: Float64Array, offset: number, doseCount: number, trials: number, q: number): number {
  const rank = q * trials;
  let below = 0;
  for (let bin = 0; bin < DURATION_BINS; bin++) {
    const count = acc[binsAt(offset, doseCount) + bin]!;
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
 * sums, then the calendar sums at `offset`). The clock starts at 0 and the first patient arrives after
 * one gap; the trial's duration runs from that first patient's enrolment to the end of the last enrolled
 * patient's assessment (their DLT, or the end of their window), when the MTD is selected from complete
 * data. With a backfill rule, arrivals while the current cohort is being assessed go to
 * the highest dose open for backfill (rules/backfill.ts) — for a time-to-event design, arrivals while
 * accrual is suspended — and `efficacy` gives each dose's response
 * probability (a response is seen `responseDays` after enrolment, by default at the end of the window).
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
  efficacy?: Float64Array,
): void {
  const K = design.doseCount;
  const engine = design.engine;
  const spec = design.spec;
  const timeToEvent = design.module.capabilities.timeToEvent;
  const backfill = engine.rules.backfill;
  const decisionAt = design.backfillDecision;
  const window = options.window ?? ("window" in spec ? spec.window : DAYS_PER_MONTH);
  const responseDays = options.responseDays ?? window;
  let capacity = 64;
  let doses = new Int32Array(capacity);
  let enrolledAt = new Float64Array(capacity);
  /** When each patient's outcome is known: their DLT, or the end of their window. */
  let knownAt = new Float64Array(capacity);
  let hadDlt = new Uint8Array(capacity);
  let responded = new Uint8Array(capacity);
  let backfilled = new Uint8Array(capacity);
  const state = createTrialState(K);
  const step = createStep();
  const random = createRandom(seed, firstTrial);
  const admissible = new Uint8Array(K);
  const treated = new Int32Array(K);
  const backfillPerDose = new Float64Array(K);
  const programme = engine.rules.randomized === null ? null : new ProgrammeStage(design, acc, programmeOffset(acc, K)!);

  let enrolled = 0;
  let cohorts = 0;
  let expansionDose = -1;
  let expansionPatients = 0;
  /** The latest dose-finding cohort: patients [cohortStart, cohortEnd). */
  let cohortStart = 0;
  let cohortEnd = 0;
  let current = -1;

  const grow = () => {
    capacity *= 2;
    const widen = <T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    doses = widen(doses, new Int32Array(capacity));
    enrolledAt = widen(enrolledAt, new Float64Array(capacity));
    knownAt = widen(knownAt, new Float64Array(capacity));
    hadDlt = widen(hadDlt, new Uint8Array(capacity));
    responded = widen(responded, new Uint8Array(capacity));
    backfilled = widen(backfilled, new Uint8Array(capacity));
  };

  /**
   * The state as known at `now`; the last cohort's DLTs are those known by then (coherence). A backfill
   * patient still being assessed is left out (the designs that backfill decide from complete outcomes).
   */
  const observe = (now: number, target: TrialState) => {
    resetTrialState(target);
    let lastDlts = 0;
    for (let i = 0; i < enrolled; i++) {
      const d = doses[i]!;
      // A response counts once seen, whether or not the DLT assessment is over.
      if (responded[i] === 1 && enrolledAt[i]! + responseDays <= now) target.responses[d]!++;
      const known = knownAt[i]! <= now;
      if (backfilled[i] === 1 && !known) continue;
      target.patients[d]!++;
      if (known) {
        if (hadDlt[i] === 1) {
          target.dlts[d]!++;
          if (i >= cohortStart && i < cohortEnd) lastDlts++;
          if (responded[i] === 1 && enrolledAt[i]! + responseDays <= now) target.both[d]!++;
        }
      } else {
        addPending(target, d, (now - enrolledAt[i]!) / window);
      }
    }
    target.current = current;
    target.cohorts = cohorts;
    target.expansionDose = expansionDose;
    target.expansionPatients = expansionPatients;
    target.lastCohortDlts = lastDlts;
    target.lastCohortSize = cohortEnd - cohortStart;
  };

  const knownBy = (from: number, to: number) => {
    let last = 0;
    for (let i = from; i < to; i++) if (knownAt[i]! > last) last = knownAt[i]!;
    return last;
  };
  const nextOutcome = (now: number) => {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < enrolled; i++) if (knownAt[i]! > now && knownAt[i]! < next) next = knownAt[i]!;
    return next;
  };
  const enroll = (dose: number, at: number, isBackfill: boolean) => {
    if (enrolled === capacity) grow();
    const dlt = random.nextUniform() < truth[dose]!;
    doses[enrolled] = dose;
    enrolledAt[enrolled] = at;
    hadDlt[enrolled] = dlt ? 1 : 0;
    knownAt[enrolled] = at + (dlt ? dltDay(options, window, random) : window);
    responded[enrolled] = efficacy !== undefined && random.nextUniform() < efficacy[dose]! ? 1 : 0;
    backfilled[enrolled] = isBackfill ? 1 : 0;
    enrolled++;
  };
  /** The highest dose open for backfill at `now`, or -1. */
  const backfillDose = (now: number): number => {
    observe(now, state);
    treated.fill(0);
    for (let i = 0; i < enrolled; i++) treated[doses[i]!]!++;
    engine.markAdmissible(state, admissible);
    const open = openBackfillDoses(
      { completed: state.patients, dlts: state.dlts, treated, responses: state.responses },
      current,
      decisionAt!,
      backfill!.maxPerDose,
      admissible,
    );
    return open.length > 0 ? open[0]! : -1;
  };

  for (let trial = firstTrial; trial < firstTrial + count; trial++) {
    random.reseed(seed, trial);
    enrolled = 0;
    cohorts = 0;
    expansionDose = -1;
    expansionPatients = 0;
    cohortStart = 0;
    cohortEnd = 0;
    current = -1;
    backfillPerDose.fill(0);
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
    /** The arrival that found dose finding stopped: the randomized stage's first patient, if there is one. */
    let stopArrival = 0;
    for (;;) {
      if (!timeToEvent) {
        // Designs that need complete outcomes wait for the cohort's assessments; meanwhile arrivals may be backfilled.
        const decisionTime = knownBy(cohortStart, cohortEnd);
        if (backfill !== null && current >= 0) {
          while (nextArrival < decisionTime) {
            const dose = backfillDose(nextArrival);
            if (dose < 0) {
              if (options.whenFull === "wait") break;
              turnedAway++;
              nextArrival += arrivalGap(options, random);
              continue;
            }
            enroll(dose, nextArrival, true);
            backfillPerDose[dose]! += 1;
            nextArrival += arrivalGap(options, random);
          }
        }
        ready = Math.max(ready, decisionTime);
      }
      let now = takeArrival(ready);
      observe(now, state);
      engine.step(state, step);
      while (step.suspended) {
        if (backfill !== null && current >= 0) {
          // With backfill, the patient goes to a dose open for backfill; the next arrival is offered to dose finding.
          const dose = backfillDose(now);
          if (dose >= 0) {
            enroll(dose, now, true);
            backfillPerDose[dose]! += 1;
            now = takeArrival(now);
            observe(now, state);
            engine.step(state, step);
            continue;
          }
        }
        // Accrual suspended: the patient waits for the next outcome (or, under turn-away, is lost with later arrivals until then).
        const resume = nextOutcome(now);
        if (options.whenFull === "turn-away") {
          turnedAway++;
          now = takeArrival(resume);
        } else now = resume;
        observe(now, state);
        engine.step(state, step);
      }
      if (step.dose === STOP) {
        stopArrival = now;
        break;
      }
      if (step.startsExpansion) expansionDose = step.dose;
      if (state.pendingCount > 0) treatedWhilePending += step.cohortSize;
      cohortStart = enrolled;
      if (expansionDose < 0) cohorts++;
      else expansionPatients += step.cohortSize;
      current = step.dose;
      for (let i = 0; i < step.cohortSize; i++) enroll(step.dose, i === 0 ? now : takeArrival(now), false);
      cohortEnd = enrolled;
      ready = now;
    }
    // The trial ends when the last assessment does; the MTD comes from the complete data.
    const end = knownBy(0, enrolled);
    observe(end, state);
    const stopped = step.mtd;
    engine.step(state, step);
    const mtd = step.dose === STOP ? step.mtd : stopped;
    let finished = end;
    if (programme !== null) {
      programme.run(state, mtd, truth, efficacy!, random);
      if (programme.doses !== null) {
        // The stage opens once dose finding's data are complete; patients arrive as before. At an interim,
        // accrual pauses until the interim patients' responses are seen.
        const rose = engine.rules.randomized!.rose;
        const arms = programme.doses.length;
        let last = Math.max(end, stopArrival);
        for (let i = 1; i < arms * (rose.interimPerArm ?? rose.perArm); i++) last = takeArrival(last);
        if (rose.interimPerArm !== undefined && !programme.outcome.early) {
          last += responseDays;
          for (let i = 0; i < arms * (rose.perArm - rose.interimPerArm); i++) last = takeArrival(last);
        }
        finished = last + Math.max(window, responseDays);
      }
    }
    recordTrial(acc, K, state.patients, state.dlts, mtd, truth, overdoseThreshold, 1);
    const started = enrolled > 0 ? enrolledAt[0]! : end;
    recordCalendar(acc, offset, K, (finished - started) / DAYS_PER_MONTH, treatedWhilePending, turnedAway, backfillPerDose);
  }
}
