import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import { boinLambdas } from "./boin.js";

interface Published {
  boin_boundaries: {
    target: number;
    lambda_e: number;
    lambda_d: number;
    n: number[];
    escalate_if_dlt_at_most: number[];
    deescalate_if_dlt_at_least: number[];
    eliminate_if_dlt_at_least: number[];
  };
  boin_conduct_sequence: { steps: [string, number][] };
  boin_select_mtd: { patients: number[]; dlts: number[]; mtd: number };
}
const published = loadFixture<Published>("published-values.json");

const boin = (extra: Record<string, unknown> = {}) => createDesign({ design: "boin", target: 0.3, doses: 5, cohorts: 10, ...extra });

/** Builds an outcome string with the given patients/DLTs per dose (cohorts of any size). */
function historyOf(patients: number[], dlts: number[]): string {
  return patients
    .map((n, d) => (n === 0 ? "" : `${d + 1}${"T".repeat(dlts[d]!)}${"N".repeat(n - dlts[d]!)}`))
    .filter(Boolean)
    .join(" ");
}

describe("BOIN (Liu & Yuan 2015)", () => {
  it("computes λe and λd as published", () => {
    const { lambdaE, lambdaD } = boinLambdas(0.3, 0.18, 0.42); // the defaults 0.6 and 1.4 × target
    expect(lambdaE).toBeCloseTo(published.boin_boundaries.lambda_e, 7);
    expect(lambdaD).toBeCloseTo(published.boin_boundaries.lambda_d, 7);
  });

  it("reproduces the published escalation, de-escalation and elimination table", () => {
    const table = boin().boundaries();
    expect(table.lambdaE).toBeCloseTo(published.boin_boundaries.lambda_e, 7);
    const p = published.boin_boundaries;
    p.n.forEach((n, i) => {
      const row = table.table.find((r) => r.n === n)!;
      expect(row, `n = ${n}`).toEqual({
        n,
        escalate: p.escalate_if_dlt_at_most[i],
        deescalate: p.deescalate_if_dlt_at_least[i],
        eliminate: p.eliminate_if_dlt_at_least[i],
      });
    });
  });

  it("follows the published conduct sequence (Han et al. 2019)", () => {
    // The BOIN package has no coherence rule: after 2NTN (1 of 6 overall, 1 of 3 last) it escalates.
    const design = boin({ coherent: false });
    for (const [outcomes, next] of published.boin_conduct_sequence.steps) {
      expect(design.decide(outcomes).dose, outcomes).toBe(next);
    }
    // After 4TTT, doses 4 and 5 are eliminated.
    const last = design.decide(published.boin_conduct_sequence.steps.at(-1)![0]);
    expect(last.admissible).toEqual([true, true, true, false, false]);
  });

  it("selects the published MTD by isotonic regression (select.mtd)", () => {
    const { patients, dlts, mtd } = published.boin_select_mtd;
    expect(boin().selectMtd(historyOf(patients, dlts)).mtd).toBe(mtd);
  });

  it("breaks MTD ties as published: the highest dose below the target, the lowest above", () => {
    // 2/6 then 1/6 violate the order and pool to one estimate (≈ 0.24) below 0.3: the higher dose wins.
    const below = boin().selectMtd(historyOf([6, 6, 0, 0, 0], [2, 1, 0, 0, 0]));
    expect(below.estimates![0]).toBe(below.estimates![1]);
    expect(below.mtd).toBe(2);
    // 3/6 then 2/6 pool to one estimate above 0.3: the lower dose wins.
    const above = boin().selectMtd(historyOf([6, 6, 0, 0, 0], [3, 2, 0, 0, 0]));
    expect(above.estimates![0]).toBe(above.estimates![1]);
    expect(above.estimates![0]).toBeGreaterThan(0.3);
    expect(above.mtd).toBe(1);
  });

  it("excludes eliminated doses from MTD selection and reports none when dose 1 is eliminated", () => {
    // Dose 3 with 3/3 DLTs is eliminated (P(p > 0.3) = 0.992 > 0.95), so doses 1–2 only.
    const selection = boin().selectMtd("1NNN 2NNN 3TTT");
    expect(selection.mtd).toBe(2);
    expect(selection.estimates?.[2]).toBeNull();
    expect(boin().decide("1TTT").stop).toBe(true);
    expect(boin().decide("1TTT").mtd).toBeNull();
  });

  it("applies the extra-safe rule only to the lowest dose: 2/3 DLTs there stops the trial (P = 0.916 > 0.90)", () => {
    // Beta(3, 2) upper tail at 0.3: 1 − (4·0.3³ − 3·0.3⁴) = 0.9163.
    expect(boin().decide("1NTT").stop).toBe(false);
    const safe = boin({ extraSafe: true }).decide("1NTT");
    expect(safe.stop).toBe(true);
    expect(safe.reasons.join(" ")).toMatch(/Extra-safe rule/);
    // The same data at dose 2 is a plain de-escalation.
    expect(boin({ extraSafe: true }).decide("1NNN 2NTT").dose).toBe(1);
  });

  it("stops early when the cap is reached at a dose where the decision is to stay", () => {
    const design = boin({ earlyStopN: 9, coherent: false }); // as the BOIN package: no coherence rule
    // 9 patients at dose 2 with 2 DLTs: 0.222 ≤ λe would escalate, so no stop.
    expect(design.decide("1NNN 2NNN 2NTN 2NTN").action).toBe("escalate");
    // 3 of 9 (0.333) lies between λe and λd: stay, and the cap of 9 is reached → stop with an MTD.
    const stopped = design.decide("1NNN 2NNN 2NTN 2NTT");
    expect(stopped.stop).toBe(true);
    expect(stopped.mtd).toBe(2);
    expect(design.decide("1NNN 2NTN 2NTT").stop).toBe(false);
  });

  it("stops after the maximum number of cohorts and selects the MTD", () => {
    const design = boin({ cohorts: 2 });
    const decision = design.decide("1NNN 2NTN");
    expect(decision.stop).toBe(true);
    expect(decision.mtd).toBe(2);
  });

  it("rejects pSafe/pTox on the wrong side of the target", () => {
    expect(() => boin({ pSafe: 0.35 })).toThrow(/pSafe: 0.35 is not allowed; must be in \(0, target = 0.3\)/);
    expect(() => boin({ pTox: 0.2 })).toThrow(/pTox: 0.2 is not allowed; must be in \(target = 0.3, 1\)/);
    // With a high target the default pTox = 1.4 × target would reach 1: say so rather than compute NaN boundaries.
    expect(() => createDesign({ design: "boin", target: 0.75, doses: 3 })).toThrow(/pTox: 1.05 .*the default 1.4 × target/);
  });
});
