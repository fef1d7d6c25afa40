import { describe, expect, it } from "vitest";
import { exactOperatingCharacteristics } from "../../simulate/exact.js";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";

interface Published {
  three_plus_three_sequences: { cases: { outcomes: string; next: number | null; stop: boolean; mtd?: number | null }[] };
}
const published = loadFixture<Published>("published-values.json");

const threePlusThree = (extra: Record<string, unknown> = {}) =>
  createDesign({ design: "three-plus-three", doses: 5, variant: "escalation-only", ...extra });

describe("3+3, escalation-only variant", () => {
  it("reproduces the published sequences", () => {
    const design = threePlusThree();
    for (const { outcomes, next, stop, mtd } of published.three_plus_three_sequences.cases) {
      const decision = design.decide(outcomes);
      expect(decision.dose, outcomes).toBe(next);
      expect(decision.stop, outcomes).toBe(stop);
      if (mtd !== undefined) expect(decision.mtd, outcomes).toBe(mtd);
    }
  });

  it("escalates after 1 of 6, stops after 2 of 6", () => {
    const design = threePlusThree();
    expect(design.decide("1NNT 1NNN").dose).toBe(2);
    const stopped = design.decide("1NNN 2NNT 2NNT");
    expect(stopped.stop).toBe(true);
    expect(stopped.mtd).toBe(1);
    expect(stopped.admissible).toEqual([true, false, false, false, false]);
  });

  it("expands the highest dose to 6 and declares it the MTD on at most 1 DLT", () => {
    const design = threePlusThree({ doses: 2 });
    expect(design.decide("1NNN 2NNN").dose).toBe(2);
    const done = design.decide("1NNN 2NNN 2NTN");
    expect(done.stop).toBe(true);
    expect(done.mtd).toBe(2);
  });

  it("treats nine additional patients at the MTD when an expansion cohort is given", () => {
    const design = threePlusThree({ expansion: 9 });
    const history = "1NNN 2NNN 3NNT 3NTN";
    const opening = design.decide(history);
    expect(opening).toMatchObject({ action: "de-escalate", dose: 2, stop: false, mtd: 2, phase: "expansion", cohortSize: 3 });
    expect(design.decide(`${history} 2NNN 2NTN`).dose).toBe(2);
    // Toxicity during expansion does not reopen dose finding: the expansion is treated to completion.
    const finished = design.decide(`${history} 2NNN 2NTN 2TTN`);
    expect(finished.stop).toBe(true);
    expect(finished.mtd).toBe(2);
    expect(design.selectMtd(`${history} 2NNN 2NTN 2TTN`).mtd).toBe(2);
  });

  it("has no MTD when dose 1 is too toxic", () => {
    expect(threePlusThree().decide("1NNT 1NTN")).toMatchObject({ stop: true, mtd: null, dose: null });
  });
});

describe("3+3 with de-escalation", () => {
  const design = threePlusThree({ variant: "de-escalation" });

  it("goes back to the lower dose and expands it to 6", () => {
    expect(design.decide("1NNN 2NNN 3NTT")).toMatchObject({ action: "de-escalate", dose: 2 });
    expect(design.decide("1NNN 2NNN 3NTT 2NTN")).toMatchObject({ stop: true, mtd: 2 });
    // Dose 2 fails on expansion too: down again to dose 1, expanded to 6.
    expect(design.decide("1NNN 2NNN 3NTT 2TTN")).toMatchObject({ action: "de-escalate", dose: 1 });
    expect(design.decide("1NNN 2NNN 3NTT 2TTN 1NNN")).toMatchObject({ stop: true, mtd: 1 });
  });

  it("stops at once when the lower dose already has 6 patients", () => {
    expect(design.decide("1NNN 2NNT 2NNN 3NTT")).toMatchObject({ stop: true, mtd: 2 });
  });

  it("requires 6 patients at the MTD", () => {
    // Only 3 patients at dose 1 when dose 2 fails: de-escalate rather than declare it.
    expect(design.decide("1NNN 2TTN").dose).toBe(1);
    expect(design.selectMtd("1NNN 2TTN").mtd).toBeNull();
  });

  it("publishes its decision table", () => {
    expect(design.boundaries().table).toEqual([
      { n: 3, escalate: 0, deescalate: 2, eliminate: 2 },
      { n: 6, escalate: 1, deescalate: 2, eliminate: 2 },
    ]);
  });
});

describe("3+3 at the highest dose: confirmTopDose", () => {
  // bcrm 0.5.4 `threep3`'s exact values (fixture, with its source), where 0 of 3 at the highest dose ends the trial.
  const bcrm = loadFixture<{
    three_plus_three_bcrm: Record<"escalation-only" | "de-escalation", { noMtd: number; selection: number[]; meanSampleSize: number }> & {
      truth: number[];
    };
  }>("published-values.json").three_plus_three_bcrm;

  it.each(["escalation-only", "de-escalation"] as const)("false reproduces bcrm's exact operating characteristics (%s)", (variant) => {
    const design = createDesign({ design: "three-plus-three", doses: 6, variant, confirmTopDose: false });
    const oc = exactOperatingCharacteristics(design, { truth: bcrm.truth });
    const expected = bcrm[variant];
    expect(oc.noMtd).toBeCloseTo(expected.noMtd, 6);
    for (const [d, p] of oc.selection.entries()) expect(p, `dose ${d + 1}`).toBeCloseTo(expected.selection[d]!, 6);
    expect(oc.sampleSize).toBeCloseTo(expected.meanSampleSize, 4);
  });

  it("true (the default) confirms 0 of 3 at the highest dose with 3 more; false stops there", () => {
    const confirming = createDesign({ design: "three-plus-three", doses: 2 });
    expect(confirming.decide("1NNN 2NNN")).toMatchObject({ stop: false, dose: 2 });
    const bcrmStyle = createDesign({ design: "three-plus-three", doses: 2, confirmTopDose: false });
    expect(bcrmStyle.decide("1NNN 2NNN")).toMatchObject({ stop: true, mtd: 2 });
    expect(bcrmStyle.describe()).toMatch(/0 of 3 ends the trial with the highest dose as the MTD/);
  });
});
