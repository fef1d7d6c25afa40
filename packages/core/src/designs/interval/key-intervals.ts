import { betaIntervalProbability } from "../../stats/distributions.js";
import { DEESCALATE, ESCALATE, type IntervalDecision, STAY } from "./boundaries.js";

/**
 * The equal-width partition behind Keyboard and mTPI-2: the target interval [low, high] and intervals
 * of the same width laid side by side below and above it, down to 0 and up to 1. An end interval that
 * would cross 0 or 1 is truncated there (as in the Keyboard R package and mTPI-2's implementations);
 * every interval is scored per unit width, so a truncated end interval competes fairly.
 */
export interface KeyPartition {
  /** Lower edges of the intervals below the target interval, then the target, then those above. */
  lowers: Float64Array;
  uppers: Float64Array;
  /** Index of the target interval. */
  targetIndex: number;
}

/** Edges closer than this to 0 or 1 are snapped there, so rounding never leaves a sliver of an interval. */
const EDGE_TOLERANCE = 1e-9;

export function partitionAroundTarget(low: number, high: number): KeyPartition {
  const width = high - low;
  const below: [number, number][] = [];
  const above: [number, number][] = [];
  for (let upper = low; upper > EDGE_TOLERANCE; upper -= width) {
    const lower = upper - width;
    below.unshift([lower < EDGE_TOLERANCE ? 0 : lower, upper]);
  }
  for (let lower = high; lower < 1 - EDGE_TOLERANCE; lower += width) {
    const upper = lower + width;
    above.push([lower, upper > 1 - EDGE_TOLERANCE ? 1 : upper]);
  }
  const all = [...below, [low, high] as [number, number], ...above];
  return {
    lowers: Float64Array.from(all, ([lower]) => lower),
    uppers: Float64Array.from(all, ([, upper]) => upper),
    targetIndex: below.length,
  };
}

/**
 * Which interval wins exact ties of the score: "highest" takes the highest (most toxic) interval, as
 * the Keyboard R package does; "target" prefers the target interval, then the lowest, as a strict
 * comparison starting from the target interval does (mTPI's convention of not moving on a tie).
 */
export type TieRule = "highest" | "target";

/**
 * The "strongest" interval for y DLTs in n patients under a Beta(a, b) prior: the largest posterior
 * probability per unit width (mTPI-2's unit probability mass; for equal widths, Keyboard's largest
 * posterior probability).
 */
export function strongestInterval(partition: KeyPartition, n: number, y: number, ties: TieRule, priorA = 1, priorB = 1): number {
  const a = priorA + y;
  const b = priorB + n - y;
  const count = partition.lowers.length;
  const score = (i: number) =>
    betaIntervalProbability(partition.lowers[i]!, partition.uppers[i]!, a, b) / (partition.uppers[i]! - partition.lowers[i]!);
  // Scores within a relative 1e-12 are ties: the beta CDF is not exact to the last bit.
  const beats = (candidate: number, best: number) => candidate > best * (1 + 1e-12);
  const tied = (candidate: number, best: number) => !beats(candidate, best) && !beats(best, candidate);
  let best = ties === "target" ? partition.targetIndex : 0;
  let bestScore = score(best);
  for (let i = 0; i < count; i++) {
    if (i === best) continue;
    const candidate = score(i);
    if (beats(candidate, bestScore) || (ties === "highest" && i > best && tied(candidate, bestScore))) {
      best = i;
      bestScore = candidate;
    }
  }
  return best;
}

export function intervalDecision(partition: KeyPartition, n: number, y: number, ties: TieRule): IntervalDecision {
  const strongest = strongestInterval(partition, n, y, ties);
  if (strongest < partition.targetIndex) return ESCALATE;
  if (strongest > partition.targetIndex) return DEESCALATE;
  return STAY;
}

/** The interval [target − below, target + above] around the target must lie inside (0, 1). */
export function keyIntervalIssues(
  target: number,
  below: [path: string, value: number],
  above: [path: string, value: number],
  name: string,
): { path: string; value: number; message: string }[] {
  return [
    ...(target - below[1] > 0
      ? []
      : [{ path: below[0], value: below[1], message: `must be < target (${target}) so that the ${name} starts above 0` }]),
    ...(target + above[1] < 1
      ? []
      : [{ path: above[0], value: above[1], message: `must be < 1 − target (${1 - target}) so that the ${name} ends below 1` }]),
  ];
}
