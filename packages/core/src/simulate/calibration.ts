import { createDesign, type Design } from "../designs/design.js";
import type { DesignSpec, DesignSpecInput } from "../designs/spec.js";
import { ValidationError } from "../validation.js";
import { exactOperatingCharacteristics } from "./exact.js";
import { checkTruth } from "./scenario.js";

/** A calibration scenario: true DLT rates per dose, and the dose (1-based) a correct selection picks. */
export interface CalibrationScenario {
  name: string;
  truth: number[];
  mtd: number;
}

/**
 * The logistic calibration set (Cheung 2011; dfcrm's getn): one scenario per dose ν, with dose ν at the
 * target and the odds of a DLT multiplied by `oddsRatio` from each dose to the next:
 * logit p_i = logit(target) + (i − ν) · log(oddsRatio).
 */
export function logisticCalibrationSet(target: number, doses: number, oddsRatio: number): CalibrationScenario[] {
  if (!(oddsRatio > 1 && oddsRatio <= 100))
    throw new ValidationError([{ path: "oddsRatio", value: oddsRatio, message: "must be in (1, 100]" }], "calibration");
  const logit = Math.log(target / (1 - target));
  return Array.from({ length: doses }, (_, v) => ({
    name: `MTD at dose ${v + 1}`,
    truth: Array.from({ length: doses }, (_, i) => 1 / (1 + Math.exp(-(logit + (i - v) * Math.log(oddsRatio))))),
    mtd: v + 1,
  }));
}

export interface CalibrationOptions {
  /** Scenarios to average the probability of correct selection over; default: the logistic calibration set. */
  scenarios?: CalibrationScenario[];
  /** Odds ratio between neighbouring doses in the default scenarios (default 2). */
  oddsRatio?: number;
  /** Values to try per parameter, replacing the design's defaults (e.g. { priorVariance: [0.5, 1.34] }). */
  grid?: Record<string, number[]>;
  /** Called after each candidate: how many of how many are done. */
  onProgress?: (done: number, total: number) => void;
}

export interface CalibrationCandidate {
  values: Record<string, number>;
  /** Exact probability of correct selection in each scenario. */
  pcs: number[];
  averagePcs: number;
}

export interface CalibrationResult {
  scenarios: CalibrationScenario[];
  /** Every combination tried, in grid order. */
  candidates: CalibrationCandidate[];
  /**
   * The first candidate with the highest average PCS: its place in `candidates`, its design file, and
   * the fields of that file that differ from the design calibrated (what to write into it).
   */
  best: CalibrationCandidate & { index: number; spec: DesignSpec; changes: Record<string, unknown> };
}

/**
 * Calibration by probability of correct selection (Lee & Cheung 2009): every combination of the design's
 * calibratable parameters on its grid is judged by the average, over scenarios, of the exact probability
 * that it selects the scenario's MTD; the best is kept (the first in grid order on a tie, so the smallest
 * values). Exact enumeration makes the comparison free of Monte Carlo error, and a model-based design
 * memoises its posterior per state, so the scenarios of one candidate share that work.
 */
export function calibrateByPcs(input: DesignSpecInput | unknown, options: CalibrationOptions = {}): CalibrationResult {
  const design = createDesign(input);
  const spec = design.spec;
  const calibration = design.module.calibration as
    | { grid(spec: DesignSpec): Record<string, number[]>; apply(spec: DesignSpec, values: Record<string, number>): DesignSpec }
    | undefined;
  if (!calibration)
    throw new ValidationError(
      [{ path: "design", value: spec.design, message: "has no parameters calibrated by probability of correct selection" }],
      "calibration",
    );
  const target = design.spec.target;
  if (target === undefined)
    throw new ValidationError([{ path: "target", message: "is needed for the calibration scenarios" }], "calibration");
  const scenarios = options.scenarios ?? logisticCalibrationSet(target, design.doseCount, options.oddsRatio ?? 2);
  for (const [s, scenario] of scenarios.entries()) checkScenario(scenario, s, design);
  const grid = { ...calibration.grid(design.spec) };
  for (const [name, values] of Object.entries(options.grid ?? {})) {
    if (!(name in grid))
      throw new ValidationError(
        [{ path: `grid.${name}`, message: `is not calibrated for ${spec.design} (it calibrates ${Object.keys(grid).join(", ")})` }],
        "calibration",
      );
    if (values.length === 0) throw new ValidationError([{ path: `grid.${name}`, message: "needs at least one value" }], "calibration");
    grid[name] = values;
  }
  const combinations = Object.entries(grid).reduce<Record<string, number>[]>(
    (partial, [name, values]) => partial.flatMap((values0) => values.map((value) => ({ ...values0, [name]: value }))),
    [{}],
  );
  const candidates: (CalibrationCandidate & { spec: DesignSpec })[] = [];
  for (const [i, values] of combinations.entries()) {
    let candidate: Design;
    try {
      candidate = createDesign(calibration.apply(design.spec, values));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        error.issues.map((issue) => ({ ...issue, path: `grid (${JSON.stringify(values)}): ${issue.path ?? ""}` })),
        "calibration",
      );
    }
    const pcs = scenarios.map(
      (scenario) => exactOperatingCharacteristics(candidate, { truth: scenario.truth }).selection[scenario.mtd - 1]!,
    );
    candidates.push({ values, pcs, averagePcs: pcs.reduce((a, b) => a + b, 0) / pcs.length, spec: candidate.spec });
    options.onProgress?.(i + 1, combinations.length);
  }
  let index = 0;
  for (const [i, candidate] of candidates.entries()) if (candidate.averagePcs > candidates[index]!.averagePcs + 1e-12) index = i;
  const best = candidates[index]!;
  const changes = Object.fromEntries(
    Object.entries(best.spec).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify((spec as Record<string, unknown>)[key])),
  );
  return { scenarios, candidates: candidates.map(({ spec: _spec, ...rest }) => rest), best: { ...best, index, changes } };
}

function checkScenario(scenario: CalibrationScenario, index: number, design: Design): void {
  checkTruth(scenario.truth, design.doseCount);
  if (!(Number.isInteger(scenario.mtd) && scenario.mtd >= 1 && scenario.mtd <= design.doseCount))
    throw new ValidationError(
      [{ path: `scenarios.${index}.mtd`, value: scenario.mtd, message: `must be a dose in 1..${design.doseCount}` }],
      "calibration",
    );
}
