import { describe, expect, it } from "vitest";
import { CTCAE_V5 } from "./ctcae-v5.js";
import { gradeLab, worstLabGrade } from "./grading.js";

const grade = (test: string, value: number, unit: string, limits: { lln?: number; uln?: number; baseline?: number } = {}) =>
  worstLabGrade({ test, value, unit, ...limits }).grade;

describe("CTCAE v5.0 lab grading", () => {
  it("grades platelets on both sides of every threshold (LLN 150 ×10⁹/L)", () => {
    const lln = { lln: 150 };
    expect(grade("PLAT", 150, "10^9/L", lln)).toBe(0);
    expect(grade("PLAT", 149, "10^9/L", lln)).toBe(1);
    expect(grade("PLAT", 75, "10^9/L", lln)).toBe(1);
    expect(grade("PLAT", 74.9, "10^9/L", lln)).toBe(2);
    expect(grade("PLAT", 50, "10^9/L", lln)).toBe(2);
    expect(grade("PLAT", 49.9, "10^9/L", lln)).toBe(3);
    expect(grade("PLAT", 25, "10^9/L", lln)).toBe(3);
    expect(grade("PLAT", 24.9, "10^9/L", lln)).toBe(4);
    // Conventional units: cells/µL.
    expect(grade("PLAT", 24_000, "cells/uL", { lln: 150_000 })).toBe(4);
  });

  it("grades neutrophils, white cells and lymphocytes", () => {
    expect(grade("NEUT", 1.5, "10^9/L", { lln: 2 })).toBe(1);
    expect(grade("NEUT", 1.49, "10^9/L", { lln: 2 })).toBe(2);
    expect(grade("NEUT", 0.99, "10^9/L", { lln: 2 })).toBe(3);
    expect(grade("NEUT", 0.49, "10^9/L", { lln: 2 })).toBe(4);
    expect(grade("WBC", 1.99, "10^9/L", { lln: 4 })).toBe(3);
    expect(grade("WBC", 0.99, "10^9/L", { lln: 4 })).toBe(4);
    expect(grade("LYM", 0.8, "10^9/L", { lln: 1 })).toBe(1);
    expect(grade("LYM", 0.19, "10^9/L", { lln: 1 })).toBe(4);
  });

  it("grades haemoglobin in g/L, g/dL and mmol/L (grade 4 is clinical)", () => {
    expect(grade("HGB", 10.0, "g/dL", { lln: 12 })).toBe(1);
    expect(grade("HGB", 9.9, "g/dL", { lln: 12 })).toBe(2);
    expect(grade("HGB", 79, "g/L", { lln: 120 })).toBe(3);
    expect(grade("HGB", 4.0, "mmol/L", { lln: 7.4 })).toBe(3); // 4.0 mmol/L = 64 g/L
    expect(grade("HGB", 40, "g/L", { lln: 120 })).toBe(3);
  });

  it("grades ALT by multiples of ULN, or of baseline when baseline was abnormal (v5)", () => {
    const uln = { uln: 40 };
    expect(grade("ALT", 40, "U/L", uln)).toBe(0);
    expect(grade("ALT", 41, "U/L", uln)).toBe(1);
    expect(grade("ALT", 120, "U/L", uln)).toBe(1);
    expect(grade("ALT", 121, "U/L", uln)).toBe(2);
    expect(grade("ALT", 201, "U/L", uln)).toBe(3);
    expect(grade("ALT", 801, "U/L", uln)).toBe(4);
    // Baseline 80 U/L (2×ULN): grade 1 from 1.5× baseline (120), grade 2 above 3× baseline (240).
    const abnormal = { uln: 40, baseline: 80 };
    expect(grade("ALT", 119, "U/L", abnormal)).toBe(0);
    expect(grade("ALT", 120, "U/L", abnormal)).toBe(1);
    expect(grade("ALT", 241, "U/L", abnormal)).toBe(2);
    expect(worstLabGrade({ test: "ALT", value: 241, unit: "U/L", ...abnormal }).reason).toMatch(/baseline abnormal/);
  });

  it("grades bilirubin and alkaline phosphatase at their own multiples", () => {
    expect(grade("BILI", 1.5, "mg/dL", { uln: 1.0 })).toBe(1);
    expect(grade("BILI", 1.51, "mg/dL", { uln: 1.0 })).toBe(2);
    expect(grade("BILI", 10.1, "mg/dL", { uln: 1.0 })).toBe(4);
    expect(grade("ALP", 250, "U/L", { uln: 100 })).toBe(1);
    expect(grade("ALP", 251, "U/L", { uln: 100 })).toBe(2);
    expect(grade("ALP", 399, "U/L", { uln: 100, baseline: 200 })).toBe(0); // < 2× baseline
    expect(grade("ALP", 400, "U/L", { uln: 100, baseline: 200 })).toBe(1);
  });

  it("grades creatinine by ULN or by baseline, whichever gives the higher grade", () => {
    expect(grade("CREAT", 1.6, "mg/dL", { uln: 1.2 })).toBe(1);
    expect(grade("CREAT", 1.6, "mg/dL", { uln: 1.2, baseline: 1.0 })).toBe(2); // > 1.5× baseline
    expect(grade("CREAT", 7.3, "mg/dL", { uln: 1.2 })).toBe(4);
  });

  it("grades potassium both ways, with the grade 2 that needs symptoms noted", () => {
    const hypo = gradeLab({ test: "K", value: 3.2, unit: "mmol/L", lln: 3.5, uln: 5.1 });
    expect(hypo.map((g) => [g.term, g.grade])).toEqual([
      ["Hypokalemia", 1],
      ["Hyperkalemia", 0],
    ]);
    expect(hypo[0]!.note).toMatch(/grade 2 if symptomatic/);
    expect(grade("K", 2.9, "mmol/L", { lln: 3.5, uln: 5.1 })).toBe(3);
    expect(grade("K", 6.1, "mEq/L", { lln: 3.5, uln: 5.1 })).toBe(3);
  });

  it("grades sodium, calcium (mg/dL), glucose and albumin", () => {
    expect(grade("SODIUM", 129, "mmol/L", { lln: 135, uln: 145 })).toBe(2);
    expect(grade("SODIUM", 119, "mmol/L", { lln: 135, uln: 145 })).toBe(4);
    expect(grade("CA", 7.9, "mg/dL", { lln: 8.5, uln: 10.5 })).toBe(2); // 1.97 mmol/L
    // Conventional-unit thresholds as printed (13.5 mg/dL), not converted from 3.4 mmol/L.
    expect(grade("CA", 13.6, "mg/dL", { lln: 8.5, uln: 10.5 })).toBe(4);
    expect(grade("CA", 13.5, "mg/dL", { lln: 8.5, uln: 10.5 })).toBe(3);
    expect(grade("CA", 3.41, "mmol/L", { lln: 2.1, uln: 2.6 })).toBe(4);
    expect(grade("GLUC", 50, "mg/dL", { lln: 70, uln: 100 })).toBe(2);
    expect(grade("ALB", 2.9, "g/dL", { lln: 3.5 })).toBe(2);
  });

  it("says clearly when a value cannot be graded", () => {
    expect(worstLabGrade({ test: "PLAT", value: 140, unit: "10^9/L" })).toMatchObject({
      grade: null,
      reason: expect.stringMatching(/needs LLN/),
    });
    // Without LLN a low enough value still grades: the higher grades use absolute thresholds.
    expect(grade("PLAT", 60, "10^9/L")).toBe(2);
    expect(worstLabGrade({ test: "PLAT", value: 60, unit: "g/L" }).reason).toBe(
      "g/L cannot be converted to 10^9/L for PLAT; CTCAE v5.0 grades PLAT in 10^9/L",
    );
    expect(gradeLab({ test: "GLUC", value: 400, unit: "mg/dL", uln: 100 }).find((g) => g.term === "Hyperglycemia")!.reason).toMatch(
      /intervention/,
    );
    expect(worstLabGrade({ test: "XYZ", value: 1, unit: "U/L" }).reason).toMatch(/no lab criterion for test "XYZ"/);
  });

  it("keeps the criteria as versioned data", () => {
    expect(CTCAE_V5.version).toBe("5.0");
    const tests = new Set(CTCAE_V5.criteria.map((c) => c.test));
    for (const test of [
      "PLAT",
      "NEUT",
      "WBC",
      "HGB",
      "LYM",
      "ALT",
      "AST",
      "BILI",
      "ALP",
      "GGT",
      "CREAT",
      "K",
      "SODIUM",
      "CA",
      "GLUC",
      "ALB",
    ]) {
      expect(tests.has(test), test).toBe(true);
    }
  });
});
