import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { ValidationError } from "../validation.js";
import { calibrateByPcs, logisticCalibrationSet } from "./calibration.js";
import { exactOperatingCharacteristics } from "./exact.js";

const CRM = { design: "crm", target: 0.25, doses: 4, cohortSize: 3, cohorts: 6, skeleton: [0.08, 0.16, 0.25, 0.35] };

describe("the logistic calibration set", () => {
  it("puts dose ν at the target in scenario ν, with the odds multiplied by ψ from dose to dose", () => {
    const set = logisticCalibrationSet(0.25, 5, 1.8);
    expect(set.map((s) => s.mtd)).toEqual([1, 2, 3, 4, 5]);
    const odds = (p: number) => p / (1 - p);
    for (const [v, scenario] of set.entries()) {
      expect(scenario.truth[v]).toBeCloseTo(0.25, 14);
      for (let i = 1; i < 5; i++) expect(odds(scenario.truth[i]!) / odds(scenario.truth[i - 1]!)).toBeCloseTo(1.8, 12);
    }
    // dfcrm's getn: the neighbours of the MTD at odds ratio 1.8 are θ/(θ + ψ(1 − θ)) and θψ/(1 − θ + θψ).
    expect(set[2]!.truth[1]).toBeCloseTo(0.25 / (0.25 + 1.8 * 0.75), 14);
    expect(set[2]!.truth[3]).toBeCloseTo((0.25 * 1.8) / (0.75 + 0.25 * 1.8), 14);
    expect(() => logisticCalibrationSet(0.25, 5, 1)).toThrow(/oddsRatio/);
  });
});

describe("calibration by probability of correct selection (Lee & Cheung 2009)", () => {
  const result = calibrateByPcs(CRM, { oddsRatio: 2, grid: { priorVariance: [0.5, 1.34] } });

  it("tries every half-width below the target on a 0.01 grid, with every prior variance given", () => {
    expect(result.candidates).toHaveLength(24 * 2);
    expect(result.candidates[0]!.values).toEqual({ halfWidth: 0.01, priorVariance: 0.5 });
    expect(result.candidates.at(-1)!.values).toEqual({ halfWidth: 0.24, priorVariance: 1.34 });
  });

  it("scores each candidate by the exact PCS of its own skeleton in each scenario, computed independently", () => {
    for (const candidate of [result.candidates[3]!, result.candidates[30]!]) {
      const design = createDesign({
        ...CRM,
        skeleton: { halfWidth: candidate.values.halfWidth!, priorMtd: 2 },
        priorVariance: candidate.values.priorVariance!,
      });
      result.scenarios.forEach((scenario, s) => {
        expect(candidate.pcs[s]).toBe(exactOperatingCharacteristics(design, { truth: scenario.truth }).selection[scenario.mtd - 1]);
      });
      expect(candidate.averagePcs).toBeCloseTo(candidate.pcs.reduce((a, b) => a + b, 0) / 4, 15);
    }
  });

  it("keeps the first candidate of the highest average PCS, with its design file", () => {
    const highest = Math.max(...result.candidates.map((c) => c.averagePcs));
    const first = result.candidates.find((c) => c.averagePcs > highest - 1e-12)!;
    expect(result.best.values).toEqual(first.values);
    expect(result.candidates[result.best.index]).toBe(first);
    // What to write into the design file: the skeleton by its half-width, the prior variance only if it moved.
    expect(result.best.changes).toEqual({
      skeleton: { halfWidth: first.values.halfWidth, priorMtd: 2 },
      ...(first.values.priorVariance === 1.34 ? {} : { priorVariance: first.values.priorVariance }),
    });
    expect(result.best.spec).toMatchObject({
      skeleton: { halfWidth: first.values.halfWidth, priorMtd: 2 },
      priorVariance: first.values.priorVariance,
    });
    // Not an end of the grid: too narrow and too wide an interval both lose.
    expect(result.best.values.halfWidth).toBeGreaterThan(0.01);
    expect(result.best.values.halfWidth).toBeLessThan(0.24);
  });

  it("refuses what it cannot calibrate, naming the field", () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof ValidationError ? error.issues[0] : error;
      }
      return null;
    };
    expect(refusal(() => calibrateByPcs({ design: "boin", target: 0.3, doses: 4 }))).toMatchObject({ path: "design" });
    expect(refusal(() => calibrateByPcs(CRM, { grid: { intercept: [1, 2] } }))).toMatchObject({ path: "grid.intercept" });
    expect(refusal(() => calibrateByPcs(CRM, { scenarios: [{ name: "s", truth: [0.1, 0.2, 0.3, 0.4], mtd: 5 }] }))).toMatchObject({
      path: "scenarios.0.mtd",
    });
  });
});
