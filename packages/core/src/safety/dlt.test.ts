import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { type AdverseEvent, type DltDefinition, outcomeHistory, patientDltStatus, proposedDlt } from "./dlt.js";

const DEFINITION: DltDefinition = {
  windowDays: 21,
  requiredDoses: 1,
  excludedTerms: ["Alopecia"],
  rules: [
    { terms: ["Platelet count decreased"], minGrade: 4, label: "grade 4 thrombocytopenia" },
    { terms: ["Neutrophil count decreased"], minGrade: 4, minDurationDays: 7, label: "grade 4 neutropenia ≥ 7 days" },
    { category: "non-haematological", minGrade: 3, label: "grade ≥ 3 related non-haematological toxicity" },
  ],
};

const event = (over: Partial<AdverseEvent>): AdverseEvent => ({
  USUBJID: "P1",
  AETERM: "Nausea",
  AETOXGR: 3,
  related: true,
  AESTDY: 5,
  category: "non-haematological",
  ...over,
});

describe("DLT status", () => {
  it("counts a related grade 3 non-haematological event in the window", () => {
    const status = patientDltStatus("P1", [event({})], 1, 10, DEFINITION);
    expect(status.status).toBe("DLT");
    expect(status.reason).toMatch(/Nausea grade 3 on day 5 \(grade ≥ 3 related non-haematological toxicity\)/);
  });

  it("applies each condition on both sides", () => {
    const status = (e: Partial<AdverseEvent>, today = 30) => patientDltStatus("P1", [event(e)], 1, today, DEFINITION).status;
    expect(status({ AETOXGR: 2 })).toBe("no DLT");
    expect(status({ related: false })).toBe("no DLT");
    expect(status({ AESTDY: 22 })).toBe("no DLT"); // after the window
    expect(status({ AESTDY: 21 })).toBe("DLT");
    expect(status({ AETERM: "Alopecia" })).toBe("no DLT");
    expect(status({ AETERM: "Platelet count decreased", category: "haematological", AETOXGR: 3 })).toBe("no DLT");
    expect(status({ AETERM: "Platelet count decreased", category: "haematological", AETOXGR: 4 })).toBe("DLT");
    // Grade 4 neutropenia: 6 days is not enough, 7 days is.
    const neutropenia = { AETERM: "Neutrophil count decreased", category: "haematological", AETOXGR: 4, AESTDY: 8 } as const;
    expect(status({ ...neutropenia, AEENDY: 13 })).toBe("no DLT");
    expect(status({ ...neutropenia, AEENDY: 14 })).toBe("DLT");
  });

  it("is pending, never 'no DLT', while the window runs; not evaluable without the required doses", () => {
    expect(patientDltStatus("P2", [], 1, 20, DEFINITION)).toMatchObject({ status: "pending", followedDays: 20 });
    expect(patientDltStatus("P2", [], 1, 21, DEFINITION).status).toBe("no DLT");
    expect(patientDltStatus("P2", [], 0, 21, DEFINITION).status).toBe("not evaluable");
    // An ongoing grade 4 neutropenia of 4 days so far: pending, it may still become a DLT.
    const ongoing = event({ AETERM: "Neutrophil count decreased", category: "haematological", AETOXGR: 4, AESTDY: 10 });
    expect(patientDltStatus("P1", [ongoing], 1, 13, DEFINITION).status).toBe("pending");
  });

  it("follows the safety review's adjudication over the protocol's rules, both ways", () => {
    const proposed = event({});
    expect(proposedDlt(proposed, 30, DEFINITION)).toBe(true);
    expect(patientDltStatus("P1", [{ ...proposed, adjudicatedDlt: false }], 1, 30, DEFINITION).status).toBe("no DLT");
    const missed = event({ AETOXGR: 2 });
    expect(proposedDlt(missed, 30, DEFINITION)).toBe(false);
    const judged = patientDltStatus("P1", [{ ...missed, adjudicatedDlt: true }], 1, 10, DEFINITION);
    expect(judged).toMatchObject({ status: "DLT", reason: "Nausea grade 2 on day 5 (adjudicated as a DLT)" });
  });

  it("refuses a malformed definition", () => {
    expect(() => patientDltStatus("P1", [], 1, 1, { ...DEFINITION, rules: [{ minGrade: 7 }] })).toThrow(/rules.0.minGrade: 7/);
  });
});

describe("from DLT statuses to the design's history", () => {
  const members = [
    { USUBJID: "A", doseLevel: 1, cohort: 1 },
    { USUBJID: "B", doseLevel: 1, cohort: 1 },
    { USUBJID: "C", doseLevel: 1, cohort: 1 },
    { USUBJID: "D", doseLevel: 2, cohort: 2 },
    { USUBJID: "E", doseLevel: 2, cohort: 2 },
    { USUBJID: "F", doseLevel: 2, cohort: 2 },
  ];
  const statuses = [
    patientDltStatus("A", [], 1, 40, DEFINITION),
    patientDltStatus("B", [], 1, 40, DEFINITION),
    patientDltStatus("C", [], 1, 40, DEFINITION),
    patientDltStatus("D", [event({ USUBJID: "D" })], 1, 15, DEFINITION),
    patientDltStatus("E", [], 1, 15, DEFINITION),
    patientDltStatus("F", [], 0, 30, DEFINITION),
  ];

  it("writes complete cohorts, stops at a cohort with a pending patient, and leaves out the non-evaluable", () => {
    expect(outcomeHistory(members, statuses)).toEqual({ outcomes: "1NNN", pending: ["E"], excluded: ["F"] });
  });

  it("writes follow-up days for a TITE design, and the design decides from it", () => {
    const history = outcomeHistory(members, statuses, { windowDays: 21 });
    expect(history.outcomes).toBe("1NNN 2TN[15]");
    const tite = createDesign({ design: "tite-crm", target: 0.25, doses: 4, skeleton: [0.05, 0.12, 0.25, 0.4], window: 21 });
    expect(tite.decide(history.outcomes).dose).not.toBeNull();
  });

  it("writes responses (E, or B with a DLT) for designs that use them", () => {
    const responders = new Set(["B", "D"]);
    expect(outcomeHistory(members, statuses, { responders }).outcomes).toBe("1NEN");
    expect(outcomeHistory(members, statuses, { windowDays: 21, responders }).outcomes).toBe("1NEN 2BN[15]");
  });

  it("marks backfill cohorts (+), leaves out their patients still being assessed, and goes on past them", () => {
    // Cohort 3 is backfill at dose 1 (G done, H pending); cohort 4 is the next dose-finding cohort at dose 3.
    const withBackfill = [
      ...members.slice(0, 3),
      { USUBJID: "D", doseLevel: 2, cohort: 2 },
      { USUBJID: "G", doseLevel: 1, cohort: 3, backfill: true },
      { USUBJID: "H", doseLevel: 1, cohort: 3, backfill: true },
      { USUBJID: "I", doseLevel: 3, cohort: 4 },
    ];
    const done = [
      ...statuses.slice(0, 4),
      patientDltStatus("G", [], 1, 40, DEFINITION),
      patientDltStatus("H", [], 1, 10, DEFINITION),
      patientDltStatus("I", [], 1, 40, DEFINITION),
    ];
    expect(outcomeHistory(withBackfill, done)).toEqual({ outcomes: "1NNN 2T +1N 3N", pending: ["H"], excluded: [] });
    // The backfill cohort does not move dose finding: the current dose is 3.
    expect(createDesign({ design: "boin", target: 0.3, doses: 4 }).replay("1NNN 2T +1N 3N").current).toBe(2);
  });
});
