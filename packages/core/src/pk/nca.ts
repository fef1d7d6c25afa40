import { ValidationError, type ValidationIssue } from "../validation.js";

export interface NcaInput {
  /** Sampling times (hours from the start of the dose), increasing. */
  times: readonly number[];
  /** Concentrations (e.g. µg/mL), ≥ 0; 0 for below the limit of quantification. */
  concentrations: readonly number[];
  /** Dose (e.g. mg); needed for clearance and volume. */
  dose?: number;
}

export interface LambdaZ {
  lambdaZ: number;
  halfLife: number;
  adjustedR2: number;
  /** Points used: the last `points` measurable concentrations after Cmax. */
  points: number;
  intercept: number;
}

export interface NcaResult {
  cmax: number;
  tmax: number;
  tlast: number;
  clast: number;
  aucLast: number;
  lambdaZ: LambdaZ | null;
  aucInf: number | null;
  /** Percentage of AUCinf extrapolated beyond tlast. */
  percentExtrapolated: number | null;
  clearance: number | null;
  volumeZ: number | null;
  /** Quality flags in words (e.g. "λz from fewer than 3 points"), empty when all is well. */
  flags: string[];
}

/** Adjusted R² of the λz regressions within this of the best count as ties; the longest of them wins. */
export const LAMBDA_Z_TOLERANCE = 1e-4;
const MIN_LAMBDA_Z_POINTS = 3;

function check(input: NcaInput): void {
  const issues: ValidationIssue[] = [];
  const { times, concentrations } = input;
  if (times.length !== concentrations.length) {
    issues.push({
      path: "concentrations",
      message: `must have one value per time (${times.length} times, ${concentrations.length} values)`,
    });
  }
  if (times.length < 2) issues.push({ path: "times", value: times, message: "must have at least 2 samples" });
  times.forEach((t, i) => {
    if (!Number.isFinite(t) || t < 0) issues.push({ path: `times.${i}`, value: t, message: "must be a time ≥ 0" });
    else if (i > 0 && !(t > times[i - 1]!))
      issues.push({ path: `times.${i}`, value: t, message: "must be after the previous time (increasing)" });
  });
  concentrations.forEach((c, i) => {
    if (!Number.isFinite(c) || c < 0) issues.push({ path: `concentrations.${i}`, value: c, message: "must be a concentration ≥ 0" });
  });
  if (input.dose !== undefined && !(input.dose > 0)) issues.push({ path: "dose", value: input.dose, message: "must be > 0" });
  if (issues.length > 0) throw new ValidationError(issues, "PK profile");
}

/**
 * Terminal elimination rate by the adjusted-R² rule: log-linear regressions on the last 3, 4, … measurable
 * concentrations after Cmax; the largest adjusted R² wins, and among those within 1e-4 of it, the one
 * with the most points. The slope must be negative.
 */
export function terminalRate(times: readonly number[], concentrations: readonly number[], afterIndex: number): LambdaZ | null {
  const t: number[] = [];
  const y: number[] = [];
  for (let i = afterIndex + 1; i < times.length; i++) {
    if (concentrations[i]! > 0) {
      t.push(times[i]!);
      y.push(Math.log(concentrations[i]!));
    }
  }
  const candidates: LambdaZ[] = [];
  for (let points = MIN_LAMBDA_Z_POINTS; points <= t.length; points++) {
    const ts = t.slice(t.length - points);
    const ys = y.slice(y.length - points);
    const meanT = ts.reduce((a, b) => a + b, 0) / points;
    const meanY = ys.reduce((a, b) => a + b, 0) / points;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (let i = 0; i < points; i++) {
      sxx += (ts[i]! - meanT) ** 2;
      sxy += (ts[i]! - meanT) * (ys[i]! - meanY);
      syy += (ys[i]! - meanY) ** 2;
    }
    const slope = sxy / sxx;
    if (!(slope < 0)) continue;
    const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
    const adjustedR2 = 1 - ((1 - r2) * (points - 1)) / (points - 2);
    candidates.push({ lambdaZ: -slope, halfLife: Math.LN2 / -slope, adjustedR2, points, intercept: meanY - slope * meanT });
  }
  if (candidates.length === 0) return null;
  const bestR2 = Math.max(...candidates.map((c) => c.adjustedR2));
  const near = candidates.filter((c) => c.adjustedR2 >= bestR2 - LAMBDA_Z_TOLERANCE);
  return near.reduce((a, b) => (b.points > a.points ? b : a));
}

/**
 * Non-compartmental analysis of one concentration–time profile: Cmax and Tmax (first occurrence),
 * AUC to the last measurable concentration by the linear-up/log-down trapezoidal rule, λz and the
 * terminal half-life (adjusted-R² rule), AUCinf = AUClast + Clast/λz, the extrapolated percentage,
 * CL = dose/AUCinf and Vz = CL/λz.
 */
export function nonCompartmental(input: NcaInput): NcaResult {
  check(input);
  const { times, concentrations } = input;
  const flags: string[] = [];
  let maxIndex = 0;
  for (let i = 1; i < concentrations.length; i++) if (concentrations[i]! > concentrations[maxIndex]!) maxIndex = i;
  let lastIndex = -1;
  for (let i = concentrations.length - 1; i >= 0; i--) {
    if (concentrations[i]! > 0) {
      lastIndex = i;
      break;
    }
  }
  if (lastIndex < 0) {
    return {
      cmax: 0,
      tmax: times[0]!,
      tlast: Number.NaN,
      clast: 0,
      aucLast: 0,
      lambdaZ: null,
      aucInf: null,
      percentExtrapolated: null,
      clearance: null,
      volumeZ: null,
      flags: ["no measurable concentration"],
    };
  }
  let aucLast = 0;
  for (let i = 1; i <= lastIndex; i++) {
    const dt = times[i]! - times[i - 1]!;
    const c1 = concentrations[i - 1]!;
    const c2 = concentrations[i]!;
    // Linear while rising (or at zero), logarithmic while falling.
    aucLast += c2 >= c1 || c1 <= 0 || c2 <= 0 ? (dt * (c1 + c2)) / 2 : (dt * (c1 - c2)) / Math.log(c1 / c2);
  }
  const clast = concentrations[lastIndex]!;
  const lambdaZ = terminalRate(times.slice(0, lastIndex + 1), concentrations.slice(0, lastIndex + 1), maxIndex);
  if (!lambdaZ) flags.push(`λz not estimable: fewer than ${MIN_LAMBDA_Z_POINTS} declining measurable points after Cmax`);
  else if (lambdaZ.adjustedR2 < 0.9) flags.push(`λz fit is poor (adjusted R² ${lambdaZ.adjustedR2.toFixed(3)} < 0.9)`);
  const aucInf = lambdaZ ? aucLast + clast / lambdaZ.lambdaZ : null;
  const percentExtrapolated = lambdaZ && aucInf ? (100 * (clast / lambdaZ.lambdaZ)) / aucInf : null;
  if (percentExtrapolated !== null && percentExtrapolated > 20)
    flags.push(`AUCinf extrapolates ${percentExtrapolated.toFixed(1)}% (> 20%)`);
  const clearance = input.dose !== undefined && aucInf ? input.dose / aucInf : null;
  const volumeZ = clearance !== null && lambdaZ ? clearance / lambdaZ.lambdaZ : null;
  return {
    cmax: concentrations[maxIndex]!,
    tmax: times[maxIndex]!,
    tlast: times[lastIndex]!,
    clast,
    aucLast,
    lambdaZ,
    aucInf,
    percentExtrapolated,
    clearance,
    volumeZ,
    flags,
  };
}
