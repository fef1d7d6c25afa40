import { betaCdf } from "../../stats/distributions.js";
import { DEESCALATE, ESCALATE, type IntervalDecision, STAY } from "./boundaries.js";

/**
 * The equal-width partition behind Keyboard and mTPI-2: the target interval [low, high] and intervals of
 * the same width laid side by side below and above it. `partialEnds` says what happens where the last
 * interval would cross 0 or 1: kept as a shorter interval ("keep") or left out ("drop").
 */
export interface KeyPartition {
  /** Lower edges of the intervals below the target interval, then the target, then those above. */
  lowers: Float64Array;
  uppers: Float64Array;
  /** Index of the target interval. */
  targetIndex: number;
}

export function partitionAroundTarget(low: number, high: number, partialEnds: "keep" | "drop"): KeyPartition {
  const width = high - low;
  const below: [number, number][] = [];
  const above: [number, number][] = [];
  const epsilon = 1e-12;
  for (let upper = low; upper > epsilon; upper -= width) {
    const lower = upper - width;
    if (lower < -epsilon && partialEnds === "drop") break;
    below.unshift([Math.max(lower, 0), upper]);
  }
  for (let lower = high; lower < 1 - epsilon; lower += width) {
    const upper = lower + width;
    if (upper > 1 + epsilon && partialEnds === "drop") break;
    above.push([lower, Math.min(upper, 1)]);
  }
  const all = [...below, [low, high] as [number, number], ...above];
  return {
    lowers: Float64Array.from(all, ([lower]) => lower),
    uppers: Float64Array.from(all, ([, upper]) => upper),
    targetIndex: below.length,
  };
}

/**
 * Which interval is "strongest" for y DLTs in n patients under a Beta(a, b) prior, scoring each by
 * posterior probability divided by width (mTPI-2's unit probability mass; for equal widths the same as
 * Keyboard's largest posterior probability). Ties go to the target interval, then to the lower one.
 */
export function strongestInterval(partition: KeyPartition, n: number, y: number, priorA: number, priorB: number): number {
  const a = priorA + y;
  const b = priorB + n - y;
  let best = partition.targetIndex;
  let bestScore = score(partition, best, a, b);
  for (let i = 0; i < partition.lowers.length; i++) {
    if (i === partition.targetIndex) continue;
    const candidate = score(partition, i, a, b);
    if (candidate > bestScore * (1 + 1e-12)) {
      best = i;
      bestScore = candidate;
    }
  }
  return best;
}

function score(partition: KeyPartition, i: number, a: number, b: number): number {
  const lower = partition.lowers[i]!;
  const upper = partition.uppers[i]!;
  return (betaCdf(upper, a, b) - betaCdf(lower, a, b)) / (upper - lower);
}

export function intervalDecision(partition: KeyPartition, n: number, y: number, priorA = 1, priorB = 1): IntervalDecision {
  const strongest = strongestInterval(partition, n, y, priorA, priorB);
  if (strongest < partition.targetIndex) return ESCALATE;
  if (strongest > partition.targetIndex) return DEESCALATE;
  return STAY;
}
