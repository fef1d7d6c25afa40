import { betaQuantile } from "../stats/distributions.js";

/**
 * Exposure analyses of an ADC: dose proportionality by the power model and exposure–response by
 * logistic regression. Pure numerics; the report (report/pk-tables.ts) assembles them per analyte.
 */

/** The two-sided (1 − α) quantile of Student's t with `df` degrees of freedom, from the incomplete beta: P(|T| ≤ t) = 1 − I_{df/(df+t²)}(df/2, 1/2). */
export function studentTQuantile(df: number, alpha = 0.05): number {
  const x = betaQuantile(alpha, df / 2, 0.5);
  return Math.sqrt((df * (1 - x)) / x);
}

export interface PowerModel {
  /** ln(exposure) = intercept + slope · ln(dose): slope 1 is proportional. */
  slope: number;
  intercept: number;
  /** 95% confidence interval of the slope (t with n − 2 df); null with fewer than 3 points or one dose. */
  lower: number | null;
  upper: number | null;
  n: number;
}

/**
 * The power model of dose proportionality (Smith et al. 2000), fitted by least squares on the log
 * scale. Exposures and doses must be positive; others are left out by the caller.
 */
export function powerModel(doses: readonly number[], exposures: readonly number[]): PowerModel | null {
  const n = doses.length;
  if (n < 2 || exposures.length !== n) return null;
  const x = doses.map(Math.log);
  const y = exposures.map(Math.log);
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  if (n < 3) return { slope, intercept, lower: null, upper: null, n };
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - intercept - slope * x[i]!) ** 2;
  const se = Math.sqrt(rss / (n - 2) / sxx);
  const t = studentTQuantile(n - 2);
  return { slope, intercept, lower: slope - t * se, upper: slope + t * se, n };
}

export interface LogisticFit {
  /** logit P(event) = intercept + slope · x. */
  intercept: number;
  slope: number;
  /** Wald 95% interval of the slope. */
  lower: number;
  upper: number;
  n: number;
  events: number;
}

/**
 * Logistic regression of a binary outcome on one covariate by Newton–Raphson (the maximum-likelihood
 * estimate), with a Wald interval for the slope. Null when the MLE does not exist: no events, no
 * non-events, or complete separation (the likelihood keeps rising as the slope grows).
 */
export function logisticFit(x: readonly number[], events: readonly boolean[]): LogisticFit | null {
  const n = x.length;
  const k = events.filter(Boolean).length;
  if (n < 3 || k === 0 || k === n) return null;
  // Complete separation: every event above every non-event (or below) — no finite MLE.
  const eventX = x.filter((_, i) => events[i]);
  const otherX = x.filter((_, i) => !events[i]);
  if (Math.min(...eventX) > Math.max(...otherX) || Math.max(...eventX) < Math.min(...otherX)) return null;
  let b0 = Math.log(k / (n - k));
  let b1 = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 0;
    let h01 = 0;
    let h11 = 0;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(b0 + b1 * x[i]!)));
      const r = (events[i] ? 1 : 0) - p;
      const w = p * (1 - p);
      g0 += r;
      g1 += r * x[i]!;
      h00 += w;
      h01 += w * x[i]!;
      h11 += w * x[i]! * x[i]!;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) return null;
    const d0 = (h11 * g0 - h01 * g1) / det;
    const d1 = (h00 * g1 - h01 * g0) / det;
    b0 += d0;
    b1 += d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-12) {
      // Variance of the slope: the (1, 1) element of the inverse information at the estimate.
      let i00 = 0;
      let i01 = 0;
      let i11 = 0;
      for (let i = 0; i < n; i++) {
        const p = 1 / (1 + Math.exp(-(b0 + b1 * x[i]!)));
        const w = p * (1 - p);
        i00 += w;
        i01 += w * x[i]!;
        i11 += w * x[i]! * x[i]!;
      }
      const se = Math.sqrt(i00 / (i00 * i11 - i01 * i01));
      return { intercept: b0, slope: b1, lower: b1 - 1.959963984540054 * se, upper: b1 + 1.959963984540054 * se, n, events: k };
    }
  }
  return null;
}
