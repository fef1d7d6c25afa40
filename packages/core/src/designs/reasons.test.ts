import { describe, expect, it } from "vitest";
import { createDesign } from "./design.js";

/** Decisions say why as data (issue 17): tests, the web and the signed record can match codes, not prose. */
describe("structured reasons", () => {
  it("give BOIN's rule with the numbers behind it, doses 1-based", () => {
    const decision = createDesign({ design: "boin", target: 0.3, doses: 5 }).decide("1NNN 2NNN 3NTT");
    expect(decision.why).toEqual([
      {
        code: "boin-rule",
        dose: 3,
        n: 3,
        y: 2,
        lambdaE: expect.closeTo(0.2365, 4),
        lambdaD: expect.closeTo(0.3585, 4),
        move: "de-escalate",
      },
    ]);
  });

  it("name the rule that changed a decision: coherence, no skipping, a suspension, a backfill conflict", () => {
    const boin = createDesign({ design: "boin", target: 0.3, doses: 5, cohorts: 10 });
    const codes = boin.decide("1NNN 1NNN 1NTN").why.map((r) => r.code);
    expect(codes.filter((code) => code !== "deviation")).toEqual(["boin-rule", "coherence"]);
    const crm = createDesign({ design: "crm", target: 0.25, doses: 5, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] });
    expect(crm.decide("1NNN").why).toContainEqual({ code: "no-skipping", dose: 2 });
    const tite = createDesign({ design: "tite-boin", target: 0.2, doses: 5, window: 90 });
    expect(tite.decide("1NNN 2N[10]N[5]N").why).toEqual([
      { code: "pending-suspend", dose: 2, n: 3, y: 0, pending: 2, stft: expect.closeTo(15 / 90, 9), maxPendingFraction: 0.5 },
    ]);
    const bf = createDesign({
      design: "boin",
      target: 0.25,
      doses: 5,
      stayOnOneOfThree: true,
      coherent: false,
      rules: [{ type: "backfill" }],
    });
    expect(bf.decide("1NNN 2NEN 3NNN +2NTT").why).toContainEqual({ code: "backfill-conflict", dose: 3, from: 2, n: 9, y: 2, to: 3 });
  });

  it("state BF-BOIN's 1-of-3 stay rather than the λd move it overrides", () => {
    const decision = createDesign({ design: "boin", target: 0.25, doses: 5, stayOnOneOfThree: true }).decide("1NNN 2NTN");
    expect(decision.dose).toBe(2);
    const rule = decision.why.find((reason) => reason.code === "boin-rule");
    expect(rule).toMatchObject({ dose: 2, n: 3, y: 1, move: "stay" });
    expect(decision.reasons.find((text) => text.includes("λd"))).toMatch(
      /is ≥ λd = .*, but 1 DLT of 3 stays \(stayOnOneOfThree\): stay\.$/,
    );
  });

  it("note where a history departed from the design's advice", () => {
    const decision = createDesign({ design: "boin", target: 0.3, doses: 5 }).decide("1NNN 3NNN");
    expect(decision.why[0]).toEqual({ code: "deviation", cohort: 2, dose: 3, advised: 2 });
    expect(decision.reasons[0]).toBe("Note: cohort 2 was treated at dose 3 where the design advised dose 2.");
  });

  it("come with MTD selection too", () => {
    const selection = createDesign({ design: "three-plus-three", doses: 4 }).selectMtd("1NNN 2NNN 3NTT");
    expect(selection.why.at(-1)).toEqual({ code: "3+3-mtd", dose: 2, deescalation: false });
  });
});
