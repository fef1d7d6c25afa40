import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { createRandom } from "../stats/random.js";
import { blockRunner, summariseBlocks } from "./blocks.js";
import { checkCalendar, dltDay } from "./calendar.js";
import { blockCount, simulate } from "./monte-carlo.js";

describe("simulation in calendar time", () => {
  // A 3+3 over 3 doses that never sees a DLT: four cohorts (the top dose confirmed with 3 more).
  const threePlusThree = createDesign({ design: "three-plus-three", doses: 3 });
  const noDlt = [0, 0, 0];

  it("times a trial exactly when nothing is random: fixed arrivals, every patient assessed over 30 days", () => {
    // Arrivals every 15 days, the first on day 15. Waiting arrivals are enrolled when the decision is
    // taken: decisions on days 75, 120 and 165, the last assessment ends on day 210: 195 days from the
    // first enrolment (6.5 months). Turned away, the arrivals of days 60, 120, 180 and 240 come while a
    // cohort is being assessed and are lost; the trial ends on day 255 (8 months).
    const wait = simulate(threePlusThree, { truth: noDlt, trials: 10, seed: 1, calendar: { accrual: 2, arrivals: "fixed" } });
    expect(wait.sampleSize).toBe(12);
    expect(wait.durationMonths).toBeCloseTo(6.5, 12);
    expect(wait.turnedAway).toBe(0);
    expect(wait.treatedWhilePending).toBe(0);
    const lost = simulate(threePlusThree, {
      truth: noDlt,
      trials: 10,
      seed: 1,
      calendar: { accrual: 2, arrivals: "fixed", whenFull: "turn-away" },
    });
    expect(lost.durationMonths).toBeCloseTo(8, 12);
    expect(lost.turnedAway).toBe(4);
    // Quantiles come from 0.1-month bins (they add across threads), so they are exact to a bin.
    expect(Math.abs(lost.durationQuantilesMonths!.median - 8)).toBeLessThanOrEqual(0.1);
  });

  it("gives the same results for any split into blocks and any order of them (threads)", () => {
    const design = createDesign({ design: "tite-boin", target: 0.25, doses: 5, window: 60 });
    const job = { spec: design.spec, truth: [0.05, 0.1, 0.25, 0.4, 0.55], seed: 4, trials: 3000, calendar: checkCalendar({ accrual: 4 }) };
    const whole = simulate(design, { ...job, calendar: { accrual: 4 } });
    const run = blockRunner();
    run(job);
    const blocks = Array.from({ length: blockCount(job.trials) }, (_, b) => b)
      .reverse()
      .map((block) => run({ block }))
      .map((reply) => ("acc" in reply ? reply : undefined)!)
      .sort((a, b) => a.block - b.block)
      .map((reply) => reply.acc);
    expect(summariseBlocks(blocks, 5)).toEqual(whole);
  });

  it("treats patients on decisions taken with outcomes pending only in time-to-event designs", () => {
    const truth = [0.05, 0.1, 0.25, 0.4, 0.55];
    const boin = simulate(createDesign({ design: "boin", target: 0.25, doses: 5 }), {
      truth,
      trials: 500,
      seed: 2,
      calendar: { accrual: 4 },
    });
    const tite = simulate(createDesign({ design: "tite-boin", target: 0.25, doses: 5, window: 30 }), {
      truth,
      trials: 500,
      seed: 2,
      calendar: { accrual: 4 },
    });
    expect(boin.treatedWhilePending).toBe(0);
    expect(tite.treatedWhilePending!).toBeGreaterThan(5);
    // Not waiting for every window, the time-to-event design finishes sooner.
    expect(tite.durationMonths!).toBeLessThan(boin.durationMonths! - 1);
  });

  it("with arrivals a window apart, a time-to-event design is its complete-data design within Monte Carlo error", () => {
    const truth = [0.05, 0.1, 0.25, 0.4, 0.55];
    const slow = { accrual: 0.9, arrivals: "fixed" as const, window: 30 };
    const tite = simulate(createDesign({ design: "tite-boin", target: 0.25, doses: 5, window: 30 }), {
      truth,
      trials: 4000,
      seed: 8,
      calendar: slow,
    });
    const boin = simulate(createDesign({ design: "boin", target: 0.25, doses: 5 }), { truth, trials: 4000, seed: 8 });
    expect(tite.treatedWhilePending).toBe(0);
    for (let d = 0; d < 5; d++) expect(Math.abs(tite.selection[d]! - boin.selection[d]!)).toBeLessThan(4 * Math.sqrt(0.5 / 4000));
  });

  it("draws DLT times with the distribution it states (uniform; Weibull truncated to the window)", () => {
    const random = createRandom(11, 0);
    const draws = 200_000;
    for (const [options, expected] of [
      [checkCalendar({ accrual: 1 }), 15],
      // E[T | T ≤ τ] for Weibull(k = 3, scale τ = 30), by the trapezoid rule on the density.
      [checkCalendar({ accrual: 1, dltTime: { weibullShape: 3 } }), weibullTruncatedMean(3, 30)],
    ] as const) {
      let sum = 0;
      let sumSq = 0;
      let lowest = Number.POSITIVE_INFINITY;
      let highest = 0;
      for (let i = 0; i < draws; i++) {
        const t = dltDay(options, 30, random);
        lowest = Math.min(lowest, t);
        highest = Math.max(highest, t);
        sum += t;
        sumSq += t * t;
      }
      expect(lowest).toBeGreaterThanOrEqual(0);
      expect(highest).toBeLessThanOrEqual(30);
      const mean = sum / draws;
      const se = Math.sqrt((sumSq / draws - mean * mean) / draws);
      expect(Math.abs(mean - expected)).toBeLessThan(4 * se);
    }
    expect(weibullTruncatedMean(3, 30)).toBeGreaterThan(17); // late: beyond the uniform's 15 days
  });

  it("names a bad calendar option", () => {
    expect(() => checkCalendar({ accrual: 0 })).toThrow(/accrual/);
    expect(() => checkCalendar({ accrual: 2, whenFull: "queue" })).toThrow(/whenFull/);
  });
});

function weibullTruncatedMean(k: number, scale: number): number {
  const density = (t: number) => (k / scale) * (t / scale) ** (k - 1) * Math.exp(-((t / scale) ** k));
  const steps = 100_000;
  let mass = 0;
  let moment = 0;
  for (let i = 0; i <= steps; i++) {
    const t = (scale * i) / steps;
    const w = i === 0 || i === steps ? 0.5 : 1;
    mass += w * density(t);
    moment += w * t * density(t);
  }
  return moment / mass;
}
