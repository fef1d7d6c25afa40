/**
 * Gauss–Hermite and Gauss–Legendre rules, computed once per order by Newton's method on the
 * three-term recurrences of the orthogonal polynomials (Golub & Welsch 1969 give the same nodes as
 * eigenvalues; Newton from the classical starting guesses is shorter and as accurate).
 */
export interface QuadratureRule {
  nodes: Float64Array;
  weights: Float64Array;
}

const hermiteCache = new Map<number, QuadratureRule>();
const legendreCache = new Map<number, QuadratureRule>();

/**
 * Nodes tₖ and weights wₖ with Σ wₖ f(tₖ) ≈ ∫ f(t) e^(−t²) dt, exact for polynomials of degree < 2n.
 * Uses orthonormal Hermite functions so large n does not overflow.
 */
export function gaussHermite(n: number): QuadratureRule {
  const cached = hermiteCache.get(n);
  if (cached) return cached;
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError(`Gauss–Hermite order must be in 1..200 (got ${n})`);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const quarterPi = Math.PI ** -0.25;
  let z = 0;
  const half = Math.floor((n + 1) / 2);
  for (let i = 0; i < half; i++) {
    // Starting guesses for the largest roots first (Szegő's asymptotics, as used by many references).
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** (-1 / 6);
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * nodes[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * nodes[1]!;
    else z = 2 * z - nodes[i - 2]!;
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      // Orthonormal recurrence: h₀ = π^(−1/4), h₁ = √2 t h₀, h_{j} = t√(2/j) h_{j−1} − √((j−1)/j) h_{j−2}.
      let p1 = quarterPi;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      derivative = Math.sqrt(2 * n) * p2;
      const step = p1 / derivative;
      z -= step;
      if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    nodes[i] = z;
    nodes[n - 1 - i] = -z;
    weights[i] = 2 / (derivative * derivative);
    weights[n - 1 - i] = weights[i]!;
  }
  nodes.reverse();
  weights.reverse();
  const rule = { nodes, weights };
  hermiteCache.set(n, rule);
  return rule;
}

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
