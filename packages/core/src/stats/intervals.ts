import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { ValidationError } from "../validation.js";
import { betaQuantile } from "./distributions.js";

export interface BinomialInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
}

export type BinomialIntervalMethod = "exact" | "wilson" | "jeffreys";
export const INTERVAL_METHODS: readonly BinomialIntervalMethod[] = ["exact", "wilson", "jeffreys"];

function checkCounts(x: number, n: number, level: number): void {
  const issues = [];
  if (!Number.isInteger(n) || n < 1) issues.push({ path: "n", value: n, message: "must be an integer ≥ 1" });
  else if (!Number.isInteger(x) || x < 0 || x > n)
    issues.push({ path: "responders", value: x, message: `must be an integer in 0..${n} (n)` });
  if (!(level > 0 && level < 1)) issues.push({ path: "level", value: level, message: "must be in (0, 1)" });
  if (issues.length > 0) throw new ValidationError(issues, "interval");
}

/**
 * Clopper–Pearson ("exact") interval for a binomial proportion (Clopper & Pearson 1934):
 * lower = Beta quantile α/2 of Beta(x, n−x+1) (0 when x = 0), upper = quantile 1−α/2 of
 * Beta(x+1, n−x) (1 when x = n). Guarantees coverage ≥ level for every true p.
 */
export function clopperPearson(x: number, n: number, level = 0.95): BinomialInterval {
  checkCounts(x, n, level);
  const alpha = 1 - level;
  return {
    estimate: x / n,
    lower: x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1),
    upper: x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x),
    level,
  };
}

/**
 * Wilson (1927) score interval: the p whose score test does not reject,
 * (x + z²/2)/(n + z²) ± z/(n + z²)·√(x(n − x)/n + z²/4), with z the normal (1 + level)/2 quantile.
 */
export function wilson(x: number, n: number, level = 0.95): BinomialInterval {
  checkCounts(x, n, level);
  const z = normalQuantile((1 + level) / 2, 0, 1);
  const z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  return { estimate: x / n, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), level };
}

/**
 * Jeffreys interval: equal-tailed quantiles of the Beta(x + ½, n − x + ½) posterior, with the lower
 * limit 0 at x = 0 and the upper limit 1 at x = n (Brown, Cai & DasGupta 2001).
 */
export function jeffreys(x: number, n: number, level = 0.95): BinomialInterval {
  checkCounts(x, n, level);
  const alpha = 1 - level;
  return {
    estimate: x / n,
    lower: x === 0 ? 0 : betaQuantile(alpha / 2, x + 0.5, n - x + 0.5),
    upper: x === n ? 1 : betaQuantile(1 - alpha / 2, x + 0.5, n - x + 0.5),
    level,
  };
}

/** The interval by name, as the CLI offers them. */
export function binomialInterval(x: number, n: number, method: BinomialIntervalMethod = "exact", level = 0.95): BinomialInterval {
  switch (method) {
    case "exact":
      return clopperPearson(x, n, level);
    case "wilson":
      return wilson(x, n, level);
    case "jeffreys":
      return jeffreys(x, n, level);
  }
}
