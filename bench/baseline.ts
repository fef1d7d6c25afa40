// A deliberately simple BOIN Monte Carlo, written the obvious way: fresh arrays every trial, the
// elimination probability recomputed at every decision, Math.random-free but otherwise unoptimised.
// It is the yardstick the benchmark divides by, so a slowdown of the real engine shows as a ratio.
import { betaUpperTail, boinLambdas, createRandom, isotonicRegression } from "@escalate/core";

export interface NaiveBoinInput {
  target: number;
  truth: readonly number[];
  cohortSize: number;
  cohorts: number;
  trials: number;
  seed: number;
}

/** Selection probabilities per dose, then "no MTD" last — the shape of `simulate`'s selection plus noMtd. */
export function naiveBoinSimulation({ target, truth, cohortSize, cohorts, trials, seed }: NaiveBoinInput): number[] {
  const K = truth.length;
  // BOIN's default interval: φ1 = 0.6 φ, φ2 = 1.4 φ (Liu & Yuan 2015).
  const { lambdaE, lambdaD } = boinLambdas(target, 0.6 * target, 1.4 * target);
  const random = createRandom(seed, 0);
  const selected = new Array(K + 1).fill(0);
  for (let trial = 0; trial < trials; trial++) {
    const patients: number[] = new Array(K).fill(0);
    const dlts: number[] = new Array(K).fill(0);
    const eliminated: boolean[] = new Array(K).fill(false);
    let dose = 0;
    let stopped = false;
    for (let c = 0; c < cohorts; c++) {
      for (let i = 0; i < cohortSize; i++) if (random.nextUniform() < truth[dose]!) dlts[dose]!++;
      patients[dose]! += cohortSize;
      const n = patients[dose]!;
      const y = dlts[dose]!;
      if (n >= 3 && betaUpperTail(target, 1 + y, 1 + n - y) > 0.95) {
        for (let d = dose; d < K; d++) eliminated[d] = true;
        if (dose === 0) {
          stopped = true;
          break;
        }
        dose--;
        continue;
      }
      if (y / n <= lambdaE && dose < K - 1 && !eliminated[dose + 1]) dose++;
      else if (y / n >= lambdaD && dose > 0) dose--;
    }
    if (stopped) {
      selected[K]++;
      continue;
    }
    const tried: number[] = [];
    for (let d = 0; d < K; d++) if (patients[d]! > 0 && !eliminated[d]) tried.push(d);
    const estimates = tried.map((d) => (dlts[d]! + 0.05) / (patients[d]! + 0.1));
    const weights = tried.map((d) => {
      const a = dlts[d]! + 0.05;
      const b = patients[d]! - dlts[d]! + 0.05;
      return ((a + b) ** 2 * (a + b + 1)) / (a * b);
    });
    const smoothed = Array.from(isotonicRegression(estimates, weights));
    let best = 0;
    for (let i = 1; i < tried.length; i++) {
      if (Math.abs(smoothed[i]! + (i + 1) * 1e-10 - target) < Math.abs(smoothed[best]! + (best + 1) * 1e-10 - target)) best = i;
    }
    selected[tried.length ? tried[best]! : K]++;
  }
  return selected.map((count) => count / trials);
}
