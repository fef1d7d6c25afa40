/**
 * Gauss–Legendre rules, computed once per order by Newton's method on the three-term recurrence of the
 * Legendre polynomials (Golub & Welsch 1969 give the same nodes as eigenvalues; Newton from the
 * classical starting guesses is shorter and as accurate).
 */
export interface QuadratureRule {
  nodes: Float64Array;
  weights: Float64Array;
}

const legendreCache = new Map<number, QuadratureRule>();

/** Nodes and weights on [−1, 1]: Σ wₖ f(xₖ) ≈ ∫ f(x) dx, exact for polynomials of degree < 2n. */
export function gaussLegendre(n: number): QuadratureRule {
  const cached = legendreCache.get(n);
  if (cached) return cached;
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError(`Gauss–Legendre order must be in 1..200 (got ${n})`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.floor((n + 1) / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * x * p2 - (j - 1) * p3) / j;
      }
      derivative = (n * (x * p1 - p2)) / (x * x - 1);
      const step = p1 / derivative;
      x -= step;
      if (Math.abs(step) <= 1e-16) break;
    }
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = 2 / ((1 - x * x) * derivative * derivative);
    weights[n - 1 - i] = weights[i]!;
  }
  const rule = { nodes, weights };
  legendreCache.set(n, rule);
  return rule;
}
