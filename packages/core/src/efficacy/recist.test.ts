import { describe, expect, it } from "vitest";
import {
  type BaselineLesion,
  bestOverallResponse,
  checkTargetLesions,
  isMeasurable,
  overallResponse,
  sustainedResponses,
  targetResponse,
} from "./recist.js";

const LIVER_A: BaselineLesion = { id: "L1", organ: "liver", nodal: false, diameter: 40 };
const LUNG: BaselineLesion = { id: "L2", organ: "lung", nodal: false, diameter: 30 };
const NODE: BaselineLesion = { id: "N1", organ: "lymph node", nodal: true, diameter: 30 };
const BASELINE = [LIVER_A, LUNG, NODE]; // sum 100 mm

describe("RECIST 1.1 target lesions", () => {
  it("measurability: non-nodal ≥ 10 mm, nodal short axis ≥ 15 mm (both sides)", () => {
    expect(isMeasurable({ nodal: false, diameter: 10 })).toBe(true);
    expect(isMeasurable({ nodal: false, diameter: 9.9 })).toBe(false);
    expect(isMeasurable({ nodal: true, diameter: 15 })).toBe(true);
    expect(isMeasurable({ nodal: true, diameter: 14.9 })).toBe(false);
  });

  it("allows at most 5 targets and 2 per organ", () => {
    const liver = (id: string) => ({ id, organ: "liver", nodal: false, diameter: 20 });
    expect(() => checkTargetLesions([liver("a"), liver("b")])).not.toThrow();
    expect(() => checkTargetLesions([liver("a"), liver("b"), liver("c")])).toThrow(/at most 2 target lesions per organ \(3 in liver\)/);
    const six = Array.from({ length: 6 }, (_, i) => ({ id: `${i}`, organ: `organ ${i}`, nodal: false, diameter: 20 }));
    expect(() => checkTargetLesions(six)).toThrow(/at most 5 target lesions/);
    expect(() => checkTargetLesions([{ ...NODE, diameter: 12 }])).toThrow(/targets.0.diameter: 12 .*short axis ≥ 15 mm/);
  });

  it("PR at a 30% decrease of the sum from baseline, SD just short of it", () => {
    expect(targetResponse(BASELINE, { diameters: [28, 21, 21] }, 100).response).toBe("PR"); // sum 70: −30%
    expect(targetResponse(BASELINE, { diameters: [28, 21, 21.1] }, 100).response).toBe("SD"); // −29.9%
  });

  it("PD needs +20% from the nadir and at least +5 mm", () => {
    // Nadir 20 mm: +20% is 4 mm, below the 5 mm floor → not PD (still a PR against baseline); +5 mm (25%) → PD.
    expect(targetResponse(BASELINE, { diameters: [12, 6, 6] }, 20).response).toBe("PR"); // 24 mm
    expect(targetResponse(BASELINE, { diameters: [13, 6, 6] }, 20).response).toBe("PD"); // 25 mm
    // Nadir 100 mm: +20 mm → PD; +19.9 mm → SD.
    expect(targetResponse(BASELINE, { diameters: [50, 40, 30] }, 100).response).toBe("PD");
    expect(targetResponse(BASELINE, { diameters: [50, 40, 29.9] }, 100).response).toBe("SD");
    expect(targetResponse(BASELINE, { diameters: [50, 40, 30] }, 100).percentFromNadir).toBeCloseTo(20, 12);
  });

  it("CR needs non-nodal targets gone and nodes below 10 mm short axis (the sum need not be 0)", () => {
    expect(targetResponse(BASELINE, { diameters: [0, 0, 9] }, 100).response).toBe("CR");
    expect(targetResponse(BASELINE, { diameters: [0, 0, 10] }, 100).response).toBe("PR");
  });

  it("is NE when a target was not evaluated, unless the others already show PD", () => {
    expect(targetResponse(BASELINE, { diameters: [20, null, 10] }, 100).response).toBe("NE");
    expect(targetResponse(BASELINE, { diameters: [130, null, 10] }, 100).response).toBe("PD");
  });
});

describe("RECIST 1.1 overall response (Tables 1 and 2)", () => {
  it.each([
    ["CR", "CR", false, "CR"],
    ["CR", "non-CR/non-PD", false, "PR"],
    ["CR", "NE", false, "PR"],
    ["PR", "non-CR/non-PD", false, "PR"],
    ["PR", "NE", false, "PR"],
    ["SD", "non-CR/non-PD", false, "SD"],
    ["NE", "non-CR/non-PD", false, "NE"],
    ["PD", "CR", false, "PD"],
    ["SD", "PD", false, "PD"],
    ["CR", "CR", true, "PD"],
    [null, "CR", false, "CR"],
    [null, "non-CR/non-PD", false, "non-CR/non-PD"],
    [null, "NE", false, "NE"],
    [null, "PD", false, "PD"],
  ] as const)("target %s, non-target %s, new lesion %s → %s", (target, nonTarget, newLesion, expected) => {
    expect(overallResponse(target, nonTarget, newLesion)).toBe(expected);
  });
});

describe("RECIST 1.1 best overall response with confirmation", () => {
  // Eisenhauer et al. 2009, Table 3: best overall response when confirmation of CR and PR is required,
  // from the overall responses at a first and a subsequent time point (here 6 and 12 weeks after the
  // first dose — study days 43 and 85 — so a confirmation is ≥ 4 weeks later). "SD if the minimum SD duration was met, otherwise X" rows are
  // checked both ways: minimum 6 weeks (met at week 6) and 13 weeks (not met by either time point).
  it.each([
    ["CR", "CR", "CR", "CR"],
    ["CR", "PR", "PR", "PR"], // Table 3 "SD, PD or PR": footnote a's reading that the first CR was a PR
    ["CR", "SD", "SD", "PD"],
    ["CR", "PD", "SD", "PD"],
    ["CR", "NE", "SD", "NE"],
    ["PR", "CR", "PR", "PR"],
    ["PR", "PR", "PR", "PR"],
    ["PR", "SD", "SD", "NE"], // Table 3 "SD"; without the minimum SD interval (§4.4.1) nothing is established
    ["PR", "PD", "SD", "PD"],
    ["PR", "NE", "SD", "NE"],
    ["NE", "NE", "NE", "NE"],
  ] as const)("Table 3: %s then %s → %s (minimum SD duration met), %s (not met)", (first, second, met, notMet) => {
    const assessments = [
      { day: 43, response: first },
      { day: 85, response: second },
    ];
    expect(bestOverallResponse(assessments, { minStableDays: 42 }).response).toBe(met);
    expect(bestOverallResponse(assessments, { minStableDays: 91 }).response).toBe(notMet);
  });

  it("confirms CR with a second CR at least 28 days later", () => {
    const confirmed = bestOverallResponse([
      { day: 42, response: "PR" },
      { day: 84, response: "CR" },
      { day: 112, response: "CR" },
    ]);
    expect(confirmed.response).toBe("CR");
    expect(confirmed.durationOfResponse).toEqual({ days: 112 - 84, censored: true });
    // 27 days later is too soon: the CR is unconfirmed, but PR→CR 70 days apart confirms a PR.
    expect(
      bestOverallResponse([
        { day: 42, response: "PR" },
        { day: 84, response: "CR" },
        { day: 111, response: "CR" },
      ]).response,
    ).toBe("PR");
  });

  it("counts an unconfirmed response as SD once the minimum SD time has passed, else PD or NE", () => {
    expect(
      bestOverallResponse([
        { day: 43, response: "PR" },
        { day: 85, response: "PD" },
      ]).response,
    ).toBe("SD");
    expect(
      bestOverallResponse([
        { day: 42, response: "SD" },
        { day: 85, response: "PD" },
      ]).response,
    ).toBe("PD");
    expect(bestOverallResponse([{ day: 42, response: "SD" }]).response).toBe("NE");
  });

  it("counts durations one way: study day 42 is 41 days after the first dose, short of a 42-day minimum (issue 19)", () => {
    // Day 1 is the first dose (no day 0), so study day d is d − 1 days after it, for the minimum as for
    // the duration reported beside it.
    const early = bestOverallResponse([{ day: 42, response: "SD" }]);
    expect(early.response).toBe("NE");
    const met = bestOverallResponse([{ day: 43, response: "SD" }]);
    expect(met.response).toBe("SD");
    expect(met.durationOfStableDisease).toEqual({ days: 42, censored: true });
    expect(met.reasons[0]).toBe(
      "Stable disease (or an unconfirmed response) assessed on study day 43, 42 days after the first dose (at least 42).",
    );
  });

  it("ignores assessments after progression and measures the duration of response to it", () => {
    const best = bestOverallResponse([
      { day: 42, response: "PR" },
      { day: 84, response: "PR" },
      { day: 126, response: "PD" },
      { day: 168, response: "CR" },
    ]);
    expect(best.response).toBe("PR");
    expect(best.durationOfResponse).toEqual({ days: 84, censored: false });
  });

  it("needs no confirmation when told so (randomised trials)", () => {
    expect(bestOverallResponse([{ day: 42, response: "CR" }], { confirm: false }).response).toBe("CR");
  });

  it("measures the duration of stable disease from the start of treatment to progression", () => {
    const stable = bestOverallResponse([
      { day: 43, response: "PR" },
      { day: 85, response: "PD" },
    ]);
    expect(stable.response).toBe("SD");
    expect(stable.durationOfStableDisease).toEqual({ days: 84, censored: false }); // day 1 to day 85
  });
});

// The RECIST working group's published examples (recist.eortc.org FAQ and clarifications).
describe("RECIST 1.1 working group examples", () => {
  const single = (diameter: number): BaselineLesion[] => [{ id: "L1", organ: "liver", nodal: false, diameter }];

  it("PR is judged from baseline and PD from the nadir: 165 → 63 → 65 mm is a continued PR", () => {
    // "The definition of SD: a clarification": baseline 165 mm, week 8 63 mm, week 16 65 mm.
    const baseline = single(165);
    const week8 = targetResponse(baseline, { diameters: [63] }, 165);
    const week16 = targetResponse(baseline, { diameters: [65] }, 63);
    expect([week8.response, week16.response]).toEqual(["PR", "PR"]);
    expect(week16.percentFromNadir).toBeCloseTo((100 * 2) / 63, 12);
  });

  it("a confirmed PR stands while the sum drifts up short of PD: 100 → 70, 70, 80, 80, 80 is PR at every time point", () => {
    // "Managing PR when TP measurements change slightly over time".
    const baseline = single(100);
    let nadir = 100;
    const raw = [70, 70, 80, 80, 80].map((sum, i) => {
      const result = targetResponse(baseline, { diameters: [sum] }, nadir);
      nadir = Math.min(nadir, sum);
      return { day: 42 * (i + 1), response: overallResponse(result.response, "non-CR/non-PD", false) };
    });
    expect(raw.map((a) => a.response)).toEqual(["PR", "PR", "SD", "SD", "SD"]); // each time point on its own
    expect(sustainedResponses(raw).map((a) => a.response)).toEqual(["PR", "PR", "PR", "PR", "PR"]);
    expect(bestOverallResponse(raw).response).toBe("PR");
    // Not before the PR is confirmed, and not past progression.
    expect(
      sustainedResponses([
        { day: 42, response: "PR" },
        { day: 63, response: "SD" },
      ]).map((a) => a.response),
    ).toEqual(["PR", "SD"]);
    expect(
      sustainedResponses([
        { day: 42, response: "PR" },
        { day: 84, response: "PR" },
        { day: 126, response: "PD" },
        { day: 168, response: "SD" },
      ]).map((a) => a.response),
    ).toEqual(["PR", "PR", "PD", "SD"]);
  });
});
