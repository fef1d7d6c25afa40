/**
 * Beta and binomial distribution functions, delegated to the @stdlib per-function packages
 * (regularised incomplete beta function with full double precision).
 */
import betaCdf from "@stdlib/stats-base-dists-beta-cdf";
import betaQuantile from "@stdlib/stats-base-dists-beta-quantile";
import binomialPmf from "@stdlib/stats-base-dists-binomial-pmf";

export { betaCdf, betaQuantile, binomialPmf };

/** P(p > x) when p ~ Beta(a, b). */
export function betaUpperTail(x: number, a: number, b: number): number {
  return 1 - betaCdf(x, a, b);
}

/** P(lower < p <= upper) when p ~ Beta(a, b). */
export function betaIntervalProbability(lower: number, upper: number, a: number, b: number): number {
  return betaCdf(upper, a, b) - betaCdf(lower, a, b);
}
