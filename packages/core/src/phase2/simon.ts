import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * Simon's two-stage design (Simon 1989): n1 patients in stage 1, stop for futility if ≤ r1 respond;
 * otherwise n − n1 more, and the treatment is promising if > r respond in total.
 */
export interface TwoStageDesign {
  r1: number;
  n1: number;
  r: number;
  n: number;
  /** Expected sample size under p0. */
  en0: number;
  /** Probability of early termination under p0. */
  pet0: number;
  /** Actual type I error: P(> r responses in total, having passed stage 1 | p0). */
  alpha: number;
  /** Actual power: the same probability under p1. */
  power: number;
}

export interface SimonSearch {
  p0: number;
  p1: number;
  alpha: number;
  beta: number;
  /** Largest total sample size searched (default 150). */
  maxN?: number;
}

export interface SimonDesigns {
  optimal: TwoStageDesign | null;
  minimax: TwoStageDesign | null;
  /** Designs minimising q·n + (1 − q)·EN(p0) for some q in [0, 1] (Jung et al. 2004), by increasing n. */
  admissible: (TwoStageDesign & { qFrom: number; qTo: number })[];
}

export function checkSimonSearch(search: SimonSearch): Required<SimonSearch> {
  const issues: ValidationIssue[] = [];
  const { p0, p1, alpha, beta } = search;
  const maxN = search.maxN ?? 150;
  if (!(p0 > 0 && p0 < 1)) issues.push({ path: "p0", value: p0, message: "must be in (0, 1)" });
  if (!(p1 > 0 && p1 < 1)) issues.push({ path: "p1", value: p1, message: "must be in (0, 1)" });
  else if (!(p1 > p0)) issues.push({ path: "p1", value: p1, message: `must be > p0 (${p0})` });
  if (!(alpha > 0 && alpha < 1)) issues.push({ path: "alpha", value: alpha, message: "must be in (0, 1)" });
  if (!(beta > 0 && beta < 1)) issues.push({ path: "beta", value: beta, message: "must be in (0, 1)" });
  if (!(Number.isInteger(maxN) && maxN >= 2 && maxN <= 500))
    issues.push({ path: "maxN", value: maxN, message: "must be an integer in 2..500" });
  if (issues.length > 0) throw new ValidationError(issues, "Simon design");
  return { p0, p1, alpha, beta, maxN };
}

/**
 * Binomial probabilities for every size up to maxN in flat tables: pmf(m, k) and the upper tail
 * P(X > k) for X ~ Bin(m, p), computed by the recurrence over m (no factorials, no cancellation).
 */
class BinomialTables {
  readonly pmf: Float64Array;
  /** above[m·stride + k + 1] = P(X > k) for k = −1..m; so above at k = −1 is 1. */
  readonly above: Float64Array;
  readonly stride: number;

  constructor(
    readonly p: number,
    readonly maxN: number,
  ) {
    this.stride = maxN + 2;
    this.pmf = new Float64Array((maxN + 1) * this.stride);
    this.above = new Float64Array((maxN + 1) * this.stride);
    this.pmf[0] = 1;
    for (let m = 1; m <= maxN; m++) {
      const row = m * this.stride;
      const previous = (m - 1) * this.stride;
      for (let k = 0; k <= m; k++) {
        const stay = k <= m - 1 ? this.pmf[previous + k]! * (1 - p) : 0;
        const move = k >= 1 ? this.pmf[previous + k - 1]! * p : 0;
        this.pmf[row + k] = stay + move;
      }
    }
    for (let m = 0; m <= maxN; m++) {
      const row = m * this.stride;
      // above[row + j] = P(X > j − 1) = P(X ≥ j), accumulated from the top.
      let tail = 0;
      for (let j = m + 1; j >= 0; j--) {
        this.above[row + j] = tail;
        if (j >= 1) tail += this.pmf[row + j - 1]!;
      }
    }
  }

  /** P(X > k) for X ~ Bin(m, p); 1 for k < 0, 0 for k ≥ m. */
  greater(m: number, k: number): number {
    if (k < 0) return 1;
    if (k >= m) return 0;
    return this.above[m * this.stride + k + 1]!;
  }

  probability(m: number, k: number): number {
    return this.pmf[m * this.stride + k]!;
  }
}

/** P(pass stage 1 and > r in total) = Σ_{x1 = r1+1}^{n1} P(X1 = x1) · P(X2 > r − x1). */
function rejection(t: BinomialTables, r1: number, n1: number, r: number, n2: number): number {
  let sum = 0;
  for (let x1 = r1 + 1; x1 <= n1; x1++) sum += t.probability(n1, x1) * t.greater(n2, r - x1);
  return sum;
}

/**
 * Exhaustive exact search over n ≤ maxN, 1 ≤ n1 < n, 0 ≤ r1 < n1, r1 ≤ r < n. For each (n, n1, r1)
 * the rejection probability falls as r rises, so the smallest r with α_actual ≤ α (found by bisection)
 * gives the most power; the design is feasible if that power ≥ 1 − β. Constraints are inclusive.
 * Per n, the design with the smallest EN(p0) is kept (ties: smaller n1, then smaller r1); the optimal
 * design minimises EN(p0) over all n, the minimax minimises n (ties: EN(p0)), and the admissible
 * designs are the lower convex hull of (n, EN(p0)) between them (Jung, Lee, Kim & George 2004).
 */
export function simonDesigns(input: SimonSearch): SimonDesigns {
  const { p0, p1, alpha, beta, maxN } = checkSimonSearch(input);
  const null0 = new BinomialTables(p0, maxN);
  const alt = new BinomialTables(p1, maxN);
  const bestByN: (TwoStageDesign | null)[] = new Array(maxN + 1).fill(null);
  for (let n = 2; n <= maxN; n++) {
    let best: TwoStageDesign | null = null;
    for (let n1 = 1; n1 < n; n1++) {
      const n2 = n - n1;
      for (let r1 = 0; r1 < n1; r1++) {
        const pet0 = 1 - null0.greater(n1, r1);
        const en0 = n1 + (1 - pet0) * n2;
        if (best && en0 > best.en0 + 1e-12) continue; // cannot beat this n's best
        // Smallest r in [r1, n) with rejection(p0) ≤ α.
        let low = r1;
        let high = n; // rejection at r = n is 0
        while (low < high) {
          const middle = (low + high) >> 1;
          if (rejection(null0, r1, n1, middle, n2) <= alpha) high = middle;
          else low = middle + 1;
        }
        if (low >= n) continue;
        const power = rejection(alt, r1, n1, low, n2);
        if (power < 1 - beta) continue;
        if (!best || en0 < best.en0 - 1e-12) {
          best = { r1, n1, r: low, n, en0, pet0, alpha: rejection(null0, r1, n1, low, n2), power };
        }
      }
    }
    bestByN[n] = best;
  }
  const candidates = bestByN.filter((design): design is TwoStageDesign => design !== null);
  if (candidates.length === 0) return { optimal: null, minimax: null, admissible: [] };
  const minimax = candidates[0]!; // the smallest n; its entry already has the smallest EN(p0) for that n
  const optimal = candidates.reduce((a, b) => (b.en0 < a.en0 - 1e-12 ? b : a));
  return { optimal, minimax, admissible: admissibleDesigns(candidates.filter((d) => d.n <= optimal.n)) };
}

/**
 * Designs minimising q·n + (1 − q)·EN(p0) for some q ∈ [0, 1], with the range of q for which each
 * does: the lower convex hull of the points (n, EN(p0)), walked from the optimal design (q = 0) to
 * the minimax design (q = 1).
 */
function admissibleDesigns(byN: TwoStageDesign[]): SimonDesigns["admissible"] {
  const result: SimonDesigns["admissible"] = [];
  const loss = (d: TwoStageDesign, q: number) => q * d.n + (1 - q) * d.en0;
  // Breakpoints where the minimiser changes are where two designs' losses are equal.
  let q = 0;
  let current = byN.reduce((a, b) =>
    loss(b, 0) < loss(a, 0) - 1e-12 || (Math.abs(loss(b, 0) - loss(a, 0)) <= 1e-12 && b.n < a.n) ? b : a,
  );
  while (q < 1) {
    let nextQ = 1;
    let next: TwoStageDesign | null = null;
    for (const d of byN) {
      if (d.n >= current.n) continue;
      // q·n_d + (1−q)·e_d = q·n_c + (1−q)·e_c  ⇒  q = (e_d − e_c) / ((e_d − e_c) − (n_d − n_c))
      const de = d.en0 - current.en0;
      const dn = d.n - current.n;
      const crossing = de / (de - dn);
      if (crossing >= q - 1e-12 && (crossing < nextQ - 1e-12 || (Math.abs(crossing - nextQ) <= 1e-12 && next !== null && d.n < next.n))) {
        nextQ = crossing;
        next = d;
      }
    }
    result.push({ ...current, qFrom: q, qTo: nextQ });
    if (!next) break;
    current = next;
    q = nextQ;
  }
  return result.sort((a, b) => a.n - b.n);
}
