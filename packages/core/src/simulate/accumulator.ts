import { CALENDAR_SUMS, calendarLength, durationQuantile } from "./calendar.js";
/**
 * Operating-characteristic sums over simulated (or enumerated) trials, in one Float64Array so a block
 * of results crosses a worker boundary as one typed array. Layout for K doses:
 *   [0, K)        trials selecting each dose as MTD       (exact: probability)
 *   K             trials with no MTD
 *   [K+1, 2K+1)   Σ patients per dose      [2K+1, 3K+1)  Σ patients² per dose
 *   [3K+1, 4K+1)  Σ DLTs per dose          [4K+1, 5K+1)  Σ DLTs² per dose
 *   5K+1, 5K+2    Σ sample size, Σ sample size²
 *   5K+3, 5K+4    Σ overdosed fraction, Σ overdosed fraction²
 *   5K+5          number of trials (exact: total probability, 1)
 */
export function accumulatorLength(doseCount: number): number {
  return 5 * doseCount + 6;
}

/**
 * Sums of a programme with a randomized stage, after the calendar sums if any: [0, K) trials finally
 * selecting each dose, K none, K+1 randomized stage run, K+2 and K+3 Σ and Σ² of its patients, K+4
 * selected early at its interim.
 */
export const programmeLength = (doseCount: number) => doseCount + 5;

/** The sums of a simulation; in calendar time, followed by the calendar sums (calendar.ts); then a programme's. */
export function createAccumulator(doseCount: number, calendar = false, programme = false): Float64Array {
  return new Float64Array(
    accumulatorLength(doseCount) + (calendar ? calendarLength(doseCount) : 0) + (programme ? programmeLength(doseCount) : 0),
  );
}

/** Where the programme sums start in an accumulator of this length (the parts are told apart by length). */
export function programmeOffset(acc: Float64Array, doseCount: number): number | null {
  const extra = acc.length - accumulatorLength(doseCount);
  const calendar = extra >= calendarLength(doseCount) ? calendarLength(doseCount) : 0;
  return extra - calendar === programmeLength(doseCount) ? accumulatorLength(doseCount) + calendar : null;
}

/** Adds one programme's outcome: the dose finally selected (−1 none), and the randomized stage's patients (−1: not run). */
export function recordProgramme(
  acc: Float64Array,
  offset: number,
  doseCount: number,
  selected: number,
  randomizedPatients: number,
  early: boolean,
): void {
  acc[offset + (selected >= 0 ? selected : doseCount)]! += 1;
  if (randomizedPatients >= 0) {
    acc[offset + doseCount + 1]! += 1;
    acc[offset + doseCount + 2]! += randomizedPatients;
    acc[offset + doseCount + 3]! += randomizedPatients * randomizedPatients;
  }
  if (early) acc[offset + doseCount + 4]! += 1;
}

/**
 * Adds one finished trial with weight w (1 for Monte Carlo, its probability for exact enumeration).
 * Exact enumeration may have recorded some doses already (`recordDose`) and left them out of
 * `patients`: their patients, and those of them at doses above the target, still count in the sample
 * size and the overdosed fraction.
 */
export function recordTrial(
  acc: Float64Array,
  doseCount: number,
  patients: Int32Array,
  dlts: Int32Array,
  mtd: number,
  truth: Float64Array,
  target: number,
  weight: number,
  recordedPatients = 0,
  recordedOverdosed = 0,
): void {
  const K = doseCount;
  if (mtd >= 0) acc[mtd]! += weight;
  else acc[K]! += weight;
  let total = recordedPatients;
  let over = recordedOverdosed;
  for (let d = 0; d < K; d++) {
    const n = patients[d]!;
    recordDose(acc, K, d, n, dlts[d]!, weight);
    total += n;
    if (truth[d]! > target) over += n;
  }
  const overFraction = total > 0 ? over / total : 0;
  acc[5 * K + 1]! += weight * total;
  acc[5 * K + 2]! += weight * total * total;
  acc[5 * K + 3]! += weight * overFraction;
  acc[5 * K + 4]! += weight * overFraction * overFraction;
  acc[5 * K + 5]! += weight;
}

/** Adds one dose's patients and DLTs (and their squares) with weight w. */
export function recordDose(acc: Float64Array, doseCount: number, dose: number, n: number, y: number, weight: number): void {
  const K = doseCount;
  acc[K + 1 + dose]! += weight * n;
  acc[2 * K + 1 + dose]! += weight * n * n;
  acc[3 * K + 1 + dose]! += weight * y;
  acc[4 * K + 1 + dose]! += weight * y * y;
}

export function addAccumulator(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
}

/** Operating characteristics, 1-based doses in arrays' order (index 0 = dose 1). */
export interface OperatingCharacteristics {
  exact: boolean;
  /** Simulated trials; null for exact enumeration. */
  trials: number | null;
  /** Exact enumeration: the distinct trial paths (outcome sequences with positive probability) it covered. */
  paths?: number;
  /** Probability that no dose is selected. */
  noMtd: number;
  /** Probability each dose is selected as MTD. */
  selection: number[];
  /** Expected patients per dose. */
  patients: number[];
  /** Expected DLTs per dose. */
  dlts: number[];
  /** Expected total sample size. */
  sampleSize: number;
  /** Expected fraction of a trial's patients treated at doses whose true DLT rate exceeds the target. */
  overdosed: number;
  /** Simulations in calendar time: trial duration in months (mean, and quantiles to 0.1 month). */
  durationMonths?: number;
  durationQuantilesMonths?: { p10: number; median: number; p90: number };
  /** Calendar time: patients treated on decisions taken while earlier patients' outcomes were pending. */
  treatedWhilePending?: number;
  /** Calendar time: arrivals turned away because no place was open (whenFull: turn-away). */
  turnedAway?: number;
  /** Calendar time: backfill patients per dose (included in `patients`). */
  backfilled?: number[];
  /**
   * With a randomized stage: the whole programme (escalation, backfill, selection, randomized
   * comparison). `selection` is the probability each dose is finally selected; `patients`, `dlts`,
   * `sampleSize` and the duration above include the randomized stage.
   */
  programme?: {
    selection: number[];
    none: number;
    /** Probability the randomized stage was run (two or more doses to compare). */
    randomized: number;
    /** Expected patients in the randomized stage (0 when not run). */
    randomizedPatients: number;
    /** Probability the lower dose was selected at the interim. */
    earlySelection: number;
    standardErrors: { selection: number[]; none: number; randomizedPatients: number } | null;
  };
  /** Monte Carlo standard errors of each quantity; null for exact results. */
  standardErrors: {
    noMtd: number;
    selection: number[];
    patients: number[];
    dlts: number[];
    sampleSize: number;
    overdosed: number;
    durationMonths?: number;
    treatedWhilePending?: number;
    turnedAway?: number;
    backfilled?: number[];
  } | null;
}

export function summarise(acc: Float64Array, doseCount: number, exact: boolean): OperatingCharacteristics {
  const K = doseCount;
  const weight = acc[5 * K + 5]!;
  const mean = (i: number) => acc[i]! / weight;
  // Standard error of a mean from Σx and Σx² (n − 1 denominator).
  const se = (sum: number, sumSq: number) => {
    if (exact || weight < 2) return 0;
    const m = sum / weight;
    const variance = Math.max(0, (sumSq - weight * m * m) / (weight - 1));
    return Math.sqrt(variance / weight);
  };
  const range = (start: number) => Array.from({ length: K }, (_, d) => mean(start + d));
  const base = accumulatorLength(K);
  const programmeAt = programmeOffset(acc, K);
  const calendar = acc.length - (programmeAt === null ? 0 : programmeLength(K)) > base;
  const programme =
    programmeAt === null
      ? {}
      : {
          programme: {
            selection: range(programmeAt),
            none: mean(programmeAt + K),
            randomized: mean(programmeAt + K + 1),
            randomizedPatients: mean(programmeAt + K + 2),
            earlySelection: mean(programmeAt + K + 4),
            standardErrors: exact
              ? null
              : {
                  selection: Array.from({ length: K }, (_, d) => se(acc[programmeAt + d]!, acc[programmeAt + d]!)),
                  none: se(acc[programmeAt + K]!, acc[programmeAt + K]!),
                  randomizedPatients: se(acc[programmeAt + K + 2]!, acc[programmeAt + K + 3]!),
                },
          },
        };
  const calendarResults = calendar
    ? {
        durationMonths: mean(base),
        durationQuantilesMonths: {
          p10: durationQuantile(acc, base, K, weight, 0.1),
          median: durationQuantile(acc, base, K, weight, 0.5),
          p90: durationQuantile(acc, base, K, weight, 0.9),
        },
        treatedWhilePending: mean(base + 2),
        turnedAway: mean(base + 4),
        backfilled: range(base + CALENDAR_SUMS),
      }
    : {};
  const calendarErrors = calendar
    ? {
        durationMonths: se(acc[base]!, acc[base + 1]!),
        treatedWhilePending: se(acc[base + 2]!, acc[base + 3]!),
        turnedAway: se(acc[base + 4]!, acc[base + 5]!),
        backfilled: Array.from({ length: K }, (_, d) => se(acc[base + CALENDAR_SUMS + d]!, acc[base + CALENDAR_SUMS + K + d]!)),
      }
    : {};
  return {
    exact,
    trials: exact ? null : weight,
    noMtd: mean(K),
    selection: range(0),
    patients: range(K + 1),
    dlts: range(3 * K + 1),
    sampleSize: mean(5 * K + 1),
    overdosed: mean(5 * K + 3),
    ...calendarResults,
    ...programme,
    standardErrors: exact
      ? null
      : {
          // A selection is an indicator, so its Σx² is Σx.
          noMtd: se(acc[K]!, acc[K]!),
          selection: Array.from({ length: K }, (_, d) => se(acc[d]!, acc[d]!)),
          patients: Array.from({ length: K }, (_, d) => se(acc[K + 1 + d]!, acc[2 * K + 1 + d]!)),
          dlts: Array.from({ length: K }, (_, d) => se(acc[3 * K + 1 + d]!, acc[4 * K + 1 + d]!)),
          sampleSize: se(acc[5 * K + 1]!, acc[5 * K + 2]!),
          overdosed: se(acc[5 * K + 3]!, acc[5 * K + 4]!),
          ...calendarErrors,
        },
  };
}
