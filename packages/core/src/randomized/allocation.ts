import { createRandom } from "../stats/random.js";
import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * Concealed randomization among a stage's arms. Every draw comes from the seeded stream (seed,
 * allocation number), so a list is reproducible by whoever holds the seed (the server keeps it secret)
 * and by no one else.
 */
export type Allocation =
  | {
      method: "blocks";
      /** Block sizes, each a multiple of the number of arms; one is drawn at random for each block. */
      blockSizes: number[];
    }
  | {
      /** Pocock & Simon (1975) minimization with the range of counts as imbalance, summed over factors. */
      method: "minimization";
      /** Declared stratification factors and their levels, e.g. { site: ["A", "B"], ecog: ["0", "1"] }. */
      factors: Record<string, string[]>;
      /** Probability of the arm that minimizes imbalance (biased coin; default 0.8). */
      probability: number;
      /** Weights per factor (default 1 each). */
      weights?: Record<string, number>;
    };

export interface Allocated {
  /** 0-based arm. */
  arm: number;
  /** Minimization: the imbalance each arm would give, and whether the coin followed the minimum. */
  imbalance?: number[];
  followedMinimum?: boolean;
}

export function checkAllocation(allocation: Allocation, arms: number, path = "allocation"): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (allocation.method === "blocks") {
    if (allocation.blockSizes.length === 0)
      issues.push({ path: `${path}.blockSizes`, value: allocation.blockSizes, message: "must list at least one size" });
    allocation.blockSizes.forEach((size, i) => {
      if (!(Number.isInteger(size) && size >= arms && size <= 12 * arms && size % arms === 0))
        issues.push({
          path: `${path}.blockSizes.${i}`,
          value: size,
          message: `must be a multiple of ${arms} (the arms) up to ${12 * arms}`,
        });
    });
  } else {
    const names = Object.keys(allocation.factors);
    if (names.length === 0)
      issues.push({ path: `${path}.factors`, value: allocation.factors, message: "must declare at least one factor" });
    for (const name of names) {
      const levels = allocation.factors[name]!;
      if (levels.length < 2 || new Set(levels).size !== levels.length)
        issues.push({ path: `${path}.factors.${name}`, value: levels, message: "must list at least two distinct levels" });
    }
    if (!(allocation.probability > 1 / arms && allocation.probability <= 1))
      issues.push({ path: `${path}.probability`, value: allocation.probability, message: `must be in (${(1 / arms).toFixed(2)}, 1]` });
    for (const [name, weight] of Object.entries(allocation.weights ?? {})) {
      if (!names.includes(name))
        issues.push({ path: `${path}.weights.${name}`, value: weight, message: `is not a declared factor (${names.join(", ")})` });
      else if (!(weight > 0 && Number.isFinite(weight)))
        issues.push({ path: `${path}.weights.${name}`, value: weight, message: "must be > 0" });
    }
  }
  return issues;
}

/** The first `length` arms of a permuted-block list (0-based arms). */
export function permutedBlocks(arms: number, blockSizes: readonly number[], seed: number, length: number): number[] {
  const random = createRandom(seed, 0);
  const sequence: number[] = [];
  while (sequence.length < length) {
    const size = blockSizes[Math.floor(random.nextUniform() * blockSizes.length)]!;
    const block = Array.from({ length: size }, (_, i) => i % arms);
    for (let i = size - 1; i > 0; i--) {
      // Fisher–Yates: each of the size! / ((size/arms)!)^arms orders equally likely.
      const j = Math.floor(random.nextUniform() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    sequence.push(...block);
  }
  return sequence.slice(0, length);
}

export interface AllocationHistory {
  arm: number;
  /** The patient's level of each declared factor (minimization). */
  levels: Record<string, string>;
}

/**
 * The arm for the next patient (allocation number `history.length`), given earlier allocations and the
 * patient's factor levels. Minimization: for each candidate arm, the imbalance is Σ_f w_f · (max − min
 * over arms of the count of patients with this patient's level of f, as if the patient joined that
 * arm). The arm with the least imbalance (ties drawn at random) is taken with probability `probability`,
 * another arm (uniformly) otherwise; if all arms tie, each is equally likely.
 */
export function allocateNext(
  allocation: Allocation,
  arms: number,
  seed: number,
  history: readonly AllocationHistory[],
  levels: Record<string, string> = {},
): Allocated {
  const issues = checkAllocation(allocation, arms);
  if (allocation.method === "minimization") {
    for (const [name, allowed] of Object.entries(allocation.factors)) {
      const level = levels[name];
      if (level === undefined || !allowed.includes(level))
        issues.push({ path: `factors.${name}`, value: level, message: `must be one of ${allowed.join(", ")}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues, "allocation");
  if (allocation.method === "blocks")
    return { arm: permutedBlocks(arms, allocation.blockSizes, seed, history.length + 1)[history.length]! };
  const random = createRandom(seed, history.length + 1);
  const imbalance = new Array<number>(arms).fill(0);
  for (const [name, level] of Object.entries(levels)) {
    if (!(name in allocation.factors)) continue;
    const weight = allocation.weights?.[name] ?? 1;
    const counts = new Array<number>(arms).fill(0);
    for (const earlier of history) if (earlier.levels[name] === level) counts[earlier.arm]!++;
    for (let candidate = 0; candidate < arms; candidate++) {
      counts[candidate]!++;
      imbalance[candidate]! += weight * (Math.max(...counts) - Math.min(...counts));
      counts[candidate]!--;
    }
  }
  const least = Math.min(...imbalance);
  const minimal = imbalance.flatMap((value, arm) => (value === least ? [arm] : []));
  if (minimal.length === arms) return { arm: Math.floor(random.nextUniform() * arms), imbalance, followedMinimum: true };
  const preferred = minimal[Math.floor(random.nextUniform() * minimal.length)]!;
  if (random.nextUniform() < allocation.probability) return { arm: preferred, imbalance, followedMinimum: true };
  const others = Array.from({ length: arms }, (_, arm) => arm).filter((arm) => arm !== preferred);
  return { arm: others[Math.floor(random.nextUniform() * others.length)]!, imbalance, followedMinimum: false };
}
