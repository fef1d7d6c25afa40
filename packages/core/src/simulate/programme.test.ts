import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import type { DesignSpecInput } from "../designs/spec.js";
import { roseSelection } from "../randomized/rose.js";
import { ValidationError } from "../validation.js";
import { blockRunner, summariseBlocks } from "./blocks.js";
import { exactOperatingCharacteristics } from "./exact.js";
import { blockCount, simulate } from "./monte-carlo.js";

describe("a programme: dose finding, then a randomized comparison (ROSE)", () => {
  const threePlusThree = (interim: boolean): DesignSpecInput => ({
    design: "three-plus-three",
    doses: 3,
    rules: [{ type: "randomized", perArm: 4, boundary: 0, ...(interim ? { interim: { perArm: 2, boundary: 0 } } : {}) }],
  });

  it("times the whole programme exactly when nothing is random", () => {
    // Dose finding as in calendar.test.ts: the last assessment ends on day 210, arrivals every 15 days
    // (the next on day 195, waiting). Stage 1 of the randomized stage takes the arrivals of days 195
    // and 210 (both enrolled on day 210), 225 and 240; the interim is on day 270, when their responses
    // are seen. Dose 3 always responds and dose 2 never: the difference (2) exceeds the interim
    // boundary (0), so 4 more are enrolled on days 270, 270, 285 and 300, and the last assessment ends
    // on day 330 — 315 days (10.5 months) from the first enrolment on day 15; dose 3 is selected.
    const calendar = { accrual: 2, arrivals: "fixed" as const };
    const go = simulate(createDesign(threePlusThree(true)), { truth: [0, 0, 0], efficacy: [0, 0, 1], trials: 5, seed: 1, calendar });
    expect(go.selection).toEqual([0, 0, 1]);
    expect(go.programme!.selection).toEqual([0, 0, 1]);
    expect(go.programme!.randomized).toBe(1);
    expect(go.programme!.randomizedPatients).toBe(8);
    expect(go.programme!.earlySelection).toBe(0);
    expect(go.sampleSize).toBe(20);
    expect(go.patients).toEqual([3, 7, 10]);
    expect(go.durationMonths).toBeCloseTo(10.5, 12);
    // No responses anywhere: the interim keeps dose 2 (the lower) at once, the stage ends on day 270.
    const stop = simulate(createDesign(threePlusThree(true)), { truth: [0, 0, 0], efficacy: [0, 0, 0], trials: 5, seed: 1, calendar });
    expect(stop.programme!.selection).toEqual([0, 1, 0]);
    expect(stop.programme!.earlySelection).toBe(1);
    expect(stop.sampleSize).toBe(16);
    expect(stop.durationMonths).toBeCloseTo(8.5, 12);
  });

  it("selects each dose as exact enumeration of dose finding combined with ROSE's exact probabilities predicts", () => {
    // BOIN with the randomized stage on the selected dose and the one below. The stage compares doses
    // m − 1 and m whenever dose finding selects m ≥ 2 (a selected dose is admissible, so the one below
    // is too), so P(final = d) = P(select 1)·[d = 1] + Σ_m P(select m)·P(ROSE picks d | m − 1, m).
    const escalation = { design: "boin" as const, target: 0.3, doses: 4, cohortSize: 3, cohorts: 8 };
    const truth = [0.05, 0.12, 0.25, 0.45];
    const efficacy = [0.1, 0.3, 0.45, 0.5];
    const stage = { type: "randomized" as const, perArm: 12, boundary: 1 };
    const exact = exactOperatingCharacteristics(createDesign(escalation), { truth });
    const predicted = [exact.selection[0]!, 0, 0, 0];
    for (let m = 1; m < 4; m++) {
      const [lower, higher] = roseSelection({ arms: 2, perArm: 12, boundary: 1 }, [efficacy[m - 1]!, efficacy[m]!]).selection;
      predicted[m - 1]! += exact.selection[m]! * lower!;
      predicted[m]! += exact.selection[m]! * higher!;
    }
    const trials = 20_000;
    const result = simulate(createDesign({ ...escalation, rules: [stage] }), { truth, efficacy, trials, seed: 5 });
    const programme = result.programme!;
    programme.selection.forEach((p, d) => {
      expect(Math.abs(p - predicted[d]!), `dose ${d + 1}`).toBeLessThan(
        4 * Math.sqrt((predicted[d]! * (1 - predicted[d]!)) / trials) + 1e-9,
      );
    });
    expect(Math.abs(programme.none - exact.noMtd)).toBeLessThan(4 * Math.sqrt((exact.noMtd * (1 - exact.noMtd)) / trials) + 1e-9);
    const ran = 1 - exact.noMtd - exact.selection[0]!;
    expect(Math.abs(programme.randomized - ran)).toBeLessThan(4 * Math.sqrt((ran * (1 - ran)) / trials));
    expect(programme.randomizedPatients).toBeCloseTo(24 * programme.randomized, 10);
    // Dose finding's own selection is unchanged by what follows it.
    for (const [d, p] of result.selection.entries()) {
      const bound = 4 * Math.sqrt((exact.selection[d]! * (1 - exact.selection[d]!)) / trials) + 1e-9;
      expect(Math.abs(p - exact.selection[d]!)).toBeLessThan(bound);
    }
  });

  it("with BOIN12, backfill and a three-dose comparison: the same results for any split into blocks", () => {
    const spec: DesignSpecInput = {
      design: "boin12",
      doses: 5,
      cohorts: 8,
      rules: [
        { type: "backfill", maxPerDose: 9 },
        { type: "randomized", doses: "selected-and-two-lower", perArm: 10, boundary: 1 },
      ],
    };
    const job = {
      truth: [0.05, 0.1, 0.2, 0.3, 0.45],
      efficacy: [0.1, 0.3, 0.45, 0.5, 0.5],
      trials: 2500,
      seed: 3,
      calendar: { accrual: 2 },
    };
    const whole = simulate(createDesign(spec), job);
    const runner = blockRunner();
    runner({ spec: createDesign(spec).spec, ...job, calendar: { accrual: 2, arrivals: "poisson", dltTime: "uniform", whenFull: "wait" } });
    const blocks = Array.from({ length: blockCount(job.trials) }, (_, block) => {
      const reply = runner({ block });
      if (!("acc" in reply)) throw new Error(JSON.stringify(reply));
      return reply.acc;
    });
    expect(summariseBlocks(blocks.reverse().reverse(), 5)).toEqual(whole);
    const programme = whole.programme!;
    expect(programme.selection.reduce((a, b) => a + b) + programme.none).toBeCloseTo(1, 12);
    expect(programme.randomized).toBeGreaterThan(0.5);
    // Three arms of 10 when the selected dose is 3 or above, two when it is 2.
    expect(programme.randomizedPatients).toBeLessThanOrEqual(30 * programme.randomized + 1e-9);
    expect(programme.randomizedPatients).toBeGreaterThanOrEqual(20 * programme.randomized - 1e-9);
  });

  it("names what a programme's simulation needs and what its rule allows", () => {
    const design = createDesign({ design: "boin", target: 0.3, doses: 3, rules: [{ type: "randomized", perArm: 10, boundary: 1 }] });
    expect(() => simulate(design, { truth: [0.1, 0.2, 0.3], trials: 10, seed: 1 })).toThrow(
      /efficacy: is required for a design with a randomized stage/,
    );
    expect(() => exactOperatingCharacteristics(design, { truth: [0.1, 0.2, 0.3] })).toThrow(/randomized/);
    try {
      createDesign({
        design: "boin",
        target: 0.3,
        doses: 3,
        expansion: 6,
        rules: [{ type: "randomized", doses: [2, 5, 4], perArm: 10, boundary: 11, interim: { perArm: 4, boundary: 0 } }],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain("rules.0: a randomized stage and an expansion cohort both follow dose finding");
    }
    try {
      createDesign({
        design: "boin",
        target: 0.3,
        doses: 3,
        rules: [{ type: "randomized", doses: [2, 5, 4], perArm: 10, boundary: 11, interim: { perArm: 4, boundary: 0 } }],
      });
      expect.unreachable();
    } catch (error) {
      const paths = (error as ValidationError).issues.map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(["rules.0.boundary", "rules.0.interim.perArm", "rules.0.doses.1", "rules.0.doses.2"]));
    }
  });
});
