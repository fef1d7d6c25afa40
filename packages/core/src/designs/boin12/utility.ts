import { betaUpperTail } from "../../stats/distributions.js";
import type { Utility } from "./spec.js";

/**
 * BOIN12's utility machinery (Lin, Zhou, Yan, Li & Yuan 2020, JCO Precis Oncol 4:1393–1402). A patient's
 * outcome has a utility on 0–100; the utilities of a dose's patients, divided by 100, are "quasi-events"
 * x of a binomial with n trials, so the standardized mean utility has posterior Beta(1 + x, 1 + n − x).
 * A dose is desirable by Pr(u > u_b | data), u_b the utility benchmark; the rank-based desirability score
 * (RDS) is that probability's rank among every admissible outcome the design can produce.
 */

/** u_b: halfway between the utility of a dose at the limits (φT, φE, outcomes independent) and 100. */
export function utilityBenchmark(utility: Utility, phiT: number, phiE: number): number {
  const atLimits =
    utility.responseNoDlt * phiE * (1 - phiT) +
    utility.neither * (1 - phiE) * (1 - phiT) +
    utility.both * phiE * phiT +
    utility.dltNoResponse * (1 - phiE) * phiT;
  return (atLimits + 100) / 2;
}

/**
 * The true optimal biological dose of a scenario: among doses whose true DLT probability is at most φT
 * and whose true response probability is at least φE, the one with the highest true mean utility, ties
 * to the lower dose (0-based; null when none is acceptable). The outcomes' probabilities are taken as
 * independent, as the utility benchmark takes them.
 */
export function trueOptimalDose(
  utility: Utility,
  phiT: number,
  phiE: number,
  toxicity: readonly number[],
  efficacy: readonly number[],
): number | null {
  let best: number | null = null;
  let bestUtility = Number.NEGATIVE_INFINITY;
  for (let d = 0; d < toxicity.length; d++) {
    const pT = toxicity[d]!;
    const pE = efficacy[d]!;
    if (pT > phiT || pE < phiE) continue;
    const mean =
      utility.responseNoDlt * pE * (1 - pT) +
      utility.neither * (1 - pE) * (1 - pT) +
      utility.both * pE * pT +
      utility.dltNoResponse * (1 - pE) * pT;
    if (mean > bestUtility + 1e-9) {
      best = d;
      bestUtility = mean;
    }
  }
  return best;
}

/** Quasi-events from a dose's counts: patients, DLTs, responses, and patients with both. */
export function quasiEvents(utility: Utility, n: number, dlts: number, responses: number, both: number): number {
  const responseOnly = responses - both;
  const dltOnly = dlts - both;
  const neither = n - responseOnly - dltOnly - both;
  return (utility.responseNoDlt * responseOnly + utility.both * both + utility.neither * neither + utility.dltNoResponse * dltOnly) / 100;
}

/** Pr(u > u_b | data), under a uniform prior on the standardized utility. */
export function desirability(x: number, n: number, benchmark: number): number {
  return betaUpperTail(benchmark / 100, 1 + x, 1 + n - x);
}

export interface AdmissibilityLimits {
  phiT: number;
  phiE: number;
  toxicityCutoff: number;
  efficacyCutoff: number;
}

/** Too toxic: P(πT > φT) > cutoff; futile: P(πE < φE) > cutoff; both under Beta(1, 1) priors. */
export function admissibleOutcome(n: number, dlts: number, responses: number, limits: AdmissibilityLimits): boolean {
  if (n === 0) return true;
  if (betaUpperTail(limits.phiT, 1 + dlts, 1 + n - dlts) > limits.toxicityCutoff) return false;
  return 1 - betaUpperTail(limits.phiE, 1 + responses, 1 + n - responses) <= limits.efficacyCutoff;
}

/**
 * The RDS scale: the desirability of every admissible outcome (n, T, E) with n = 0, cohortSize, …, N,
 * sorted. A score is its rank among them, ties averaged, 1 the least desirable. Outcomes are counted by
 * their DLTs and responses; a patient with both is assumed only where the counts force it (T + E > n).
 */
export class RdsScale {
  private readonly sorted: Float64Array;

  constructor(utility: Utility, benchmark: number, limits: AdmissibilityLimits, cohortSize: number, maxPatients: number) {
    const values: number[] = [];
    for (let n = 0; n <= maxPatients; n += cohortSize) {
      for (let t = 0; t <= n; t++) {
        for (let e = 0; e <= n; e++) {
          if (!admissibleOutcome(n, t, e, limits)) continue;
          values.push(desirability(quasiEvents(utility, n, t, e, Math.max(0, t + e - n)), n, benchmark));
        }
      }
    }
    this.sorted = Float64Array.from(values).sort();
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The rank of a desirability among the scale's outcomes (ties within 1e-12 averaged). */
  score(value: number): number {
    let below = 0;
    let equal = 0;
    for (let i = 0; i < this.sorted.length; i++) {
      const v = this.sorted[i]!;
      if (v < value - 1e-12) below++;
      else if (v <= value + 1e-12) equal++;
      else break;
    }
    return below + (equal + 1) / 2;
  }
}
