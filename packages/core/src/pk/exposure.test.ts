import { describe, expect, it } from "vitest";
import { logisticFit, powerModel, studentTQuantile } from "./exposure.js";

describe("exposure analyses", () => {
  it("takes Student's t quantiles from the incomplete beta", () => {
    // Tables: t(0.975; 1) = 12.7062, t(0.975; 2) = 4.3027, t(0.975; 10) = 2.2281.
    expect(studentTQuantile(1)).toBeCloseTo(12.706204736, 6);
    expect(studentTQuantile(2)).toBeCloseTo(4.30265273, 6);
    expect(studentTQuantile(10)).toBeCloseTo(2.228138852, 6);
  });

  it("fits the power model by least squares on the log scale, with the t interval of the slope", () => {
    // ln dose 0, 1, 2 and ln AUC 0, 1.2, 1.8 by hand: slope 1.8 / 2 = 0.9, intercept 0.1, residuals
    // −0.1, 0.2, −0.1 (RSS 0.06), SE √(0.06 / 1 / 2) = 0.17321, 95% CI 0.9 ± 12.7062 · 0.17321.
    const model = powerModel([1, Math.E, Math.E ** 2], [1, Math.exp(1.2), Math.exp(1.8)])!;
    expect(model.slope).toBeCloseTo(0.9, 12);
    expect(model.intercept).toBeCloseTo(0.1, 12);
    expect(model.lower).toBeCloseTo(0.9 - 12.706204736 * Math.sqrt(0.03), 6);
    expect(model.upper).toBeCloseTo(0.9 + 12.706204736 * Math.sqrt(0.03), 6);
    // Exactly proportional data: slope 1 and a degenerate interval.
    const exact = powerModel([1, 2, 4, 8], [10, 20, 40, 80])!;
    expect([exact.slope, exact.lower, exact.upper].map((v) => Number(v!.toFixed(10)))).toEqual([1, 1, 1]);
    expect(powerModel([2, 2, 2], [1, 2, 3])).toBeNull(); // one dose: no slope
  });

  it("finds the logistic MLE and its Wald interval (two groups: closed form)", () => {
    // x = 0: 1 of 4 events; x = 1: 3 of 4. MLE intercept logit(1/4), slope logit(3/4) − logit(1/4) =
    // 2 ln 3; Var(slope) = 1/(4 · 3/16) + 1/(4 · 3/16) = 8/3.
    const x = [0, 0, 0, 0, 1, 1, 1, 1];
    const events = [true, false, false, false, true, true, true, false];
    const fit = logisticFit(x, events)!;
    expect(fit.intercept).toBeCloseTo(Math.log(1 / 3), 10);
    expect(fit.slope).toBeCloseTo(2 * Math.log(3), 10);
    expect(fit.upper - fit.slope).toBeCloseTo(1.959963984540054 * Math.sqrt(8 / 3), 8);
    expect(fit).toMatchObject({ n: 8, events: 4 });
  });

  it("says when the MLE does not exist", () => {
    expect(logisticFit([1, 2, 3, 4], [false, false, true, true])).toBeNull(); // complete separation
    expect(logisticFit([1, 2, 3], [false, false, false])).toBeNull(); // no events
  });
});
