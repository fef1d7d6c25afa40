import { describe, expect, it } from "vitest";
import { checkDesign, DESIGNS, defaultForm, defaultScenarios, scenarioError, specOf } from "./design-form.js";

describe("the design form", () => {
  it("writes the design file the CLI reads", () => {
    expect(specOf(defaultForm("boin"))).toEqual({ design: "boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10 });
    const blrm = specOf({ ...defaultForm("blrm"), doses: "1 mg/kg, 2.5 mg/kg" });
    expect(blrm.doses).toEqual([
      { label: "1 mg/kg", amount: 1 },
      { label: "2.5 mg/kg", amount: 2.5 },
    ]);
    expect(specOf({ ...defaultForm("crm"), other: '{"model": "logistic"}' })).toMatchObject({
      model: "logistic",
      skeleton: [0.05, 0.12, 0.25, 0.4, 0.55],
    });
  });

  it("keeps the safe defaults on, and writes only what turns one off", () => {
    expect(specOf(defaultForm("crm"))).not.toHaveProperty("allowSkipping");
    expect(specOf(defaultForm("crm"))).not.toHaveProperty("coherent");
    expect(specOf({ ...defaultForm("crm"), noSkipping: false, coherent: false })).toMatchObject({ allowSkipping: true, coherent: false });
    const checked = checkDesign(defaultForm("blrm"));
    expect(checked.design?.spec).toMatchObject({ allowSkipping: false, coherent: true });
  });

  it.each(DESIGNS.map((d) => d.value))("starts %s from a valid design", (design) => {
    const checked = checkDesign(defaultForm(design));
    expect(checked.errors).toEqual({});
    expect(checked.design?.spec.design).toBe(design);
  });

  it("puts each of the core's validation messages on the field that caused it", () => {
    expect(checkDesign({ ...defaultForm(), target: "1.5" }).errors.target).toMatch(/target/);
    expect(checkDesign({ ...defaultForm(), target: "abc" }).errors.target).toBeDefined();
    expect(checkDesign({ ...defaultForm("crm"), skeleton: "0.3, 0.2, 0.4, 0.5, 0.6" }).errors.skeleton).toMatch(/increasing/);
    expect(checkDesign({ ...defaultForm(), other: "{not json" }).errors.other).toMatch(/JSON/);
    const valid = checkDesign(defaultForm());
    expect(valid.errors).toEqual({});
    expect(valid.design?.doseCount).toBe(5);
  });

  it("offers non-decreasing default scenarios of the right length", () => {
    for (const scenario of defaultScenarios(6, 0.25)) {
      const truth = scenario.truth.split(",").map(Number);
      expect(truth).toHaveLength(6);
      for (let i = 1; i < truth.length; i++) expect(truth[i]!).toBeGreaterThanOrEqual(truth[i - 1]!);
    }
  });

  it("offers presets with distinct names and curves for any dose count (four doses: MTD at 2, at 3, none)", () => {
    expect(defaultScenarios(4, 0.3).map((s) => s.name)).toEqual(["MTD at dose 2", "MTD at dose 3", "all doses safe"]);
    for (let doses = 2; doses <= 8; doses++) {
      const presets = defaultScenarios(doses, 0.3);
      expect(new Set(presets.map((s) => s.name)).size, `${doses} doses`).toBe(presets.length);
      expect(new Set(presets.map((s) => s.truth)).size, `${doses} doses`).toBe(presets.length);
    }
  });

  it("checks a scenario as it is typed", () => {
    expect(scenarioError("0.05, 0.1, 0.2", 3)).toBeUndefined();
    expect(scenarioError("0.05, 0.1", 3)).toMatch(/3/);
    expect(scenarioError("0.2, 0.1, 0.3", 3)).toMatch(/^dose 2: .*previous dose/);
    expect(scenarioError("0.1, x, 0.3", 3)).toMatch(/numbers/);
    expect(scenarioError("0.1, 0.2, 1.3", 3)).toBeDefined();
  });
});
