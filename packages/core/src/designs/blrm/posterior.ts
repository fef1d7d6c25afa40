/**
 * The posterior of the two-parameter Bayesian logistic regression model (Neuenschwander, Branson &
 * Gsponer 2008): logit p(d) = log α + β·log(d/d*), with θ = (log α, log β) bivariate normal a priori.
 * Computed deterministically, without MCMC:
 * - the mode θ̂ by damped Newton iterations, and the curvature there;
 * - a product rule centred on the mode: the outer variable log β = θ̂₂ + σ₂·sinh(u), and along each
 *   outer node the inner variable log α = m₁(log β) + τ·sinh(v), centred on its conditional mode and
 *   scaled by the conditional spread (the trapezoid rule in u and v converges exponentially for these
 *   smooth, fast-decaying integrands, as in the CRM);
 * - interval probabilities exactly on each inner line: for fixed β, p_d > c ⇔ log α > logit(c) − β·log(d/d*),
 *   a half-line, whose mass is read from the line's running sums (interpolated between nodes).
 * `fit` reuses its buffers.
 */
export interface BlrmPrior {
  mean: readonly [number, number];
  sd: readonly [number, number];
  correlation: number;
}

const OUTER_STEP = 0.15;
const INNER_STEP = 0.1;
/** How far the rule reaches, in prior standard deviations, besides 10 posterior ones. */
const PRIOR_REACH = 8;

export class BlrmPosterior {
  readonly doseCount: number;
  /** log(d / d*) per dose. */
  readonly logDose: Float64Array;
  private readonly precision: [number, number, number];
  /** Mode of (log α, log β). */
  modeA = 0;
  modeB = 0;
  private patients: Int32Array = new Int32Array(0);
  private dlts: Int32Array = new Int32Array(0);
  // The grid: outer nodes (log β) and, per outer node, inner nodes (log α) with running sums.
  private outerBeta = new Float64Array(0);
  private innerCentre = new Float64Array(0);
  private innerScale = 0;
  private innerCount = 0;
  /** Per inner line, the (normalised) mass up to each node. */
  private running = new Float64Array(0);
  private outerCount = 0;
  /** Node values of log α and weights, for expectations. */
  private nodeA = new Float64Array(0);
  private nodeB = new Float64Array(0);
  private nodeWeight = new Float64Array(0);

  constructor(
    amounts: readonly number[],
    referenceDose: number,
    readonly prior: BlrmPrior,
  ) {
    this.doseCount = amounts.length;
    this.logDose = Float64Array.from(amounts, (amount) => Math.log(amount / referenceDose));
    const [s1, s2] = prior.sd;
    const r = prior.correlation;
    const det = s1 * s1 * s2 * s2 * (1 - r * r);
    // Inverse of the prior covariance [[s1², r s1 s2], [r s1 s2, s2²]].
    this.precision = [(s2 * s2) / det, (-r * s1 * s2) / det, (s1 * s1) / det];
  }

  toxicity(d: number, logAlpha: number, logBeta: number): number {
    return 1 / (1 + Math.exp(-(logAlpha + Math.exp(logBeta) * this.logDose[d]!)));
  }

  logPosterior(a: number, b: number): number {
    const [p11, p12, p22] = this.precision;
    const da = a - this.prior.mean[0];
    const db = b - this.prior.mean[1];
    let value = -0.5 * (p11 * da * da + 2 * p12 * da * db + p22 * db * db);
    const slope = Math.exp(b);
    for (let d = 0; d < this.doseCount; d++) {
      const n = this.patients[d]!;
      if (n === 0) continue;
      const y = this.dlts[d]!;
      const eta = a + slope * this.logDose[d]!;
      // y log p + (n − y) log(1 − p) = y·η − n·log(1 + e^η), written to stay finite.
      const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      value += y * eta - n * softplus;
    }
    return value;
  }

  /** Gradient and Hessian of the log posterior at (a, b) into out: [ga, gb, haa, hab, hbb]. */
  private derivatives(a: number, b: number, out: Float64Array): void {
    const [p11, p12, p22] = this.precision;
    const da = a - this.prior.mean[0];
    const db = b - this.prior.mean[1];
    let ga = -(p11 * da + p12 * db);
    let gb = -(p12 * da + p22 * db);
    let haa = -p11;
    let hab = -p12;
    let hbb = -p22;
    const slope = Math.exp(b);
    for (let d = 0; d < this.doseCount; d++) {
      const n = this.patients[d]!;
      if (n === 0) continue;
      const y = this.dlts[d]!;
      const x = slope * this.logDose[d]!; // ∂η/∂b (and ∂²η/∂b²)
      const p = 1 / (1 + Math.exp(-(a + x)));
      const residual = y - n * p;
      const information = n * p * (1 - p);
      ga += residual;
      gb += residual * x;
      haa -= information;
      hab -= information * x;
      hbb += residual * x - information * x * x;
    }
    out[0] = ga;
    out[1] = gb;
    out[2] = haa;
    out[3] = hab;
    out[4] = hbb;
  }

  private readonly scratch = new Float64Array(5);

  /** Damped Newton ascent from the prior mean (steps halved until the log posterior rises). */
  private findMode(): void {
    let a = this.prior.mean[0];
    let b = this.prior.mean[1];
    let value = this.logPosterior(a, b);
    const g = this.scratch;
    for (let iteration = 0; iteration < 100; iteration++) {
      this.derivatives(a, b, g);
      const [ga, gb, haa, hab, hbb] = [g[0]!, g[1]!, g[2]!, g[3]!, g[4]!];
      const det = haa * hbb - hab * hab;
      let stepA: number;
      let stepB: number;
      if (haa < 0 && det > 0) {
        // Newton direction −H⁻¹g.
        stepA = -(hbb * ga - hab * gb) / det;
        stepB = -(-hab * ga + haa * gb) / det;
      } else {
        // Not concave here: a gradient step scaled by the prior precision.
        stepA = ga / this.precision[0];
        stepB = gb / this.precision[2];
      }
      let scale = 1;
      let accepted = false;
      for (let halving = 0; halving < 40; halving++) {
        const candidate = this.logPosterior(a + scale * stepA, b + scale * stepB);
        if (candidate >= value) {
          a += scale * stepA;
          b += scale * stepB;
          accepted = candidate - value < 1e-13 && Math.abs(scale * stepA) + Math.abs(scale * stepB) < 1e-9;
          value = candidate;
          break;
        }
        scale /= 2;
      }
      if (accepted || Math.abs(stepA) + Math.abs(stepB) < 1e-10) break;
    }
    this.modeA = a;
    this.modeB = b;
  }

  fit(patients: Int32Array, dlts: Int32Array): this {
    this.patients = patients;
    this.dlts = dlts;
    this.findMode();
    const g = this.scratch;
    this.derivatives(this.modeA, this.modeB, g);
    let haa = g[2]!;
    let hab = g[3]!;
    let hbb = g[4]!;
    if (!(haa < 0 && haa * hbb - hab * hab > 0)) {
      // Degenerate curvature (should not happen with a proper prior): fall back to the prior's.
      haa = -this.precision[0];
      hab = -this.precision[1];
      hbb = -this.precision[2];
    }
    // Marginal spread of log β, and the conditional line of log α given log β, from −H.
    const det = haa * hbb - hab * hab;
    const sdB = Math.sqrt(-haa / det);
    const slopeA = -hab / haa; // E[log α | log β] moves by this per unit of log β
    this.innerScale = 1 / Math.sqrt(-haa);
    const reachB = Math.asinh((10 * sdB + PRIOR_REACH * this.prior.sd[1]) / sdB);
    const reachA = Math.asinh((10 * this.innerScale + PRIOR_REACH * this.prior.sd[0]) / this.innerScale);
    const outerHalf = Math.ceil(reachB / OUTER_STEP);
    const innerHalf = Math.ceil(reachA / INNER_STEP);
    this.outerCount = 2 * outerHalf + 1;
    this.innerCount = 2 * innerHalf + 1;
    const nodes = this.outerCount * this.innerCount;
    if (this.nodeA.length < nodes) {
      this.nodeA = new Float64Array(nodes);
      this.nodeB = new Float64Array(nodes);
      this.nodeWeight = new Float64Array(nodes);
      this.running = new Float64Array(nodes);
    }
    if (this.outerBeta.length < this.outerCount) {
      this.outerBeta = new Float64Array(this.outerCount);
      this.innerCentre = new Float64Array(this.outerCount);
    }
    if (this.running.length < nodes) this.running = new Float64Array(nodes);
    const peak = this.logPosterior(this.modeA, this.modeB);
    this.nodeWeight.fill(0, 0, nodes);
    let total = 0;
    // Lines outwards from the mode on each side, nodes outwards from each line's centre: stop where
    // the weights fall below e^−40 of the peak (the rest stay 0), so only the mass is evaluated.
    for (let side = 1; side >= -1; side -= 2) {
      for (let offset = side === 1 ? 0 : 1; offset <= outerHalf; offset++) {
        const j = outerHalf + side * offset;
        const u = side * offset * OUTER_STEP;
        const b = this.modeB + sdB * Math.sinh(u);
        const centre = this.modeA + slopeA * (b - this.modeB);
        this.outerBeta[j] = b;
        this.innerCentre[j] = centre;
        const outerWeight = OUTER_STEP * sdB * Math.cosh(u);
        let lineBest = Number.NEGATIVE_INFINITY;
        for (let direction = 1; direction >= -1; direction -= 2) {
          for (let step = direction === 1 ? 0 : 1; step <= innerHalf; step++) {
            const i = innerHalf + direction * step;
            const v = direction * step * INNER_STEP;
            const a = centre + this.innerScale * Math.sinh(v);
            const logWeight = this.logPosterior(a, b) - peak;
            const k = j * this.innerCount + i;
            this.nodeA[k] = a;
            this.nodeB[k] = b;
            this.nodeWeight[k] = outerWeight * INNER_STEP * this.innerScale * Math.cosh(v) * Math.exp(logWeight);
            total += this.nodeWeight[k]!;
            if (logWeight > lineBest) lineBest = logWeight;
            if (logWeight < -40) break;
          }
        }
        if (lineBest < -40) {
          // This line and those beyond it carry no mass; record their geometry for the interval sums.
          for (let rest = offset + 1; rest <= outerHalf; rest++) {
            const jj = outerHalf + side * rest;
            const bb = this.modeB + sdB * Math.sinh(side * rest * OUTER_STEP);
            this.outerBeta[jj] = bb;
            this.innerCentre[jj] = this.modeA + slopeA * (bb - this.modeB);
          }
          break;
        }
      }
    }
    // Running sums to each node by the trapezoid rule between nodes: the mass of log α up to node i.
    for (let j = 0; j < this.outerCount; j++) {
      const base = j * this.innerCount;
      this.running[base] = 0;
      for (let i = 1; i < this.innerCount; i++) {
        this.running[base + i] = this.running[base + i - 1]! + 0.5 * (this.nodeWeight[base + i - 1]! + this.nodeWeight[base + i]!);
      }
    }
    for (let k = 0; k < nodes; k++) this.nodeWeight[k]! /= total;
    for (let k = 0; k < nodes; k++) this.running[k]! /= total;
    return this;
  }

  /** Posterior mean of p_d. */
  meanToxicity(d: number): number {
    const nodes = this.outerCount * this.innerCount;
    let sum = 0;
    for (let k = 0; k < nodes; k++) {
      const w = this.nodeWeight[k]!;
      if (w > 1e-18) sum += w * this.toxicity(d, this.nodeA[k]!, this.nodeB[k]!);
    }
    return sum;
  }

  /**
   * P(p_d ≤ c): on each inner line (fixed log β), p_d ≤ c ⇔ log α ≤ logit(c) − β·log(d/d*), so the
   * line contributes its mass up to that point. A running trapezoid sum is only second-order accurate
   * part-way along a line, so it gets the Euler–Maclaurin end correction −h²/12·g′ at the node below
   * the cut, and the rest of the interval integrates the cubic through the four nearest nodes.
   */
  probabilityAtMost(d: number, c: number): number {
    if (c <= 0) return 0;
    if (c >= 1) return 1;
    const logitC = Math.log(c / (1 - c));
    const half = (this.innerCount - 1) / 2;
    const last = this.innerCount - 1;
    const w = this.nodeWeight;
    let sum = 0;
    for (let j = 0; j < this.outerCount; j++) {
      const cut = logitC - Math.exp(this.outerBeta[j]!) * this.logDose[d]!;
      const position = Math.asinh((cut - this.innerCentre[j]!) / this.innerScale) / INNER_STEP + half;
      const base = j * this.innerCount;
      if (position <= 1) continue; // the line's ends carry no mass (the rule reaches far beyond it)
      if (position >= last - 2) {
        sum += this.running[base + last]!;
        continue;
      }
      const i = Math.floor(position);
      const t = position - i;
      const before = w[base + i - 1]!;
      const at = w[base + i]!;
      const next = w[base + i + 1]!;
      const after = w[base + i + 2]!;
      const t2 = t * t;
      const t3 = t2 * t;
      const t4 = t3 * t;
      const partial =
        -(before / 6) * (t4 / 4 - t3 + t2) +
        (at / 2) * (t4 / 4 - (2 * t3) / 3 - t2 / 2 + 2 * t) -
        (next / 2) * (t4 / 4 - t3 / 3 - t2) +
        (after / 6) * (t4 / 4 - t2 / 2);
      sum += this.running[base + i]! - (next - before) / 24 + partial;
    }
    return Math.min(1, Math.max(0, sum));
  }

  /** The q-quantile of p_d, by bisection on probabilityAtMost. */
  toxicityQuantile(d: number, q: number): number {
    let low = 0;
    let high = 1;
    for (let iteration = 0; iteration < 40; iteration++) {
      const middle = 0.5 * (low + high);
      if (this.probabilityAtMost(d, middle) < q) low = middle;
      else high = middle;
    }
    return 0.5 * (low + high);
  }
}
