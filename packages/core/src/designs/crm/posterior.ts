import { gaussLegendre } from "../../stats/quadrature.js";
import type { CrmModel } from "./model.js";

/** Patients' data as the CRM likelihood sees it (0-based doses). */
export interface CrmData {
  /** Patients with complete information, per dose. */
  patients: Int32Array;
  /** DLTs per dose (a DLT is always complete information). */
  dlts: Int32Array;
  /** TITE-CRM: patients without DLT and with partial follow-up, as (dose, weight in (0, 1)) pairs. */
  pendingDose?: Int32Array;
  pendingWeight?: Float64Array;
  pendingCount?: number;
}

/** Step of the trapezoid rule in the stretched variable u (see CrmPosterior). */
export const QUADRATURE_STEP = 0.15;
/** Gauss–Legendre nodes per unit of u for tail probabilities (the integrand is smooth but cut at b). */
const LEGENDRE_ORDER = 10;

/** sinh(k·QUADRATURE_STEP) and log cosh(k·QUADRATURE_STEP) for k = 0, 1, …: the rule's fixed nodes, computed once. */
const grid = { sinh: new Float64Array(0), logCosh: new Float64Array(0) };

function stretchedGrid(half: number): typeof grid {
  if (half >= grid.sinh.length) {
    const size = Math.max(half + 1, 2 * grid.sinh.length, 64);
    grid.sinh = Float64Array.from({ length: size }, (_, k) => Math.sinh(k * QUADRATURE_STEP));
    grid.logCosh = Float64Array.from({ length: size }, (_, k) => Math.log(Math.cosh(k * QUADRATURE_STEP)));
  }
  return grid;
}

export class CrmPosterior {
  /** Posterior mode of β and the normal scale there (1/√(−ℓ'')). */
  mode = 0;
  scale = 1;
  /** Posterior mean and variance of β. */
  mean = 0;
  variance = 0;
  private logAtMode = 0;
  /** Normalising constant of exp(ℓ(β) − ℓ(mode)). */
  private normaliser = 1;
  private betas = new Float64Array(128);
  private weights = new Float64Array(128);
  private nodeCount = 0;
  /** The rule's half-range in u. */
  private reach = 0;
  private readonly scratch = new Float64Array(3);
  private slope = 0;
  private curvature = 0;
  private data: CrmData | undefined;

  constructor(
    readonly model: CrmModel,
    readonly priorVariance: number,
  ) {}

  /** Log posterior (up to a constant): the quadrature's hot path, one exp and one log per tried dose. */
  logPosterior(beta: number): number {
    const data = this.data!;
    const model = this.model;
    const out = this.scratch;
    const expBeta = Math.exp(beta);
    let value = (-0.5 * beta * beta) / this.priorVariance;
    for (let d = 0; d < model.doseCount; d++) {
      const n = data.patients[d]!;
      if (n === 0) continue;
      const y = data.dlts[d]!;
      model.logToxicities(d, expBeta, out);
      if (y > 0) value += y * out[0]!;
      if (n > y) value += (n - y) * out[1]!;
    }
    const count = data.pendingCount ?? 0;
    for (let i = 0; i < count; i++) value += Math.log1p(-data.pendingWeight![i]! * model.toxicity(data.pendingDose![i]!, beta));
    return value;
  }

  /** The first two derivatives of the log posterior at β, into `slope` and `curvature`. */
  private differentiate(beta: number): void {
    const data = this.data!;
    const model = this.model;
    const out = this.scratch;
    let first = -beta / this.priorVariance;
    let second = -1 / this.priorVariance;
    for (let d = 0; d < model.doseCount; d++) {
      const n = data.patients[d]!;
      if (n === 0) continue;
      const y = data.dlts[d]!;
      model.derivatives(d, beta, out);
      const p = out[0]!;
      const r = out[1]! / p;
      const q = 1 - p;
      first += y * r - ((n - y) * out[1]!) / q;
      second += y * (out[2]! / p - r * r) - (n - y) * (out[2]! / q + (out[1]! * out[1]!) / (q * q));
    }
    const count = data.pendingCount ?? 0;
    for (let i = 0; i < count; i++) {
      const w = data.pendingWeight![i]!;
      model.derivatives(data.pendingDose![i]!, beta, out);
      const q = 1 - w * out[0]!;
      first -= (w * out[1]!) / q;
      second -= (w * out[2]!) / q + (w * out[1]!) ** 2 / (q * q);
    }
    this.slope = first;
    this.curvature = second;
  }

  fit(data: CrmData): this {
    this.data = data;
    this.findMode();
    // Cover the posterior's own spread and the prior's tails (where a flat likelihood leaves the prior).
    const range = 10 * this.scale + 15 * Math.sqrt(this.priorVariance);
    const half = Math.ceil(Math.asinh(range / this.scale) / QUADRATURE_STEP);
    this.reach = half * QUADRATURE_STEP;
    if (2 * half + 1 > this.betas.length) {
      this.betas = new Float64Array(2 * half + 1);
      this.weights = new Float64Array(2 * half + 1);
    }
    // Walk outwards from the mode on each side and stop once the weights are negligible (e^−32 of the
    // peak): the far range is needed only when a flat likelihood leaves a heavy tail.
    const grid = stretchedGrid(half);
    let count = 0;
    let total = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let side = 1; side >= -1; side -= 2) {
      for (let k = side === 1 ? 0 : 1; k <= half; k++) {
        const beta = this.mode + side * this.scale * grid.sinh[k]!;
        const logWeight = grid.logCosh[k]! + this.logPosterior(beta) - this.logAtMode;
        const w = QUADRATURE_STEP * this.scale * Math.exp(logWeight);
        this.betas[count] = beta;
        this.weights[count] = w;
        count++;
        total += w;
        sum += w * beta;
        sumSquares += w * beta * beta;
        if (logWeight < -32) break;
      }
    }
    this.nodeCount = count;
    for (let k = 0; k < count; k++) this.weights[k]! /= total;
    this.normaliser = total;
    this.mean = sum / total;
    this.variance = Math.max(0, sumSquares / total - this.mean * this.mean);
    return this;
  }

  /**
   * Newton's method on ℓ'(β) from β = 0, safeguarded: each step narrows a bracket (ℓ' > 0 to the left
   * of the mode, < 0 to the right, as the normal prior dominates far out), and a step that leaves the
   * bracket or meets convexity is replaced by bisection, or by a doubling step while one side is open.
   * The mode only centres the quadrature, so 1e-9 is ample precision.
   */
  private findMode(): void {
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    let beta = 0;
    let reach = 1;
    for (let iteration = 0; iteration < 200; iteration++) {
      this.differentiate(beta);
      if (this.slope > 0) low = beta;
      else high = beta;
      let next = this.curvature < 0 ? beta - this.slope / this.curvature : Number.NaN;
      if (!(next > low && next < high)) {
        if (Number.isFinite(low) && Number.isFinite(high)) next = 0.5 * (low + high);
        else next = beta + (this.slope > 0 ? reach : -reach);
        reach *= 2;
      }
      const done = Math.abs(next - beta) < 1e-9 * (1 + Math.abs(beta));
      beta = next;
      if (done) break;
    }
    this.mode = beta;
    this.differentiate(beta);
    this.scale = this.curvature < 0 ? 1 / Math.sqrt(-this.curvature) : Math.sqrt(this.priorVariance);
    this.logAtMode = this.logPosterior(beta);
  }

  /** Plug-in estimate (dfcrm): p_d at the posterior mean of β. */
  plugInToxicity(d: number): number {
    return this.model.toxicity(d, this.mean);
  }

  /** Bayesian estimate: the posterior mean of p_d. */
  meanToxicity(d: number): number {
    let sum = 0;
    for (let k = 0; k < this.nodeCount; k++) sum += this.weights[k]! * this.model.toxicity(d, this.betas[k]!);
    return sum;
  }

  /** P(β ≤ b | data): composite Gauss–Legendre in u from the rule's lower end to u(b). */
  cdf(b: number): number {
    const end = Math.asinh((b - this.mode) / this.scale);
    if (end <= -this.reach) return 0;
    if (end >= this.reach) return 1;
    const { nodes, weights } = gaussLegendre(LEGENDRE_ORDER);
    const panels = Math.ceil(end + this.reach);
    const width = (end + this.reach) / panels;
    let sum = 0;
    for (let panel = 0; panel < panels; panel++) {
      const centre = -this.reach + (panel + 0.5) * width;
      for (let k = 0; k < LEGENDRE_ORDER; k++) {
        const u = centre + 0.5 * width * nodes[k]!;
        const beta = this.mode + this.scale * Math.sinh(u);
        sum += weights[k]! * 0.5 * width * this.scale * Math.cosh(u) * Math.exp(this.logPosterior(beta) - this.logAtMode);
      }
    }
    return Math.min(1, sum / this.normaliser);
  }

  /** P(p_d > c | data), exact up to quadrature error thanks to the monotonicity of p_d in β. */
  probabilityAbove(d: number, c: number): number {
    const b = this.model.betaAt(d, c);
    if (b === Number.POSITIVE_INFINITY) return this.model.decreasingInBeta(d) ? 1 : 0;
    if (b === Number.NEGATIVE_INFINITY) return this.model.decreasingInBeta(d) ? 0 : 1;
    const below = this.cdf(b);
    return this.model.decreasingInBeta(d) ? below : 1 - below;
  }

  /** The q-quantile of β: Newton's method on the CDF (its derivative is the density), kept inside a bracket. */
  quantile(q: number): number {
    let low = this.mode - this.scale * Math.sinh(this.reach);
    let high = this.mode + this.scale * Math.sinh(this.reach);
    let beta = this.mean;
    for (let iteration = 0; iteration < 100; iteration++) {
      const error = this.cdf(beta) - q;
      if (error < 0) low = beta;
      else high = beta;
      const density = Math.exp(this.logPosterior(beta) - this.logAtMode) / this.normaliser;
      let next = beta - error / density;
      if (!(next > low && next < high)) next = 0.5 * (low + high);
      if (Math.abs(next - beta) < 1e-10 * (1 + Math.abs(beta))) return next;
      beta = next;
    }
    return beta;
  }
}
