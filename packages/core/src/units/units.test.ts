import { describe, expect, it } from "vitest";
import { canonicalTestCode, conversionFactor, convertValue, readUnit } from "./units.js";

describe("lab units read into UCUM", () => {
  it.each([
    ["µmol/L", "umol/L"], // micro sign
    ["μmol/L", "umol/L"], // Greek mu
    ["umol/L", "umol/L"],
    ["10^9/L", "10*9/L"],
    ["x10^9/L", "10*9/L"],
    ["10E9/L", "10*9/L"],
    ["GI/L", "10*9/L"],
    ["mEq/L", "meq/L"],
    ["MG/DL", "mg/dL"],
    ["mg/24h", "mg/(24.h)"],
    ["sec", "s"],
    ["mIU/mL", "m[IU]/mL"],
  ])("%s → %s", (text, code) => {
    expect(readUnit(text)).toEqual({ ok: true, value: code });
  });

  it("reads IU/L as the enzyme unit U/L for enzyme tests only", () => {
    expect(readUnit("IU/L", "ALT")).toEqual({ ok: true, value: "U/L" });
    expect(readUnit("IU/L", "SGPT")).toEqual({ ok: true, value: "U/L" });
    expect(readUnit("IU/L")).toEqual({ ok: true, value: "[IU]/L" });
    expect(conversionFactor("IU/L", "U/L", "ALT")).toEqual({ ok: true, value: 1 });
    expect(conversionFactor("IU/L", "U/L", "INSULIN").ok).toBe(false);
  });

  it("names what it cannot read", () => {
    expect(readUnit("mg/dLx")).toEqual({ ok: false, reason: '"mg/dLx" is not a unit of UCUM or the SDTM unit codelist' });
  });

  it("converts mass and substance concentrations with the analyte's molar mass, equivalents with its charge", () => {
    // Creatinine 113.12 g/mol: 1 mg/dL = 10 mg/L / 113.12 g/mol = 88.40 µmol/L (CTCAE prints 88.4).
    const creatinine = convertValue(1, "mg/dL", "µmol/L", "CREAT");
    expect(creatinine.ok && creatinine.value).toBeCloseTo(88.4017, 3);
    // Bilirubin 584.66 g/mol: 1 mg/dL = 17.10 µmol/L.
    const bilirubin = convertValue(1, "mg/dL", "umol/L", "BILI");
    expect(bilirubin.ok && bilirubin.value).toBeCloseTo(17.1038, 3);
    // Calcium 40.078 g/mol: 8.0 mg/dL = 1.996 mmol/L.
    const calcium = convertValue(8, "mg/dL", "mmol/L", "CA");
    expect(calcium.ok && calcium.value).toBeCloseTo(1.99611, 4);
    expect(convertValue(140, "mEq/L", "mmol/L", "SODIUM")).toEqual({ ok: true, value: 140 });
    expect(convertValue(8, "g/L", "g/dL", "SPEP")).toEqual({ ok: true, value: 0.8 });
    const counts = convertValue(1500, "cells/uL", "10^9/L", "NEUT");
    expect(counts.ok && counts.value).toBeCloseTo(1.5, 12);
    expect(convertValue(1, "mg/dL", "umol/L", "XYZ")).toEqual({
      ok: false,
      reason: "mg/dL cannot be converted to umol/L for XYZ (no molar mass is known for this test)",
    });
    expect(convertValue(1, "mg/dL", "s").ok).toBe(false);
  });

  it("knows the test codes sites send", () => {
    expect(["ANC", "anc", "PLT", "SGPT", "TBILI", "CREA", "NA"].map(canonicalTestCode)).toEqual([
      "NEUT",
      "NEUT",
      "PLAT",
      "ALT",
      "BILI",
      "CREAT",
      "SODIUM",
    ]);
    expect(canonicalTestCode("NEUT")).toBe("NEUT");
  });
});
