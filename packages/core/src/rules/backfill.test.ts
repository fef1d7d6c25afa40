import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { exactOperatingCharacteristics } from "../simulate/exact.js";
import { simulate } from "../simulate/monte-carlo.js";
import { loadFixture } from "../test-support/fixtures.js";
import { openBackfillDoses, resolveBackfillConflict } from "./backfill.js";
import type { RuleSpecInput } from "./schema.js";

interface Published {
  bf_boin_zhao_2024: {
    table1: {
      target: number;
      n_from: number;
      escalate_if_dlt_at_most: number[];
      deescalate_if_dlt_at_least: number[];
      eliminate_if_dlt_at_least: number[];
    };
    table4: {
      scenario: number;
      truth: number[];
      efficacy: number[];
      mtd: number;
      bf_boin: Partial<Record<Measure, number>>;
      boin?: Partial<Record<Measure, number>>;
    }[];
  };
}
type Measure = "correct" | "over" | "below" | "at" | "above" | "total" | "months";
const published = loadFixture<Published>("published-values.json").bf_boin_zhao_2024;
const scenario2 = published.table4[1]!;

// BF-BOIN's BOIN: target 0.25, 1 DLT of 3 stays (λe = 0.1968, λd = 0.2984).
const BOIN = { design: "boin", target: 0.25, doses: 5, cohorts: 10, earlyStopN: 9, stayOnOneOfThree: true, coherent: false } as const;
const BF_BOIN = { ...BOIN, rules: [{ type: "backfill", maxPerDose: 12 }] };
const decide = createDesign(BOIN).method.decisionAt!;
const ESCALATE = 1;
const STAY = 0;
const DEESCALATE = -1;

describe("BF-BOIN's boundaries (Zhao et al. 2024, Table 1)", () => {
  it("are BOIN's at target 0.25 with 1 DLT of 3 a stay", () => {
    const { table1 } = published;
    const rows = createDesign(BOIN)
      .boundaries()
      .table.filter((row) => row.n >= table1.n_from);
    expect(rows.map((r) => r.escalate)).toEqual(table1.escalate_if_dlt_at_most);
    expect(rows.map((r) => r.deescalate)).toEqual(table1.deescalate_if_dlt_at_least);
    expect(rows.map((r) => r.eliminate)).toEqual(table1.eliminate_if_dlt_at_least);
    // Without the option, 1 of 3 de-escalates (1/3 ≥ λd).
    expect(createDesign({ ...BOIN, stayOnOneOfThree: false }).boundaries().table[2]!.deescalate).toBe(1);
    expect([decide(3, 1), decide(6, 1), decide(6, 2)]).toEqual([STAY, ESCALATE, DEESCALATE]);
  });
});

describe("opening and closing doses for backfill", () => {
  const view = (completed: number[], dlts: number[], responses: number[], treated = completed) => ({ completed, dlts, treated, responses });
  const all = [1, 1, 1, 1, 1];

  it("opens the doses below the current one at or above the lowest dose with a response, highest first", () => {
    expect(openBackfillDoses(view([3, 3, 3, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]), 2, decide, 12, all)).toEqual([]);
    expect(openBackfillDoses(view([3, 3, 3, 0, 0], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0]), 3, decide, 12, all)).toEqual([2, 1]);
    expect(openBackfillDoses(view([3, 3, 3, 0, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]), 3, decide, 12, all)).toEqual([2, 1, 0]);
  });

  it("stops at the cap, counting patients still being assessed", () => {
    expect(openBackfillDoses(view([3, 9, 3, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [3, 12, 3, 0, 0]), 3, decide, 12, all)).toEqual([
      2, 0,
    ]);
  });

  it("closes a dose whose data alone and pooled with the next dose call for de-escalation, and every dose above it", () => {
    // Dose 2: 2 of 6 (de-escalate); pooled with dose 3 (0 of 3): 2 of 9 = 0.22 stays, so dose 2 stays open.
    expect(openBackfillDoses(view([3, 6, 3, 0, 0], [0, 2, 0, 0, 0], [1, 0, 0, 0, 0]), 3, decide, 12, all)).toEqual([2, 1, 0]);
    // Dose 3 at 1 of 3 as well: pooled 3 of 9 = 0.33 de-escalates: doses 2 and 3 close, dose 1 stays open.
    expect(openBackfillDoses(view([3, 6, 3, 0, 0], [0, 2, 1, 0, 0], [1, 0, 0, 0, 0]), 3, decide, 12, all)).toEqual([0]);
    // An eliminated dose takes nobody.
    expect(openBackfillDoses(view([3, 3, 3, 0, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]), 3, decide, 12, [1, 1, 0, 0, 0])).toEqual([1, 0]);
  });
});

describe("conflicts between backfill and dose-finding data (Zhao et al. 2024, Table 2)", () => {
  it("finds none when the lower doses agree", () => {
    expect(resolveBackfillConflict([6, 6, 3, 0, 0], [1, 1, 0, 0, 0], 2, decide)).toBeNull();
  });

  it("pools from the highest conflicting dose: stay", () => {
    // Dose 2 says de-escalate (2 of 6), dose 3 escalate (0 of 3): pooled 2 of 9 = 0.22 stays.
    expect(resolveBackfillConflict([3, 6, 3, 0, 0], [0, 2, 0, 0, 0], 2, decide)).toEqual({
      from: 1,
      pooledPatients: 9,
      pooledDlts: 2,
      next: 2,
    });
  });

  it("pools from the highest conflicting dose: escalate", () => {
    // Dose 2 stays (1 of 3) where dose 3 escalates (0 of 6): pooled 1 of 9 = 0.11 escalates.
    expect(resolveBackfillConflict([3, 3, 6, 0, 0], [0, 1, 0, 0, 0], 2, decide)).toEqual({
      from: 1,
      pooledPatients: 9,
      pooledDlts: 1,
      next: 3,
    });
  });

  it("pools from the highest conflicting dose: de-escalate below every dose whose pooled data still de-escalate", () => {
    // Dose 2 at 2 of 6, dose 3 at 2 of 3: pooled 4 of 9 de-escalates; dose 2 alone de-escalates too: go to dose 1.
    expect(resolveBackfillConflict([3, 6, 3, 0, 0], [0, 2, 2, 0, 0], 2, decide)).toEqual({
      from: 1,
      pooledPatients: 9,
      pooledDlts: 4,
      next: 0,
    });
    // From the lowest dose, never below it.
    expect(resolveBackfillConflict([6, 3, 0, 0, 0], [2, 2, 0, 0, 0], 1, decide)!.next).toBe(0);
  });
});

describe("a design with backfill", () => {
  it("counts backfill cohorts (+) at their dose without moving dose finding, and names the doses open to backfill", () => {
    const design = createDesign(BF_BOIN);
    const state = design.replay("1NNN 2NEN 3NNN +2NNT +1ENN");
    expect(state.current).toBe(2);
    expect(state.cohorts).toBe(3);
    expect(Array.from(state.patients)).toEqual([6, 6, 3, 0, 0]);
    const decision = design.decide("1NNN 2NEN 3NNN +2NNT +1ENN");
    expect(decision).toMatchObject({ action: "escalate", dose: 4, backfill: [3, 2, 1] });
    // Dose 2 now at 2 of 6 conflicts with dose 3's 0 of 3: pooled 2 of 9 stays at dose 3.
    const conflicted = design.decide("1NNN 2NEN 3NNN +2NTT");
    expect(conflicted).toMatchObject({ action: "stay", dose: 3 });
    expect(conflicted.reasons.join(" ")).toMatch(/Backfill data at dose 2 conflict with dose 3's: pooled from dose 2 to dose 3, 2 of 9/);
    // Without the rule, the same history decides from dose 3's data alone.
    expect(createDesign(BOIN).decide("1NNN 2NEN 3NNN +2NTT")).toMatchObject({ action: "escalate", dose: 4 });
  });

  it("composes with every design, and is simulated only in calendar time with response probabilities", () => {
    // Every design takes it: the 3+3 counts backfill patients at their dose (2 DLTs there close it).
    const threePlusThree = createDesign({ design: "three-plus-three", doses: 4, rules: [{ type: "backfill" }] });
    expect(threePlusThree.decide("1NEN 2NNN")).toMatchObject({ action: "escalate", dose: 3, backfill: [2, 1] });
    expect(threePlusThree.decide("1NEN 2NNN +1TTN").why.map((r) => r.code)).toContain("3+3-exceeded");
    const design = createDesign(BF_BOIN);
    const truth = scenario2.truth;
    expect(() => exactOperatingCharacteristics(design, { truth })).toThrow(/simulate in calendar time/);
    expect(() => simulate(design, { truth, trials: 10, seed: 1 })).toThrow(/calendar: is required for a design with backfill/);
    expect(() => simulate(design, { truth, trials: 10, seed: 1, calendar: { accrual: 3 } })).toThrow(/efficacy: is required/);
  });

  it("backfills a time-to-event design while it suspends accrual", () => {
    const truth = [0.05, 0.12, 0.25, 0.4, 0.55];
    const efficacy = [0.2, 0.3, 0.4, 0.5, 0.6];
    const tite = (rules: RuleSpecInput[]) => createDesign({ design: "tite-boin", target: 0.25, doses: 5, window: 60, rules });
    const options = { truth, efficacy, trials: 1000, seed: 1, calendar: { accrual: 4 } };
    const withBackfill = simulate(tite([{ type: "backfill" }]), options);
    const without = simulate(tite([]), options);
    expect(without.sampleSize).toBe(30);
    expect(withBackfill.sampleSize).toBeGreaterThan(35);
    expect(withBackfill.backfilled!.reduce((a, b) => a + b, 0)).toBeCloseTo(withBackfill.sampleSize - 30, 9);
    expect(tite([{ type: "backfill" }]).decide("1NEN 2N[10]N[5]N")).toMatchObject({ action: "suspend", dose: 2, backfill: [1] });
  });

  it("backfills less when responses are seen later than the DLT window (responseDays)", () => {
    const { truth, efficacy } = scenario2;
    const total = (responseDays?: number) =>
      simulate(createDesign(BF_BOIN), {
        truth,
        efficacy,
        trials: 2000,
        seed: 5,
        calendar: { accrual: 3, whenFull: "turn-away", ...(responseDays === undefined ? {} : { responseDays }) },
      }).backfilled!.reduce((a, b) => a + b, 0);
    expect(total(150)).toBeLessThan(0.8 * total());
  });

  it("composes with model-based designs: backfill patients enter the model, doses open and close by BOIN's boundaries at the target", () => {
    const { truth, efficacy } = scenario2;
    const crm = createDesign({
      design: "crm",
      target: 0.25,
      doses: 5,
      cohorts: 10,
      skeleton: [0.12, 0.25, 0.4, 0.5, 0.6],
      rules: [{ type: "backfill", maxPerDose: 12 }],
    });
    const r = simulate(crm, { truth, efficacy, trials: 300, seed: 4, calendar: { accrual: 3, whenFull: "turn-away" } });
    expect(r.backfilled![0]! + r.backfilled![1]!).toBeGreaterThan(1);
    expect(r.sampleSize).toBeGreaterThan(30 + 1);
    // Without the rule the CRM treats its 30 dose-finding patients only.
    const plain = simulate(createDesign({ ...crm.spec, rules: [] }), { truth, efficacy, trials: 300, seed: 4, calendar: { accrual: 3 } });
    expect(plain.sampleSize).toBe(30);
    expect(crm.decide("1NNN 2NEN")).toMatchObject({ dose: 3, backfill: [2] });
  });

  it("with no response, never backfills: exactly BOIN in calendar time", () => {
    const options = { truth: scenario2.truth, trials: 2000, seed: 3, calendar: { accrual: 3 }, efficacy: [0, 0, 0, 0, 0] };
    const bf = simulate(createDesign(BF_BOIN), options);
    expect(bf.backfilled).toEqual([0, 0, 0, 0, 0]);
    const { backfilled: _a, standardErrors: _b, ...withRule } = bf;
    const { backfilled: _c, standardErrors: _d, ...plain } = simulate(createDesign(BOIN), options);
    expect(withRule).toEqual(plain);
  });

  it.each(published.table4.map((row) => [row.scenario, row]))(
    "reproduces Zhao et al.'s Table 4, scenario %i (within 2 points, 0.5 patients, 0.25 months)",
    (_scenario, row) => {
      const { truth, efficacy, mtd, bf_boin, boin } = row as (typeof published.table4)[number];
      const calendar = { accrual: 3, arrivals: "uniform" as const, window: 30, whenFull: "turn-away" as const };
      const designs = [["BF-BOIN", BF_BOIN, bf_boin] as const, ...(boin ? [["BOIN", BOIN, boin] as const] : [])];
      for (const [name, spec, expected] of designs) {
        const r = simulate(createDesign(spec), { truth, efficacy, trials: 10_000, seed: 2024, calendar });
        const at = mtd - 1;
        const sum = (values: number[], from: number, to: number) => values.slice(from, to).reduce((a, b) => a + b, 0);
        const ours: Record<Measure, number> = {
          correct: 100 * r.selection[at]!,
          over: 100 * sum(r.selection, at + 1, 5),
          below: sum(r.patients, 0, at),
          at: r.patients[at]!,
          above: sum(r.patients, at + 1, 5),
          total: r.sampleSize,
          months: r.durationMonths!,
        };
        const tolerance: Record<Measure, number> = { correct: 2, over: 2, below: 0.5, at: 0.5, above: 0.5, total: 0.5, months: 0.25 };
        for (const [measure, value] of Object.entries(expected) as [Measure, number][])
          expect(Math.abs(ours[measure] - value), `${name} ${measure}: ${ours[measure]} vs ${value}`).toBeLessThan(tolerance[measure]);
      }
    },
  );
});
