import { ValidationError, type ValidationIssue } from "../validation.js";

/** Compartmental parameters: CL and V (one compartment), plus Q and V2 (two compartments). */
export type CompartmentModel =
  | { compartments: 1; clearance: number; volume: number }
  | {
      compartments: 2;
      clearance: number;
      volume: number;
      /** Inter-compartmental clearance. */
      q: number;
      /** Peripheral volume. */
      volume2: number;
    };

export interface Infusion {
  /** Start time (hours). */
  start: number;
  /** Amount (e.g. mg). */
  amount: number;
  /** Infusion duration (hours); > 0 (a bolus is a very short infusion). */
  duration: number;
}

/**
 * The central concentration as a sum of exponentials: after a unit bolus, C(t) = Σ coefficient_i·e^(−rate_i·t).
 * One compartment: rate CL/V, coefficient 1/V. Two compartments (micro constants k10 = CL/V, k12 = Q/V,
 * k21 = Q/V2): rates α > β with α + β = k10 + k12 + k21 and αβ = k10·k21, coefficients
 * (α − k21)/(V(α − β)) and (k21 − β)/(V(α − β)) (Gibaldi & Perrier, Pharmacokinetics, 2nd ed.).
 */
export function disposition(model: CompartmentModel): { rates: number[]; coefficients: number[] } {
  const issues: ValidationIssue[] = [];
  for (const key of ["clearance", "volume", "q", "volume2"] as const) {
    const value = (model as Record<string, number>)[key];
    if (value !== undefined && !(value > 0)) issues.push({ path: key, value, message: "must be > 0" });
  }
  if (issues.length > 0) throw new ValidationError(issues, "PK model");
  if (model.compartments === 1) return { rates: [model.clearance / model.volume], coefficients: [1 / model.volume] };
  const k10 = model.clearance / model.volume;
  const k12 = model.q / model.volume;
  const k21 = model.q / model.volume2;
  const sum = k10 + k12 + k21;
  const root = Math.sqrt(sum * sum - 4 * k10 * k21);
  const alpha = (sum + root) / 2;
  const beta = (sum - root) / 2;
  return {
    rates: [alpha, beta],
    coefficients: [(alpha - k21) / (model.volume * (alpha - beta)), (k21 - beta) / (model.volume * (alpha - beta))],
  };
}

/**
 * Concentration at `time` after any series of infusions, by superposition (the model is linear): each
 * infusion at rate R = amount/duration contributes Σ R·(c_i/λ_i)·(1 − e^(−λ_i·min(τ, d)))·e^(−λ_i·max(τ − d, 0))
 * with τ = time − start.
 */
export function concentration(model: CompartmentModel, infusions: readonly Infusion[], time: number): number {
  const { rates, coefficients } = disposition(model);
  let total = 0;
  for (const infusion of infusions) {
    if (!(infusion.duration > 0))
      throw new ValidationError([{ path: "duration", value: infusion.duration, message: "must be > 0 hours" }], "infusion");
    const tau = time - infusion.start;
    if (tau <= 0) continue;
    const rate = infusion.amount / infusion.duration;
    for (let i = 0; i < rates.length; i++) {
      const lambda = rates[i]!;
      total +=
        ((rate * coefficients[i]!) / lambda) *
        (1 - Math.exp(-lambda * Math.min(tau, infusion.duration))) *
        Math.exp(-lambda * Math.max(tau - infusion.duration, 0));
    }
  }
  return total;
}

/** Terminal half-life of the model: ln 2 over the smallest rate. */
export function terminalHalfLife(model: CompartmentModel): number {
  return Math.LN2 / Math.min(...disposition(model).rates);
}
