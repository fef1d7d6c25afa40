import { describe, expect, it } from "vitest";
import { analyzeTrial, analyzeTrialRecords, parseTrialData, studyDayOn } from "./analyze.js";

const minimal = (over: Record<string, unknown> = {}) => ({
  compound: { name: "X-1", target: "HER2", payload: "DM1" },
  trial: {
    id: "X-1-001",
    schedule: { cycleDays: 21, days: [1] },
    doseLevels: [
      { level: 1, amount: 1, unit: "mg/kg" },
      { level: 2, amount: 2, unit: "mg/kg" },
    ],
    dlt: { windowDays: 21, rules: [{ category: "non-haematological", minGrade: 3 }] },
    dataCutDate: "2026-02-10",
  },
  patients: [
    { USUBJID: "A", WEIGHT: 70, HEIGHT: 170, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-05" },
    { USUBJID: "B", WEIGHT: 60, HEIGHT: 160, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-06" },
    { USUBJID: "C", WEIGHT: 80, HEIGHT: 180, doseLevel: 2, cohort: 2, RFXSTDTC: "2026-02-01" },
  ],
  administrations: [
    { USUBJID: "A", EXSTDY: 1, EXDOSE: 70 },
    { USUBJID: "B", EXSTDY: 1, EXDOSE: 60 },
    { USUBJID: "C", EXSTDY: 1, EXDOSE: 160 },
  ],
  adverseEvents: [{ USUBJID: "B", AETERM: "Diarrhoea", AETOXGR: 3, AEREL: "Y", AESTDY: 6, AECAT: "non-haematological" }],
  ...over,
});

describe("trial data analysis", () => {
  it("counts study days as SDTM does (no day 0)", () => {
    expect(studyDayOn("2026-01-05", "2026-01-05")).toBe(1);
    expect(studyDayOn("2026-01-26", "2026-01-05")).toBe(22);
    expect(studyDayOn("2026-01-04", "2026-01-05")).toBe(-1);
  });

  it("gives each patient's DLT status at the data cut and the dose levels' counts", () => {
    const analysis = analyzeTrial(minimal());
    expect(analysis.patients.map((p) => [p.USUBJID, p.dlt.status])).toEqual([
      ["A", "no DLT"],
      ["B", "DLT"],
      ["C", "pending"], // day 10 of 21 at the cut
    ]);
    expect(analysis.doseLevels[0]).toMatchObject({ patients: 2, dltEvaluable: 2, dlts: 1, pending: 0 });
    expect(analysis.doseLevels[1]).toMatchObject({ patients: 1, pending: 1 });
    expect(analysis.outcomes).toBe("1NT");
    // A patient flagged as backfill (the server flags those of backfill cohorts) is written with + in the history.
    const withBackfill = minimal({
      patients: [
        { USUBJID: "A", WEIGHT: 70, HEIGHT: 170, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-05" },
        { USUBJID: "B", WEIGHT: 60, HEIGHT: 160, doseLevel: 1, cohort: 2, RFXSTDTC: "2026-01-06", backfill: true },
      ],
      administrations: [
        { USUBJID: "A", EXSTDY: 1, EXDOSE: 70 },
        { USUBJID: "B", EXSTDY: 1, EXDOSE: 60 },
      ],
    });
    expect(analyzeTrial(withBackfill).outcomes).toBe("1N +1T");
    expect(analysis.patients[1]!.worstGrades).toEqual([{ term: "Diarrhoea", grade: 3, source: "AE" }]);
    // A: 1 mg/kg × 70 kg = 70 mg planned, one cycle given as planned.
    expect(analysis.patients[0]!.dosing).toMatchObject({ cycles: 1, plannedMg: 70, missed: 0, relativeDoseIntensity: 1 });
  });

  it("names the record, the field and the rule when data are wrong, and changes nothing else", () => {
    expect(() =>
      parseTrialData(
        minimal({ adverseEvents: [{ USUBJID: "Z", AETERM: "Rash", AETOXGR: 2, AEREL: "Y", AESTDY: 3, AECAT: "non-haematological" }] }),
      ),
    ).toThrow(/adverseEvents.0.USUBJID: "Z" is not allowed; must be a patient listed in patients/);
    expect(() =>
      parseTrialData(
        minimal({ adverseEvents: [{ USUBJID: "A", AETERM: "Rash", AETOXGR: 7, AEREL: "Y", AESTDY: 3, AECAT: "non-haematological" }] }),
      ),
    ).toThrow(/adverseEvents.0.AETOXGR: 7 is not allowed; must be ≤ 5/);
    const badDate = minimal();
    (badDate.patients[0] as Record<string, unknown>).RFXSTDTC = "2026-02-30";
    expect(() => parseTrialData(badDate)).toThrow(/patients.0.RFXSTDTC: "2026-02-30" is not allowed; must be a real calendar date/);
    const withBirthDate = (BRTHDTC: string) => {
      const data = minimal();
      (data.patients[0] as Record<string, unknown>).BRTHDTC = BRTHDTC;
      return data;
    };
    expect(() => parseTrialData(withBirthDate("1961-13"))).toThrow(
      /patients.0.BRTHDTC: "1961-13" is not allowed; must be an ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD/,
    );
    expect(() => parseTrialData(withBirthDate("1961-04"))).not.toThrow();
    const data = minimal();
    const before = JSON.stringify(data);
    expect(() => parseTrialData({ ...data, patients: [...data.patients, { ...data.patients[0]! }] })).toThrow(
      /patients.3.USUBJID: "A" .*must be unique/,
    );
    expect(JSON.stringify(data)).toBe(before);
  });
});

describe("myeloma trials", () => {
  it("assesses IMWG response from serum and urine M-protein records, confirmed at the next assessment", () => {
    const data = minimal();
    const trial = { ...(data.trial as Record<string, unknown>), responseCriteria: "IMWG", indication: "relapsed multiple myeloma" };
    const lab = (LBTESTCD: string, LBSTRESN: number, LBDY: number, unit: string, baseline = false) => ({
      USUBJID: "A",
      LBTESTCD,
      LBSTRESN,
      LBSTRESU: unit,
      LBDY,
      ...(baseline ? { LBBLFL: "Y" } : {}),
    });
    const labs = [
      lab("SPEP", 2.0, -3, "g/dL", true),
      lab("UPEP", 500, -3, "mg/24h", true),
      lab("SPEP", 1.22, 28, "g/dL"), // −39% with the urine gone: MR
      lab("UPEP", 0, 28, "mg/24h"),
      lab("SPEP", 0.9, 56, "g/dL"), // −55%: PR, so MR is confirmed at day 28
      lab("UPEP", 0, 56, "mg/24h"),
    ];
    const analysis = analyzeTrial({ ...data, trial, labs });
    const patient = analysis.patients[0]!;
    expect(patient.bestResponse!.reasons).toEqual(["day 28: MR", "day 56: PR"]);
    expect(patient.bestResponse!.response).toBe("MR");
    expect(analysis.doseLevels[0]!.responders).toBe(0); // a minimal response is not an objective response
  });
});

describe("RECIST through the trial data", () => {
  const tumour = (TRLNKID: string, TRGRPID: string, TRDY: number, finding: number | string) => ({
    USUBJID: "A",
    TRLNKID,
    TRGRPID,
    TRDY,
    TRLOC: TRLNKID.startsWith("T") ? "liver" : "bone",
    ...(typeof finding === "number" ? { TRSTRESN: finding } : { TRSTRESC: finding }),
  });
  const visits = (tumours: ReturnType<typeof tumour>[]) =>
    analyzeTrial({ ...minimal(), tumours }).patients[0]!.bestResponse!.assessments!.map((a) => `${a.day}:${a.response}`);

  it("follows each baseline non-target lesion: one not assessed means not all evaluated; all gone with the targets is CR", () => {
    const baseline = [
      tumour("T01", "TARGET", 1, 40),
      tumour("NT01", "NON-TARGET", 1, "PRESENT"),
      tumour("NT02", "NON-TARGET", 1, "PRESENT"),
    ];
    expect(
      visits([
        ...baseline,
        tumour("T01", "TARGET", 42, 20), // −50% with NT02 not assessed: target PR, non-target not all evaluated → PR
        tumour("NT01", "NON-TARGET", 42, "PRESENT"),
        tumour("T01", "TARGET", 84, 22), // −45% with NT01 not assessed → PR
        tumour("NT02", "NON-TARGET", 84, "PRESENT"),
        tumour("T01", "TARGET", 126, 0), // target CR, both non-targets gone → CR
        tumour("NT01", "NON-TARGET", 126, "ABSENT"),
        tumour("NT02", "NON-TARGET", 126, "ABSENT"),
        tumour("T01", "TARGET", 168, 0), // target CR, a non-target not assessed → PR (Table 1)
        tumour("NT01", "NON-TARGET", 168, "ABSENT"),
      ]),
    ).toEqual(["42:PR", "84:PR", "126:CR", "168:PR"]);
    // Unequivocal progression of one non-target is PD even when another was not assessed.
    expect(visits([...baseline, tumour("T01", "TARGET", 42, 20), tumour("NT01", "NON-TARGET", 42, "UNEQUIVOCAL PROGRESSION")])).toEqual([
      "42:PD",
    ]);
  });

  it("assesses non-target disease only by Table 2: non-CR/non-PD, NE when a lesion was not assessed, CR when all are gone", () => {
    const baseline = [tumour("NT01", "NON-TARGET", 1, "PRESENT"), tumour("NT02", "NON-TARGET", 1, "PRESENT")];
    expect(
      visits([
        ...baseline,
        tumour("NT01", "NON-TARGET", 42, "PRESENT"),
        tumour("NT02", "NON-TARGET", 42, "PRESENT"),
        tumour("NT01", "NON-TARGET", 84, "ABSENT"),
        tumour("NT01", "NON-TARGET", 126, "ABSENT"),
        tumour("NT02", "NON-TARGET", 126, "ABSENT"),
      ]),
    ).toEqual(["42:non-CR/non-PD", "84:NE", "126:CR"]);
  });
});

describe("one patient's bad data does not stop the trial (issue 14)", () => {
  const ae = (over: Record<string, unknown> = {}) => ({
    USUBJID: "A",
    AETERM: "Rash",
    AETOXGR: 2,
    AEREL: "Y",
    AESTDY: 3,
    AECAT: "non-haematological",
    ...over,
  });

  it("accepts only real calendar dates, on every date field", () => {
    const withPatientA = (over: Record<string, unknown>) =>
      minimal({
        patients: [{ USUBJID: "A", WEIGHT: 70, HEIGHT: 170, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-05", ...over }],
        administrations: [],
        adverseEvents: [],
      });
    expect(() => parseTrialData(withPatientA({ RFXSTDTC: "2026-02-30" }))).toThrow(
      /patients.0.RFXSTDTC: "2026-02-30" .*real calendar date/,
    );
    expect(() => parseTrialData(withPatientA({ BRTHDTC: "1961-02-29" }))).toThrow(/BRTHDTC: "1961-02-29" .*real calendar date/);
    expect(parseTrialData(withPatientA({ BRTHDTC: "1960-02-29" })).patients[0]!.BRTHDTC).toBe("1960-02-29");
    expect(parseTrialData(withPatientA({ BRTHDTC: "1961-02" })).patients[0]!.BRTHDTC).toBe("1961-02");
    expect(() => parseTrialData(minimal({ adverseEvents: [ae({ AESTDTC: "2026-04-31" })] }))).toThrow(/AESTDTC: "2026-04-31"/);
    expect(() => parseTrialData(minimal({ adverseEvents: [ae({ AEENDTC: "2026-13" })] }))).toThrow(/AEENDTC/);
  });

  it("refuses an adverse event that ends before it starts, by study day or by date", () => {
    expect(() => parseTrialData(minimal({ adverseEvents: [ae({ AESTDY: 8, AEENDY: 5 })] }))).toThrow(
      /adverseEvents.0.AEENDY: 5 is not allowed; must not be before AESTDY \(8\)/,
    );
    expect(() => parseTrialData(minimal({ adverseEvents: [ae({ AESTDTC: "2026-01-08", AEENDTC: "2026-01-07" })] }))).toThrow(
      /AEENDTC: "2026-01-07" is not allowed; must not be before AESTDTC/,
    );
    // Partial dates compare by what they share: an end in the onset's month may be the same day or later.
    expect(parseTrialData(minimal({ adverseEvents: [ae({ AESTDTC: "2026-01-08", AEENDTC: "2026-01" })] })).adverseEvents).toHaveLength(1);
    expect(parseTrialData(minimal({ adverseEvents: [ae({ AESTDY: 5, AEENDY: 5 })] })).adverseEvents).toHaveLength(1);
  });

  it("limits the length of every text field", () => {
    expect(() => parseTrialData(minimal({ adverseEvents: [ae({ AETERM: "x".repeat(201) })] }))).toThrow(
      /adverseEvents.0.AETERM: .* must be ≤ 200 characters/,
    );
    expect(parseTrialData(minimal({ adverseEvents: [ae({ AETERM: "x".repeat(200) })] })).adverseEvents).toHaveLength(1);
  });

  it("reads record by record: a bad patient is left out with their records, a bad record alone, each named", () => {
    const input = minimal({
      patients: [
        { USUBJID: "A", WEIGHT: 70, HEIGHT: 170, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-02-30" },
        { USUBJID: "B", WEIGHT: 60, HEIGHT: 160, doseLevel: 1, cohort: 1, RFXSTDTC: "2026-01-06" },
      ],
      administrations: [
        { USUBJID: "A", EXSTDY: 1, EXDOSE: 70 },
        { USUBJID: "B", EXSTDY: 1, EXDOSE: 60 },
      ],
      adverseEvents: [ae({ USUBJID: "B", AESTDY: 9, AEENDY: 4 }), ae({ USUBJID: "B", AESTDY: 40 })],
      pk: [
        { USUBJID: "B", PCELTM: 1, PCSTRESN: 50 },
        { USUBJID: "B", PCELTM: 4, PCSTRESN: 40 },
        { USUBJID: "B", PCELTM: 4, PCSTRESN: 38 },
        { USUBJID: "B", PCELTM: 24, PCSTRESN: 20 },
        { USUBJID: "B", PCELTM: 48, PCSTRESN: 10 },
        { USUBJID: "B", PCELTM: 96, PCSTRESN: 2.5 },
      ],
    });
    const ids = { patients: ["p-A", "p-B"], adverseEvents: ["ae-1", "ae-2"], pk: ["pk-1", "pk-2", "pk-3", "pk-4", "pk-5", "pk-6"] };
    const { data, analysis } = analyzeTrialRecords(input, ids);
    expect(data.patients.map((p) => p.USUBJID)).toEqual(["B"]);
    expect(data.administrations.map((a) => a.USUBJID)).toEqual(["B"]);
    expect(data.pk.map((s) => s.PCELTM)).toEqual([1, 4, 24, 48, 96]);
    expect(analysis.problems).toEqual([
      {
        USUBJID: "A",
        collection: "patients",
        record: "p-A",
        path: "RFXSTDTC",
        value: "2026-02-30",
        message: "must be a real calendar date",
      },
      { USUBJID: "B", collection: "adverseEvents", record: "ae-1", path: "AEENDY", value: 4, message: "must not be before AESTDY (9)" },
      // Study day 36 is the cut (2026-02-10 for a first dose on 2026-01-06).
      expect.objectContaining({ USUBJID: "B", collection: "adverseEvents", record: "ae-2", path: "AESTDY", value: 40 }),
      expect.objectContaining({ USUBJID: "B", collection: "pk", record: "pk-3", path: "PCELTM", value: 4 }),
    ]);
    expect(analysis.problems[2]!.message).toBe("must not be after the data cut 2026-02-10 (study day 36)");
    expect(analysis.patients.map((p) => [p.USUBJID, p.dlt.status, p.problems.length])).toEqual([["B", "no DLT", 3]]);
    expect(analysis.patients[0]!.halfLife).not.toBeNull();
  });

  it("reports a part of a patient's analysis that fails as that patient's problem and analyses the rest", () => {
    // Parsed strictly (as a trial file is), PK samples repeating a time point make NCA refuse the profile.
    const analysis = analyzeTrial(
      minimal({
        pk: [
          { USUBJID: "A", PCELTM: 1, PCSTRESN: 50 },
          { USUBJID: "A", PCELTM: 4, PCSTRESN: 40 },
          { USUBJID: "A", PCELTM: 4, PCSTRESN: 38 },
        ],
      }),
    );
    const a = analysis.patients.find((p) => p.USUBJID === "A")!;
    expect(a.halfLife).toBeNull();
    expect(a.problems).toEqual([
      expect.objectContaining({ USUBJID: "A", collection: "pk", message: expect.stringMatching(/^cannot be analysed: /) }),
    ]);
    expect(analysis.patients.map((p) => p.dlt.status)).toEqual(["no DLT", "DLT", "pending"]);
    expect(analysis.patients.filter((p) => p.USUBJID !== "A").every((p) => p.problems.length === 0)).toBe(true);
  });
});
