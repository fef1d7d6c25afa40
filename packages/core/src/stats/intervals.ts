import { betaQuantile } from "./distributions.js";

export interface BinomialInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
}

/**
 * Clopper–Pearson ("exact") interval for a binomial proportion (Clopper & Pearson 1934):
 * lower = Beta quantile α/2 of Beta(x, n−x+1) (0 when x = 0), upper = quantile 1−α/2 of
 * Beta(x+1, n−x) (1 when x = n). Guarantees coverage ≥ level for every true p.
 */
export function clopperPearson(x: number, n: number, level = 0.95): BinomialInterval {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer ≥ 1 (got ${n})`);
  if (!Number.isInteger(x) || x < 0 || x > n) throw new RangeError(`x must be an integer in 0..${n} (got ${x})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1) (got ${level})`);
  const alpha = 1 - level;
  return {
    estimate: x / n,
    lower: x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1),
    upper: x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x),
    level,
  };
}
