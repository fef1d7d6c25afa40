import { describe, expect, it } from "vitest";
import { doseEscalationPlot, swimmerPlot } from "./plots.js";
import { doseOptimizationTables, noteText, trialReport } from "./trial-report.js";

/**
 * A BOIN12 trial with a randomized comparison: cohort 1 at dose 1 (A1–A3, A1 responds), cohort 2 at
 * dose 2 (B1–B3, B1 and B2 respond, B3 has a DLT), then R1 (dose 1) and R2 (dose 2) randomized, both
 * responding. Responses are RECIST target sums: 50 → 20 (−60%) on days 22 and 50 is a confirmed PR;
 * 50 → 48 is stable disease.
 */
function trial() {
  const patients = [
    ["A1", 1, 1],
    ["A2", 1, 1],
    ["A3", 1, 1],
    ["B1", 2, 2],
    ["B2", 2, 2],
    ["B3", 2, 2],
    ["R1", 1, 3, 1],
    ["R2", 2, 3, 2],
  ] as const;
  const responders = new Set(["A1", "B1", "B2", "R1", "R2"]);
  return {
    compound: { name: "X-1", target: "HER2", payload: "DM1" },
    trial: {
      id: "X-1-002",
      schedule: { cycleDays: 21, days: [1] },
      doseLevels: [
        { level: 1, amount: 1, unit: "mg/kg" },
        { level: 2, amount: 2, unit: "mg/kg" },
      ],
      dlt: { windowDays: 21, rules: [{ category: "non-haematological", minGrade: 3 }] },
      dataCutDate: "2026-06-30",
      responseCriteria: "RECIST",
      design: {
        design: "boin12",
        doses: 2,
        cohorts: 4,
        rules: [{ type: "randomized", perArm: 1, boundary: 0 }],
      },
    },
    patients: patients.map(([USUBJID, doseLevel, cohort, arm]) => ({
      USUBJID,
      WEIGHT: 70,
      HEIGHT: 170,
      doseLevel,
      cohort,
      RFXSTDTC: "2026-01-05",
      ...(arm === undefined ? {} : { randomizedArm: arm }),
    })),
    administrations: patients.map(([USUBJID, doseLevel]) => ({ USUBJID, EXSTDY: 1, EXDOSE: 70 * doseLevel })),
    adverseEvents: [{ USUBJID: "B3", AETERM: "Diarrhoea", AETOXGR: 3, AEREL: "Y", AESTDY: 6, AECAT: "non-haematological" }],
    tumours: patients.flatMap(([USUBJID]) =>
      [
        [1, 50],
        [22, responders.has(USUBJID) ? 20 : 48],
        [50, responders.has(USUBJID) ? 20 : 48],
      ].map(([TRDY, TRSTRESN]) => ({ USUBJID, TRLNKID: "T01", TRGRPID: "TARGET", TRDY, TRSTRESN, TRLOC: "liver" })),
    ),
  };
}

describe("the report's dose-optimization model", () => {
  const { report } = trialReport(trial());

  it("gives toxicity and efficacy by dose with exact intervals", () => {
    const [one, two] = report.doseLevels;
    expect(one).toMatchObject({ label: "1 mg/kg", patients: 4, dlts: 0, dltEvaluable: 4, assessed: 4, responders: 2 });
    expect(two).toMatchObject({ patients: 4, dlts: 1, dltEvaluable: 4, assessed: 4, responders: 3 });
    // Clopper–Pearson for 1 of 4: (1 − 0.975^(1/4)... ) — the beta quantiles, checked to 4 decimals.
    expect(two!.toxicity!.lower).toBeCloseTo(0.00631, 4);
    expect(two!.toxicity!.upper).toBeCloseTo(0.80589, 4);
    expect(one!.efficacy).toMatchObject({ estimate: 0.5 });
    expect(one!.efficacy!.lower).toBeCloseTo(0.06759, 4);
    expect(one!.efficacy!.upper).toBeCloseTo(0.93241, 4);
  });

  it("scores desirability and names the OBD from the dose-finding patients only", () => {
    // Dose finding saw 1ENN 2EEB (the randomized patients are the comparison's): BOIN12's OBD is dose 2.
    expect(report.desirability?.map((d) => d.label)).toEqual(["1 mg/kg", "2 mg/kg"]);
    expect(report.desirability!.every((d) => d.score === null || d.score > 0)).toBe(true);
    expect(report.obd).toBe("2 mg/kg");
  });

  it("reports the randomized comparison and its ROSE decision", () => {
    expect(report.comparison?.arms).toMatchObject([
      { arm: 1, label: "1 mg/kg", patients: 1, assessed: 1, responders: 1 },
      { arm: 2, label: "2 mg/kg", patients: 1, assessed: 1, responders: 1 },
    ]);
    // Equal responses: the lower dose is kept.
    expect(report.comparison?.decision).toMatchObject({ action: "select", selected: 1, stage: "final" });
  });

  it("renders as one set of tables and sentences for every renderer", () => {
    const tables = doseOptimizationTables(report);
    expect(tables.byDose.headers).toContain("Desirability (RDS)");
    expect(tables.byDose.rows[1]!.slice(0, 6)).toEqual(["2 mg/kg", "4", "1 / 4", "25.0% (0.6%–80.6%)", "3 / 4", "75.0% (19.4%–99.4%)"]);
    expect(tables.comparison!.rows).toEqual([
      ["1", "1 mg/kg", "1", "1 / 1", "100.0% (2.5%–100.0%)"],
      ["2", "2 mg/kg", "1", "1 / 1", "100.0% (2.5%–100.0%)"],
    ]);
    expect(tables.notes.map(noteText).join(" ")).toMatch(
      /Optimal biological dose .*: 2 mg\/kg\. .*Randomized comparison \(final analysis\): .*select 1 mg\/kg/,
    );
  });
});

describe("the report's plots (issue 20's findings)", () => {
  const { analysis, data } = trialReport(trial());

  it("marks each DLT on the swimmer plot at the day of its first event, as its legend says", () => {
    const layers = swimmerPlot(analysis, data).layer as {
      data: { values: Record<string, unknown>[] };
      encoding: Record<string, unknown>;
    }[];
    const dlt = layers.find((layer) => "shape" in layer.encoding)!;
    // B3's grade 3 diarrhoea on study day 6 was the DLT.
    expect(dlt.data.values).toEqual([{ patient: "B3", weeks: 6 / 7, event: "DLT" }]);
  });

  it("has no half-patient ticks on the escalation plot", () => {
    const x = (doseEscalationPlot(analysis, data).encoding as { x: { axis: Record<string, unknown> } }).x;
    expect(x.axis).toEqual({ tickMinStep: 1, format: "d" });
  });
});
