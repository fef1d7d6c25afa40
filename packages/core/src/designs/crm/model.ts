/**
 * The one-parameter CRM dose–toxicity models (O'Quigley, Pepe & Fisher 1990; Cheung 2011, ch. 4),
 * parameterised as in dfcrm so that β = 0 reproduces the skeleton:
 * - empiric ("power"): p_d(β) = s_d^exp(β);
 * - logistic: logit p_d(β) = a0 + exp(β)·x_d, with dose labels x_d = logit(s_d) − a0.
 * Both are monotone in β for each dose, which the posterior uses for exact tail probabilities.
 */
export type CrmModelName = "empiric" | "logistic";

export class CrmModel {
  readonly doseCount: number;
  /** Empiric: log s_d. Logistic: the dose labels x_d. */
  private readonly labels: Float64Array;

  constructor(
    readonly name: CrmModelName,
    readonly skeleton: readonly number[],
    readonly intercept: number,
  ) {
    this.doseCount = skeleton.length;
    this.labels = Float64Array.from(skeleton, (s) => (name === "empiric" ? Math.log(s) : Math.log(s / (1 - s)) - intercept));
  }

  /** DLT probability at 0-based dose d for parameter β. */
  toxicity(d: number, beta: number): number {
    const scaled = Math.exp(beta) * this.labels[d]!;
    return this.name === "empiric" ? Math.exp(scaled) : 1 / (1 + Math.exp(-(this.intercept + scaled)));
  }

  /**
   * log p_d and log(1 − p_d) at parameter β, given e^β (shared by all doses), into out[0..1]: the
   * likelihood's hot path, one exponential and one logarithm per dose.
   */
  logToxicities(d: number, expBeta: number, out: Float64Array): void {
    const scaled = expBeta * this.labels[d]!;
    if (this.name === "empiric") {
      out[0] = scaled;
      out[1] = Math.log1p(-Math.exp(scaled));
    } else {
      // log expit(η) = −log(1 + e^−η); log(1 − expit(η)) = −log(1 + e^η); written to stay finite for large |η|.
      const eta = this.intercept + scaled;
      const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      out[0] = eta - softplus;
      out[1] = -softplus;
    }
  }

  /**
   * Writes p, dp/dβ and d²p/dβ² at dose d into out[0..2].
   * Empiric: with u = e^β log s, p = e^u, p' = p·u, p'' = p·(u + u²).
   * Logistic: with v = e^β x, p' = p(1 − p)·v, p'' = p(1 − p)·(v + (1 − 2p)·v²).
   */
  derivatives(d: number, beta: number, out: Float64Array): void {
    const scaled = Math.exp(beta) * this.labels[d]!;
    if (this.name === "empiric") {
      const p = Math.exp(scaled);
      out[0] = p;
      out[1] = p * scaled;
      out[2] = p * (scaled + scaled * scaled);
    } else {
      const p = 1 / (1 + Math.exp(-(this.intercept + scaled)));
      const q = p * (1 - p);
      out[0] = p;
      out[1] = q * scaled;
      out[2] = q * (scaled + (1 - 2 * p) * scaled * scaled);
    }
  }

  /** Whether p_d falls as β rises (true for every dose of the empiric model and for x_d < 0). */
  decreasingInBeta(d: number): boolean {
    return this.labels[d]! < 0;
  }

  /**
   * The β at which p_d(β) = c, or ±Infinity when p_d never reaches c (then it lies entirely on one side).
   */
  betaAt(d: number, c: number): number {
    const label = this.labels[d]!;
    const needed = this.name === "empiric" ? Math.log(c) : Math.log(c / (1 - c)) - this.intercept;
    const ratio = needed / label; // e^β must equal this
    if (ratio > 0) return Math.log(ratio);
    // p_d(β) stays on one side of c for every β: report the side through the sign of infinity.
    return this.toxicity(d, 0) > c === this.decreasingInBeta(d) ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
}
