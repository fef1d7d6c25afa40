import { describe, expect, it } from "vitest";
import { exposureTables } from "../report/pk-tables.js";
import { standardTables } from "../report/standard-tables.js";
import { analyzeTrialRecords } from "./analyze.js";

/**
 * Issue 19's findings with real-world lab data, each a regression test: units matched by spelling, test
 * codes sites use, baselines in another unit, myeloma units, and one patient's data stopping a trial.
 */
function trial(labs: Record<string, unknown>[], options: { responseCriteria?: string; patients?: string[] } = {}) {
  const patients = options.patients ?? ["P1"];
  return {
    compound: { name: "X-1", target: "HER2", payload: "DM1" },
    trial: {
      id: "X-1-019",
      schedule: { cycleDays: 21, days: [1] },
      doseLevels: [{ level: 1, amount: 1, unit: "mg/kg" }],
      dlt: { windowDays: 21, rules: [{ category: "non-haematological", minGrade: 3 }] },
      dataCutDate: "2026-06-30",
      ...(options.responseCriteria ? { responseCriteria: options.responseCriteria } : {}),
    },
    patients: patients.map((USUBJID) => ({ USUBJID, WEIGHT: 70, HEIGHT: 170, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-05" })),
    administrations: patients.map((USUBJID) => ({ USUBJID, EXSTDY: 1, EXDOSE: 70 })),
    labs: labs.map((lab) => ({ USUBJID: "P1", ...lab })),
  };
}

const analyse = (input: ReturnType<typeof trial>) => analyzeTrialRecords(input).analysis;
const gradesOf = (input: ReturnType<typeof trial>, test: string) =>
  analyse(input)
    .patients[0]!.labGrades.filter((g) => g.test === test)
    .map((g) => g.grade);

describe("lab units and test codes as sites send them", () => {
  it("grades creatinine written with the micro sign (µmol/L), not dropping it", () => {
    // 601 µmol/L with ULN 97: 6.2 × ULN, > 6 × ULN is grade 4.
    const input = trial([{ LBTESTCD: "CREAT", LBSTRESN: 601, LBSTRESU: "µmol/L", LBSTNRHI: 97, LBDY: 8 }]);
    expect(gradesOf(input, "CREAT")).toEqual([4]);
    expect(analyse(input).patients[0]!.worstGrades).toContainEqual({ term: "Creatinine increased", grade: 4, source: "lab" });
  });

  it("grades neutrophils coded ANC as NEUT", () => {
    // 0.4 × 10⁹/L: < 0.5 is grade 4 neutrophil count decreased.
    const input = trial([{ LBTESTCD: "ANC", LBSTRESN: 0.4, LBSTRESU: "10^9/L", LBSTNRLO: 2, LBDY: 8 }]);
    expect(gradesOf(input, "ANC")).toEqual([4]);
  });

  it("reads a U/L baseline with IU/L follow-ups as the same enzyme unit (ALT grade 0, not 1)", () => {
    // Baseline 60 U/L above ULN 40: CTCAE v5 grades ALT against baseline then; 70 IU/L is < 1.5 × baseline.
    const input = trial([
      { LBTESTCD: "ALT", LBSTRESN: 60, LBSTRESU: "U/L", LBSTNRHI: 40, LBDY: -3, LBBLFL: "Y" },
      { LBTESTCD: "ALT", LBSTRESN: 70, LBSTRESU: "IU/L", LBSTNRHI: 40, LBDY: 15 },
    ]);
    expect(gradesOf(input, "ALT")).toEqual([0]);
  });

  it("compares a creatinine baseline in mg/dL with follow-ups in umol/L (grade 2, not 1)", () => {
    // Baseline 1.0 mg/dL = 88.4 µmol/L; 190 µmol/L is > 2 × baseline (grade 2) though only 1.7 × ULN 110.
    const input = trial([
      { LBTESTCD: "CREAT", LBSTRESN: 1.0, LBSTRESU: "mg/dL", LBSTNRHI: 1.24, LBDY: -3, LBBLFL: "Y" },
      { LBTESTCD: "CREAT", LBSTRESN: 190, LBSTRESU: "umol/L", LBSTNRHI: 110, LBDY: 15 },
    ]);
    expect(gradesOf(input, "CREAT")).toEqual([2]);
  });

  it("gives every record its grade, or null with the reason, and names an unreadable unit as a problem", () => {
    const input = trial([
      { LBTESTCD: "PLAT", LBSTRESN: 60, LBSTRESU: "10^9/L", LBSTNRLO: 150, LBDY: 8 },
      { LBTESTCD: "PLAT", LBSTRESN: 60, LBSTRESU: "10^9/Lx", LBSTNRLO: 150, LBDY: 15 },
      { LBTESTCD: "CRP", LBSTRESN: 12, LBSTRESU: "mg/L", LBDY: 15 },
      { LBTESTCD: "PLAT", LBSTRESN: 140, LBSTRESU: "10^9/L", LBDY: 22 },
    ]);
    const analysis = analyse(input);
    expect(analysis.patients[0]!.labGrades).toEqual([
      {
        test: "PLAT",
        day: 8,
        value: 60,
        unit: "10^9/L",
        term: "Platelet count decreased",
        grade: 2,
        reason: expect.stringContaining("< 75"),
      },
      {
        test: "PLAT",
        day: 15,
        value: 60,
        unit: "10^9/Lx",
        term: "Platelet count decreased",
        grade: null,
        reason: '"10^9/Lx" is not a unit of UCUM or the SDTM unit codelist',
      },
      { test: "CRP", day: 15, value: 12, unit: "mg/L", term: null, grade: null, reason: 'CTCAE v5.0 has no lab criterion for test "CRP"' },
      {
        test: "PLAT",
        day: 22,
        value: 140,
        unit: "10^9/L",
        term: "Platelet count decreased",
        grade: null,
        reason: expect.stringMatching(/needs LLN/),
      },
    ]);
    expect(analysis.problems).toContainEqual({
      USUBJID: "P1",
      collection: "labs",
      record: 1,
      path: "LBSTRESU",
      value: "10^9/Lx",
      message: 'cannot be read: "10^9/Lx" is not a unit of UCUM or the SDTM unit codelist',
    });
  });
});

describe("myeloma data as sites send them", () => {
  it("reads a serum M-protein in g/L as g/dL ÷ 10 (no partial response from a unit)", () => {
    // Baseline 3.0 g/dL, then 8 g/L = 0.8 g/dL (−73%: PR) — or, misread as 8 g/dL, progression. Then
    // 7 g/L on day 43 confirms the PR.
    const input = trial(
      [
        { LBTESTCD: "SPEP", LBSTRESN: 3.0, LBSTRESU: "g/dL", LBDY: -5, LBBLFL: "Y" },
        { LBTESTCD: "SPEP", LBSTRESN: 8, LBSTRESU: "g/L", LBDY: 22 },
        { LBTESTCD: "SPEP", LBSTRESN: 7, LBSTRESU: "g/L", LBDY: 43 },
      ],
      { responseCriteria: "IMWG" },
    );
    expect(analyse(input).patients[0]!.bestResponse?.response).toBe("PR");
  });

  it("reads a new plasmacytoma or bone lesion from the tumour records as progression", () => {
    const labs = [
      { LBTESTCD: "SPEP", LBSTRESN: 3.0, LBSTRESU: "g/dL", LBDY: -5, LBBLFL: "Y" },
      { LBTESTCD: "SPEP", LBSTRESN: 2.8, LBSTRESU: "g/dL", LBDY: 22 },
      { LBTESTCD: "SPEP", LBSTRESN: 2.8, LBSTRESU: "g/dL", LBDY: 43 },
    ];
    const input = {
      ...trial(labs, { responseCriteria: "IMWG" }),
      tumours: [{ USUBJID: "P1", TRLNKID: "N1", TRGRPID: "NEW", TRDY: 30, TRLOC: "rib" }],
    };
    const response = analyse(input).patients[0]!.bestResponse!;
    expect(response.response).toBe("PD");
    expect(response.assessments).toContainEqual({ day: 30, response: "PD" });
  });

  it("measures light-chain-only disease by serum free light chains (IMWG), in any unit", () => {
    // No measurable M-protein; κ 500 mg/L (50 mg/dL), λ 10 mg/L, ratio 50: measurable by FLC. Then κ
    // 150 mg/L twice: the FLC difference falls from 49 to 14 mg/dL (−71%): a confirmed PR.
    const flc = (day: number, kappa: number, extra: Record<string, unknown> = {}) => [
      { LBTESTCD: "KAPPA", LBSTRESN: kappa, LBSTRESU: "mg/L", LBDY: day, ...extra },
      { LBTESTCD: "FLCLAMBDA", LBSTRESN: 10, LBSTRESU: "mg/L", LBDY: day, ...extra },
    ];
    const input = trial([...flc(-5, 500, { LBBLFL: "Y" }), ...flc(22, 150), ...flc(43, 150)], { responseCriteria: "IMWG" });
    const response = analyse(input).patients[0]!.bestResponse!;
    expect(response.response).toBe("PR");
    expect(response.reasons).toEqual(["day 22: PR", "day 43: PR"]);
  });

  it("analyses everyone else when one patient has no measurable disease, naming that patient", () => {
    const input = trial(
      [
        { LBTESTCD: "SPEP", LBSTRESN: 3.0, LBSTRESU: "g/dL", LBDY: -5, LBBLFL: "Y" },
        { LBTESTCD: "SPEP", LBSTRESN: 1.2, LBSTRESU: "g/dL", LBDY: 22 },
        { LBTESTCD: "SPEP", LBSTRESN: 1.1, LBSTRESU: "g/dL", LBDY: 43 },
        { USUBJID: "P2", LBTESTCD: "SPEP", LBSTRESN: 0.3, LBSTRESU: "g/dL", LBDY: -5, LBBLFL: "Y" },
        { USUBJID: "P2", LBTESTCD: "SPEP", LBSTRESN: 0.2, LBSTRESU: "g/dL", LBDY: 22 },
      ],
      { responseCriteria: "IMWG", patients: ["P1", "P2"] },
    );
    const analysis = analyse(input);
    expect(analysis.patients.map((p) => [p.USUBJID, p.bestResponse?.response ?? null])).toEqual([
      ["P1", "PR"],
      ["P2", null],
    ]);
    expect(analysis.problems).toContainEqual(
      expect.objectContaining({
        USUBJID: "P2",
        collection: "labs",
        path: "baseline",
        message: expect.stringContaining("measurable disease"),
      }),
    );
  });
});

describe("RECIST options of the trial", () => {
  it("takes an unconfirmed PR as PR when the trial says confirmation is not required (randomized trials)", () => {
    const tumours = [
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: -3, TRSTRESN: 50, TRLOC: "liver" },
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 43, TRSTRESN: 30, TRLOC: "liver" },
    ].map((t) => ({ USUBJID: "P1", ...t }));
    const confirmed = { ...trial([]), tumours };
    expect(analyse(confirmed).patients[0]!.bestResponse?.response).toBe("SD");
    const randomized = { ...confirmed, trial: { ...confirmed.trial, recist: { confirmation: false } } };
    expect(analyse(randomized as typeof confirmed).patients[0]!.bestResponse?.response).toBe("PR");
  });
});

describe("standard safety tables", () => {
  it("counts patients by term and highest grade band, DLTs by dose level, and lab shifts from baseline", () => {
    const input = {
      ...trial(
        [
          { LBTESTCD: "PLAT", LBSTRESN: 160, LBSTRESU: "10^9/L", LBSTNRLO: 150, LBDY: -3, LBBLFL: "Y" },
          { LBTESTCD: "PLAT", LBSTRESN: 40, LBSTRESU: "10^9/L", LBSTNRLO: 150, LBDY: 8 },
          { LBTESTCD: "PLAT", LBSTRESN: 120, LBSTRESU: "10^9/L", LBSTNRLO: 150, LBDY: 15 },
        ],
        { patients: ["P1", "P2"] },
      ),
      adverseEvents: [
        { USUBJID: "P1", AETERM: "Nausea", AETOXGR: 1, AEREL: "Y", AESTDY: 2, AECAT: "non-haematological" },
        { USUBJID: "P1", AETERM: "Nausea", AETOXGR: 3, AEREL: "Y", AESTDY: 5, AECAT: "non-haematological" },
        { USUBJID: "P2", AETERM: "Nausea", AETOXGR: 2, AEREL: "N", AESTDY: 3, AECAT: "non-haematological" },
      ],
    };
    const { data, analysis } = analyzeTrialRecords(input);
    const [ae, dlt, shifts] = standardTables(data, analysis);
    // P1's highest nausea is grade 3 (its grade 1 is not counted again), P2's grade 2.
    expect(ae!.rows).toEqual([["Nausea", "1 (50%)", "1 (50%)", "0", "2 (100%)"]]);
    // P1's grade 3 related nausea in the window is a DLT.
    expect(dlt!.rows).toEqual([["1 mg/kg", "2", "2", "1", expect.stringMatching(/^P1: Nausea grade 3/)]]);
    // Platelets: baseline grade 0 (160 ≥ LLN), worst grade 3 (40 < 50).
    expect(shifts!.rows).toEqual([["Platelet count decreased", "Grade 0", "0", "0", "0", "1", "0"]]);
  });
});

describe("RECIST records as sites send them", () => {
  const withTumours = (tumours: Record<string, unknown>[], patient: Record<string, unknown> = {}) => {
    const base = trial([]);
    return {
      ...base,
      patients: base.patients.map((p) => ({ ...p, ...patient })),
      tumours: tumours.map((t) => ({ USUBJID: "P1", TRLOC: "liver", ...t })),
    };
  };

  it("counts a target too small to measure as 5 mm", () => {
    // 20 mm → too small (5 mm): −75%, a PR, confirmed 4 weeks later; not a CR (the lesion is still seen).
    const input = withTumours([
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: -3, TRSTRESN: 20 },
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 43, TRSTRESC: "TOO SMALL TO MEASURE" },
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 71, TRSTRESC: "TOO SMALL TO MEASURE" },
    ]);
    const response = analyse(input).patients[0]!.bestResponse!;
    expect(response.response).toBe("PR");
    expect(response.bestPercentChange).toBeCloseTo(-75, 10);
  });

  it("reads a non-target lymph node by its short axis: normal below 10 mm", () => {
    // The target disappears; the non-target node shrinks from 15 to 8 mm short axis (normal): CR, confirmed.
    const visits = (node: number) => [
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: -3, TRSTRESN: 20 },
      { TRLNKID: "N1", TRGRPID: "NON-TARGET", TRDY: -3, TRSTRESN: 15, nodal: true },
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 43, TRSTRESN: 0 },
      { TRLNKID: "N1", TRGRPID: "NON-TARGET", TRDY: 43, TRSTRESN: node, nodal: true },
      { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 71, TRSTRESN: 0 },
      { TRLNKID: "N1", TRGRPID: "NON-TARGET", TRDY: 71, TRSTRESN: node, nodal: true },
    ];
    expect(analyse(withTumours(visits(8))).patients[0]!.bestResponse!.response).toBe("CR");
    // At 12 mm the node is still present: a PR, not a CR.
    expect(analyse(withTumours(visits(12))).patients[0]!.bestResponse!.response).toBe("PR");
  });

  it("says a patient was lost to follow-up: later records are not used, and the reason says so", () => {
    const input = withTumours(
      [
        { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: -3, TRSTRESN: 20 },
        { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 43, TRSTRESN: 19 },
        { TRLNKID: "T1", TRGRPID: "TARGET", TRDY: 85, TRSTRESN: 40 },
      ],
      { lostToFollowUpDay: 60 },
    );
    const response = analyse(input).patients[0]!.bestResponse!;
    expect(response.response).toBe("SD");
    expect(response.durationOfStableDisease).toEqual({ days: 42, censored: true });
    expect(response.reasons.at(-1)).toBe(
      "Lost to follow-up after study day 60: no later assessment is expected; durations are censored at the last one.",
    );
  });
});

describe("ADC pharmacokinetics per analyte", () => {
  it("runs NCA per analyte, tabulates exposure by dose level and tests dose proportionality", () => {
    // Two patients per dose level (1 and 2 mg/kg); the conjugate (ADC) decays with a 48 h half-life and
    // its concentrations scale with dose (proportional); the free payload (DM1) is measured too.
    const k = Math.LN2 / 48;
    const times = [1, 24, 72, 168, 336];
    const samples = (USUBJID: string, scale: number) =>
      times.flatMap((t) => [
        { USUBJID, PCTESTCD: "ADC", PCELTM: t, PCSTRESN: 40 * scale * Math.exp(-k * t), PCSTRESU: "ug/mL" },
        { USUBJID, PCTESTCD: "DM1", PCELTM: t, PCSTRESN: 5 * scale * Math.exp(-4 * k * t), PCSTRESU: "ng/mL" },
      ]);
    const base = trial([], { patients: ["P1", "P2", "P3", "P4"] });
    const input = {
      ...base,
      trial: { ...base.trial, doseLevels: [...base.trial.doseLevels, { level: 2, amount: 2, unit: "mg/kg" }] },
      patients: base.patients.map((p, i) => ({ ...p, doseLevel: i < 2 ? 1 : 2, cohort: i < 2 ? 1 : 2 })),
      pk: [...samples("P1", 1), ...samples("P2", 1.1), ...samples("P3", 2), ...samples("P4", 2.2)],
    };
    const { data, analysis } = analyzeTrialRecords(input);
    expect(analysis.problems).toEqual([]);
    const p1 = analysis.patients[0]!;
    expect(p1.pk.map((r) => r.analyte)).toEqual(["ADC", "DM1"]);
    expect(p1.halfLife).toBeCloseTo(48, 6); // the conjugate's
    expect(p1.pk[1]!.halfLife).toBeCloseTo(12, 6);
    const { tables, notes } = exposureTables(data, analysis);
    expect(tables.map((t) => t.caption)).toEqual([
      "Exposure of ADC by dose level (geometric means; NCA)",
      "Exposure of DM1 by dose level (geometric means; NCA)",
    ]);
    expect(tables[0]!.rows.map((r) => [r[0], r[1], r[4]])).toEqual([
      ["1 mg/kg", "2", "48"],
      ["2 mg/kg", "2", "48"],
    ]);
    // AUC scales exactly with the concentrations: slope 1 (the 1.1 factors are at both levels).
    const proportional = notes.find((n) => n.text.startsWith("Dose proportionality of ADC"))!;
    expect(proportional.value).toMatch(/^slope 1 \(95% CI .* to .*\): consistent with proportionality$/);
    expect(notes.find((n) => n.text.startsWith("Exposure–response of DLT on ADC"))!.text).toMatch(/not estimable/);
  });
});
