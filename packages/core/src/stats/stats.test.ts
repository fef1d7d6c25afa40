import { describe, expect, it } from "vitest";
import { loadFixture } from "../test-support/fixtures.js";
import { betaCdf, betaIntervalProbability, betaQuantile, betaUpperTail, binomialPmf } from "./distributions.js";
import { binomialInterval, clopperPearson, jeffreys, wilson } from "./intervals.js";
import { isotonicRegression } from "./isotonic.js";
import { gaussLegendre } from "./quadrature.js";
import { createRandom } from "./random.js";

describe("seeded random streams", () => {
  it("repeats the same numbers for the same seed and stream", () => {
    const a = createRandom(42, 7);
    const b = createRandom(42, 7);
    for (let i = 0; i < 1000; i++) expect(a.nextUniform()).toBe(b.nextUniform());
  });

  it("reseeds in place to exactly the stream a fresh generator gives", () => {
    const reused = createRandom(1, 0);
    reused.nextUniform();
    reused.reseed(99, 123456789);
    const fresh = createRandom(99, 123456789);
    for (let i = 0; i < 100; i++) expect(reused.nextUniform()).toBe(fresh.nextUniform());
    // It keeps the seed's part of the hash between reseeds: another seed, then the first again.
    for (const [seed, stream] of [
      [2 ** 40 + 5, 3],
      [99, 7],
      [2 ** 40 + 5, 2 ** 33],
    ]) {
      reused.reseed(seed!, stream!);
      expect(reused.nextUniform()).toBe(createRandom(seed!, stream!).nextUniform());
    }
  });

  it("gives different streams for neighbouring seeds and stream indices, including above 2^32", () => {
    const first = (seed: number, stream: number) => createRandom(seed, stream).nextUniform();
    const values = [first(1, 0), first(2, 0), first(1, 1), first(1, 2 ** 32), first(2 ** 32 + 1, 0)];
    expect(new Set(values).size).toBe(values.length);
  });

  it("is uniform on [0, 1): mean, variance and decile counts within sampling error", () => {
    const random = createRandom(2026, 0);
    const n = 200_000;
    const bins = new Float64Array(10);
    let sum = 0;
    let sumSquares = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = random.nextUniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      sumSquares += u * u;
      bins[Math.floor(u * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / n;
    // Mean of U(0,1) is 1/2 with SD sqrt(1/12/n); allow 4 SD.
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSquares / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
    // Pearson chi-square with 9 degrees of freedom: P(χ² > 27.88) = 0.001.
    const expected = n / 10;
    const chiSquare = bins.reduce((total, count) => total + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.88);
  });

  it("keeps streams uncorrelated: correlation of paired draws from adjacent streams is near zero", () => {
    const n = 50_000;
    let sxy = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    const a = createRandom(5, 0);
    const b = createRandom(5, 0);
    for (let i = 0; i < n; i++) {
      a.reseed(5, 2 * i);
      b.reseed(5, 2 * i + 1);
      const x = a.nextUniform();
      const y = b.nextUniform();
      sx += x;
      sy += y;
      sxy += x * y;
      sxx += x * x;
      syy += y * y;
    }
    const correlation = (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    expect(Math.abs(correlation)).toBeLessThan(4 / Math.sqrt(n));
  });
});

describe("beta and binomial functions", () => {
  it("match closed forms", () => {
    // Beta(1,1) is uniform; Beta(2,1) has CDF x²; Beta(1,3) has CDF 1 − (1 − x)³.
    expect(betaCdf(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(betaCdf(0.3, 2, 1)).toBeCloseTo(0.09, 14);
    expect(betaUpperTail(0.3, 1, 3)).toBeCloseTo(0.7 ** 3, 14);
    expect(betaIntervalProbability(0.25, 0.35, 1, 1)).toBeCloseTo(0.1, 14);
    expect(betaQuantile(0.5, 1, 1)).toBeCloseTo(0.5, 14);
    expect(binomialPmf(1, 3, 0.3)).toBeCloseTo(3 * 0.3 * 0.49, 14);
  });
});

describe("pool-adjacent-violators isotonic regression", () => {
  it("leaves a non-decreasing sequence unchanged", () => {
    expect(Array.from(isotonicRegression([0.1, 0.2, 0.2, 0.5], [1, 1, 1, 1]))).toEqual([0.1, 0.2, 0.2, 0.5]);
  });

  it("pools violators into their weighted mean", () => {
    // 0.4 (weight 1) and 0.1 (weight 3) pool to 0.175; then 0.3 stays.
    const out = isotonicRegression([0.4, 0.1, 0.3], [1, 3, 1]);
    expect(out[0]).toBeCloseTo(0.175, 14);
    expect(out[1]).toBeCloseTo(0.175, 14);
    expect(out[2]).toBeCloseTo(0.3, 14);
  });

  it("pools backwards across several blocks", () => {
    const out = Array.from(isotonicRegression([1, 2, 3, 0], [1, 1, 1, 1]));
    // 3 and 0 pool to 1.5, which is below 2: pool the three → 5/3, above 1.
    expect(out[0]).toBe(1);
    for (const value of out.slice(1)) expect(value).toBeCloseTo(5 / 3, 14);
  });

  it("minimises the weighted squared error among non-decreasing fits (brute force over a grid)", () => {
    const random = createRandom(11, 0);
    for (let trial = 0; trial < 15; trial++) {
      const values = Array.from({ length: 3 }, () => Math.round(random.nextUniform() * 10) / 10);
      const weights = Array.from({ length: 3 }, () => 1 + Math.floor(random.nextUniform() * 4));
      const fit = isotonicRegression(values, weights);
      const loss = (f: ArrayLike<number>) => values.reduce((s, v, i) => s + weights[i]! * (v - f[i]!) ** 2, 0);
      for (let i = 1; i < 3; i++) expect(fit[i]!).toBeGreaterThanOrEqual(fit[i - 1]! - 1e-15);
      // PAVA's fit is the exact optimum, so no monotone fit on a fine grid can do better.
      let best = Number.POSITIVE_INFINITY;
      for (let a = 0; a <= 100; a++)
        for (let b = a; b <= 100; b++) for (let c = b; c <= 100; c++) best = Math.min(best, loss([a / 100, b / 100, c / 100]));
      expect(loss(fit)).toBeLessThanOrEqual(best + 1e-12);
    }
  });
});

describe("Clopper–Pearson interval", () => {
  const published = loadFixture<{ clopper_pearson: { cases: { x: number; n: number; lower: number; upper: number }[] } }>(
    "published-values.json",
  ).clopper_pearson;

  it("matches the published 95% interval", () => {
    for (const { x, n, lower, upper } of published.cases) {
      const interval = clopperPearson(x, n);
      expect(interval.lower).toBeCloseTo(lower, 4);
      expect(interval.upper).toBeCloseTo(upper, 3);
    }
  });

  it("puts exactly α/2 in each binomial tail at its bounds", () => {
    const { lower, upper } = clopperPearson(5, 20);
    let atLeast5 = 0;
    let atMost5 = 0;
    for (let k = 0; k <= 20; k++) {
      if (k >= 5) atLeast5 += binomialPmf(k, 20, lower);
      if (k <= 5) atMost5 += binomialPmf(k, 20, upper);
    }
    expect(atLeast5).toBeCloseTo(0.025, 10);
    expect(atMost5).toBeCloseTo(0.025, 10);
  });

  it("uses the one-sided bounds 0 and 1 at the extremes: (1 − α/2)^(1/n) for x = 0", () => {
    expect(clopperPearson(0, 10).lower).toBe(0);
    expect(clopperPearson(0, 10).upper).toBeCloseTo(1 - 0.025 ** (1 / 10), 10);
    expect(clopperPearson(10, 10).upper).toBe(1);
  });

  it("rejects impossible counts", () => {
    expect(() => clopperPearson(3, 2)).toThrow(/responders: 3 is not allowed; must be an integer in 0..2/);
    expect(() => clopperPearson(0, 0)).toThrow(/n: 0 is not allowed; must be an integer ≥ 1/);
    expect(() => clopperPearson(1, 2, 1.5)).toThrow(/level: 1.5/);
  });
});

describe("Gauss–Legendre quadrature", () => {
  it("integrates polynomials of degree < 2n exactly and smooth functions to machine precision", () => {
    const { nodes, weights } = gaussLegendre(8);
    let x15 = 0;
    let x14 = 0;
    let exp = 0;
    for (let k = 0; k < 8; k++) {
      x15 += weights[k]! * nodes[k]! ** 15;
      x14 += weights[k]! * nodes[k]! ** 14;
      exp += weights[k]! * Math.exp(nodes[k]!);
    }
    expect(x15).toBeCloseTo(0, 14);
    expect(x14).toBeCloseTo(2 / 15, 14);
    expect(exp).toBeCloseTo(Math.E - 1 / Math.E, 12);
    expect(gaussLegendre(8)).toBe(gaussLegendre(8)); // computed once
  });
});

describe("Wilson and Jeffreys intervals", () => {
  it("puts Wilson's limits where the score statistic equals ±z", () => {
    for (const [x, n] of [
      [4, 10],
      [0, 12],
      [17, 40],
    ] as const) {
      const { lower, upper } = wilson(x, n, 0.95);
      const score = (p: number) => (x / n - p) / Math.sqrt((p * (1 - p)) / n);
      if (x > 0) expect(score(lower)).toBeCloseTo(1.959963984540054, 9);
      expect(score(upper)).toBeCloseTo(-1.959963984540054, 9);
    }
    expect(wilson(4, 10).lower).toBeCloseTo(0.1682, 4);
    expect(wilson(4, 10).upper).toBeCloseTo(0.6873, 4);
  });

  it("puts Jeffreys' limits at the Beta(x + ½, n − x + ½) posterior quantiles, with 0 and 1 at the extremes", () => {
    const { lower, upper } = jeffreys(4, 10, 0.9);
    expect(betaCdf(lower, 4.5, 6.5)).toBeCloseTo(0.05, 12);
    expect(betaCdf(upper, 4.5, 6.5)).toBeCloseTo(0.95, 12);
    expect(jeffreys(0, 10).lower).toBe(0);
    expect(jeffreys(10, 10).upper).toBe(1);
  });

  it("gives Clopper–Pearson coverage of at least the level for every p (exact computation on a grid)", () => {
    const n = 15;
    const intervals = Array.from({ length: n + 1 }, (_, x) => clopperPearson(x, n));
    for (let p = 0.005; p < 1; p += 0.01) {
      let coverage = 0;
      for (let x = 0; x <= n; x++) if (intervals[x]!.lower <= p && p <= intervals[x]!.upper) coverage += binomialPmf(x, n, p);
      expect(coverage).toBeGreaterThanOrEqual(0.95 - 1e-12);
    }
  });

  it("dispatches by method name", () => {
    expect(binomialInterval(4, 10, "wilson")).toEqual(wilson(4, 10));
    expect(binomialInterval(4, 10, "jeffreys", 0.9)).toEqual(jeffreys(4, 10, 0.9));
    expect(binomialInterval(4, 10)).toEqual(clopperPearson(4, 10));
  });
});
