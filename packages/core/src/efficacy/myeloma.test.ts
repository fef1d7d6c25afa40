import { describe, expect, it } from "vitest";
import { confirmedMyelomaResponse, myelomaResponse } from "./myeloma.js";

const serumOnly = { serumM: 3.0 };

describe("myeloma response (IMWG 2006/2016, EBMT 1998)", () => {
  const imwg = (now: Parameters<typeof myelomaResponse>[3], baseline = serumOnly, nadir = baseline) =>
    myelomaResponse("IMWG", baseline, nadir, now).response;

  it("grades the serum M-protein fall on both sides of 50% (PR) and 25% (MR)", () => {
    expect(imwg({ serumM: 1.5 })).toBe("PR");
    expect(imwg({ serumM: 1.51 })).toBe("MR");
    expect(imwg({ serumM: 2.25 })).toBe("MR");
    expect(imwg({ serumM: 2.26 })).toBe("SD");
  });

  it("gives VGPR for a ≥ 90% serum fall with urine < 100 mg/24 h (IMWG only)", () => {
    expect(imwg({ serumM: 0.3, urineM: 50 })).toBe("VGPR");
    expect(imwg({ serumM: 0.3, urineM: 150 })).toBe("PR");
    expect(myelomaResponse("EBMT", serumOnly, serumOnly, { serumM: 0.3, urineM: 50 }).response).toBe("PR");
  });

  it("calls a 39% serum fall with the urine M-protein gone a minimal response (both criteria)", () => {
    const baseline = { serumM: 2.0, urineM: 500 };
    const now = { serumM: 1.22, urineM: 0 };
    expect(myelomaResponse("EBMT", baseline, baseline, now).response).toBe("MR");
    expect(myelomaResponse("IMWG", baseline, baseline, now).response).toBe("MR");
  });

  it("takes the lowest category the measurable components support", () => {
    const baseline = { serumM: 2.0, urineM: 800 };
    // Serum −60% (PR) but urine only −40%: SD.
    expect(myelomaResponse("IMWG", baseline, baseline, { serumM: 0.8, urineM: 480 }).response).toBe("SD");
    // Urine < 200 mg/24 h counts as the urine PR criterion.
    expect(myelomaResponse("IMWG", baseline, baseline, { serumM: 0.8, urineM: 190 }).response).toBe("PR");
  });

  it("needs negative immunofixation and < 5% marrow plasma cells for CR", () => {
    expect(imwg({ serumM: 0, urineM: 0, immunofixationNegative: true, marrowPlasmaCells: 4.9 })).toBe("CR");
    expect(imwg({ serumM: 0, urineM: 0, immunofixationNegative: true, marrowPlasmaCells: 5 })).toBe("VGPR");
    expect(imwg({ serumM: 0, urineM: 0, immunofixationNegative: false })).toBe("VGPR");
  });

  it("calls progression at a ≥ 25% and ≥ 0.5 g/dL rise from the nadir, or new lesions", () => {
    const nadir = { serumM: 1.0 };
    expect(imwg({ serumM: 1.5 }, serumOnly, nadir)).toBe("PD");
    expect(imwg({ serumM: 1.49 }, serumOnly, nadir)).toBe("PR"); // +0.49 g/dL is not progression; 50.3% below baseline
    expect(imwg({ serumM: 3.6 }, serumOnly, { serumM: 3.0 })).toBe("SD"); // +0.6 but only +20%
    expect(imwg({ serumM: 1.0, newLesions: true })).toBe("PD");
  });

  it("calls urine progression at a ≥ 25% and ≥ 200 mg/24 h rise from the nadir (both sides of each)", () => {
    const baseline = { urineM: 2000 };
    const response = (urineM: number, nadir: number) => myelomaResponse("IMWG", baseline, { urineM: nadir }, { urineM }).response;
    expect(response(600, 400)).toBe("PD"); // +200 mg, +50%
    expect(response(599, 400)).toBe("MR"); // +199 mg: not progression; 70% below baseline
    expect(response(1250, 1000)).toBe("PD"); // +250 mg, +25%
    expect(response(1249, 1000)).toBe("SD"); // +249 mg but +24.9%
  });

  it("IMWG 2016: from a lowest serum M-protein of ≥ 5 g/dL, a 1 g/dL rise is progression even below 25%", () => {
    const baseline = { serumM: 7.0 };
    const response = (criteria: "IMWG" | "EBMT", serumM: number, nadir: number) =>
      myelomaResponse(criteria, baseline, { serumM: nadir }, { serumM }).response;
    expect(response("IMWG", 6.0, 5.0)).toBe("PD"); // +1.0 g/dL = +20% from 5.0
    expect(response("IMWG", 5.99, 5.0)).toBe("SD"); // +0.99 g/dL: not progression; 14% below baseline
    expect(response("IMWG", 5.9, 4.9)).not.toBe("PD"); // lowest value below 5 g/dL: +1.0 is only +20.4%
    expect(response("EBMT", 6.0, 5.0)).not.toBe("PD"); // EBMT has no such rule
  });

  it("refuses a baseline without measurable disease", () => {
    expect(() => imwg({ serumM: 0.2 }, { serumM: 0.5 })).toThrow(/baseline: must have measurable disease/);
  });
});

describe("myeloma response confirmation", () => {
  it("IMWG: two consecutive assessments; the lower of the two counts", () => {
    expect(
      confirmedMyelomaResponse("IMWG", [
        { day: 28, response: "PR" },
        { day: 56, response: "PR" },
      ]),
    ).toBe("PR");
    expect(
      confirmedMyelomaResponse("IMWG", [
        { day: 28, response: "VGPR" },
        { day: 56, response: "PR" },
      ]),
    ).toBe("PR");
    expect(
      confirmedMyelomaResponse("IMWG", [
        { day: 28, response: "PR" },
        { day: 56, response: "SD" },
      ]),
    ).toBe("SD");
  });

  it("EBMT: maintained for six weeks", () => {
    expect(
      confirmedMyelomaResponse("EBMT", [
        { day: 0, response: "MR" },
        { day: 30, response: "MR" },
      ]),
    ).toBe("SD");
    expect(
      confirmedMyelomaResponse("EBMT", [
        { day: 0, response: "MR" },
        { day: 30, response: "MR" },
        { day: 42, response: "MR" },
      ]),
    ).toBe("MR");
  });

  it("EBMT and IMWG progression each as its criteria state: > 25% with confirmation vs ≥ 25% (issue 19)", () => {
    // Serum M-protein 2.0 → 2.5 g/dL from its lowest value: +0.5 g/dL and exactly +25%.
    const at25 = (criteria: "IMWG" | "EBMT") => myelomaResponse(criteria, serumOnly, { serumM: 2.0 }, { serumM: 2.5 }).response;
    expect(at25("IMWG")).toBe("PD"); // ≥ 25%
    expect(at25("EBMT")).toBe("SD"); // not > 25%: and 2.5 is only 17% below the baseline 3.0
    expect(myelomaResponse("EBMT", serumOnly, { serumM: 2.0 }, { serumM: 2.6 }).response).toBe("PD"); // +30%
    // EBMT: a rise must be shown again by the repeat investigation.
    expect(
      confirmedMyelomaResponse("EBMT", [
        { day: 28, response: "SD" },
        { day: 56, response: "PD" },
        { day: 84, response: "SD" },
      ]),
    ).toBe("SD");
    expect(
      confirmedMyelomaResponse("EBMT", [
        { day: 28, response: "SD" },
        { day: 56, response: "PD" },
        { day: 70, response: "PD" },
      ]),
    ).toBe("PD");
    expect(confirmedMyelomaResponse("EBMT", [{ day: 56, response: "PD" }])).toBe("NE"); // not yet repeated
    // IMWG: one assessment is enough.
    expect(
      confirmedMyelomaResponse("IMWG", [
        { day: 28, response: "SD" },
        { day: 56, response: "PD" },
        { day: 84, response: "SD" },
      ]),
    ).toBe("PD");
  });

  it("is PD when progression comes before any confirmed response", () => {
    expect(
      confirmedMyelomaResponse("IMWG", [
        { day: 28, response: "PR" },
        { day: 56, response: "PD" },
      ]),
    ).toBe("PD");
  });
});

describe("myeloma: free light chains and stringent CR (IMWG)", () => {
  const lightChainOnly = { involvedFlc: 50, uninvolvedFlc: 1, flcRatio: 50 };

  it("measures light-chain-only disease by the FLC difference: PR at a 50% fall, PD at +25% and +10 mg/dL", () => {
    expect(myelomaResponse("IMWG", lightChainOnly, lightChainOnly, { involvedFlc: 25.5, uninvolvedFlc: 1, flcRatio: 25 }).response).toBe(
      "PR",
    );
    expect(myelomaResponse("IMWG", lightChainOnly, lightChainOnly, { involvedFlc: 26, uninvolvedFlc: 1, flcRatio: 26 }).response).toBe(
      "SD",
    );
    const nadir = { involvedFlc: 21, uninvolvedFlc: 1, flcRatio: 21 }; // difference 20
    expect(myelomaResponse("IMWG", lightChainOnly, nadir, { involvedFlc: 31, uninvolvedFlc: 1, flcRatio: 31 }).response).toBe("PD");
    expect(myelomaResponse("IMWG", lightChainOnly, nadir, { involvedFlc: 30.9, uninvolvedFlc: 1, flcRatio: 30 }).response).toBe("SD"); // +9.9: not PD; 39% below baseline
    expect(myelomaResponse("EBMT", lightChainOnly, lightChainOnly, { involvedFlc: 10, uninvolvedFlc: 1, flcRatio: 10 }).response).toBe(
      "NE",
    );
  });

  it("calls a stringent CR with a normal FLC ratio and no clonal cells", () => {
    const complete = { serumM: 0, immunofixationNegative: true, marrowPlasmaCells: 2 };
    expect(myelomaResponse("IMWG", serumOnly, serumOnly, { ...complete, flcRatio: 1.2, clonalCellsAbsent: true }).response).toBe("sCR");
    expect(myelomaResponse("IMWG", serumOnly, serumOnly, { ...complete, flcRatio: 1.7, clonalCellsAbsent: true }).response).toBe("CR");
    expect(myelomaResponse("EBMT", serumOnly, serumOnly, { ...complete, flcRatio: 1.2, clonalCellsAbsent: true }).response).toBe("CR");
  });
});
