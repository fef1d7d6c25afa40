import { describe, expect, it } from "vitest";
import { exactOperatingCharacteristics } from "../../simulate/exact.js";
import { simulate } from "../../simulate/monte-carlo.js";
import { createDesign } from "../design.js";
import { CrmModel } from "./model.js";
import { CrmPosterior } from "./posterior.js";

const SKELETON = [0.05, 0.12, 0.25, 0.4, 0.55];
const tite = (extra: Record<string, unknown> = {}) =>
  createDesign({ design: "tite-crm", target: 0.25, doses: 5, skeleton: SKELETON, window: 28, cohorts: 12, ...extra });

describe("TITE-CRM (Cheung & Chappell 2000)", () => {
  it("weights a patient without DLT by the fraction of the window followed", () => {
    const model = new CrmModel("empiric", SKELETON, 3);
    const pending = new CrmPosterior(model, 1.34).fit({
      patients: Int32Array.from([3, 1, 0, 0, 0]),
      dlts: Int32Array.from([0, 1, 0, 0, 0]),
      pendingDose: Int32Array.from([1, 1]),
      pendingWeight: Float64Array.from([0.5, 0.25]),
      pendingCount: 2,
    });
    // Reference: ∫ β L(β) φ(β) / ∫ L(β) φ(β) with L = (1 − p₁)³ · p₂ · (1 − 0.5 p₂)(1 − 0.25 p₂), by a fine Riemann sum.
    let total = 0;
    let first = 0;
    for (let beta = -15; beta <= 15; beta += 1e-4) {
      const p1 = model.toxicity(0, beta);
      const p2 = model.toxicity(1, beta);
      const f = Math.exp((-0.5 * beta * beta) / 1.34) * (1 - p1) ** 3 * p2 * (1 - 0.5 * p2) * (1 - 0.25 * p2);
      total += f;
      first += f * beta;
    }
    expect(Math.abs(pending.mean - first / total)).toBeLessThan(1e-7);
  });

  it("reads follow-up from the outcome notation: a partly followed patient counts between absent and complete", () => {
    const design = tite();
    const betaOf = (history: string) => design.decide(history).betaHat!;
    const complete = betaOf("1N 1N 2T 2N");
    const partial = betaOf("1N 1N 2T 2N[14]");
    const absent = betaOf("1N 1N 2T");
    expect(partial).toBeGreaterThan(absent);
    expect(partial).toBeLessThan(complete);
    // Follow-up beyond the window is complete information.
    expect(betaOf("1N 1N 2T 2N[40]")).toBeCloseTo(complete, 12);
  });

  it("refuses follow-up times where they mean nothing", () => {
    expect(() => tite().decide("1N 2T[3]")).toThrow(/a DLT is complete information/);
    const crm = createDesign({ design: "crm", target: 0.25, doses: 5, skeleton: SKELETON });
    expect(() => crm.decide("1N 2N[3]")).toThrow(/follow-up times such as N\[14\] are used only by time-to-event designs \(.*tite-crm.*\)/);
    expect(() => exactOperatingCharacteristics(tite(), { truth: [0.05, 0.1, 0.2, 0.3, 0.4] })).toThrow(/cannot be enumerated exactly/);
    expect(() => tite({ expansion: 6 })).toThrow(/expansion: is not available for tite-crm/);
  });

  it("simulates staggered enrolment reproducibly, and like the CRM when each cohort completes before the next", () => {
    const truth = [0.05, 0.12, 0.25, 0.4, 0.55];
    const staggered = simulate(tite({ cohortSize: 1, cohorts: 12, arrivalInterval: 7 }), { truth, trials: 2000, seed: 4 });
    expect(simulate(tite({ cohortSize: 1, cohorts: 12, arrivalInterval: 7 }), { truth, trials: 2000, seed: 4 })).toEqual(staggered);
    expect(staggered.sampleSize).toBeLessThanOrEqual(12);
    // Arrivals a full window apart: every outcome is known at each decision, so this is the CRM.
    const sequential = simulate(tite({ cohortSize: 3, cohorts: 5, arrivalInterval: 28 }), { truth, trials: 4000, seed: 5 });
    const crm = exactOperatingCharacteristics(createDesign({ design: "crm", target: 0.25, doses: 5, skeleton: SKELETON, cohorts: 5 }), {
      truth,
    });
    const se = sequential.standardErrors!;
    for (let d = 0; d < 5; d++) {
      expect(Math.abs(sequential.selection[d]! - crm.selection[d]!)).toBeLessThanOrEqual(3 * se.selection[d]! + 1e-9);
      expect(Math.abs(sequential.patients[d]! - crm.patients[d]!)).toBeLessThanOrEqual(3 * se.patients[d]! + 1e-9);
    }
  });
});
