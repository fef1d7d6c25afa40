import { createDesign, simulate } from "@escalate/core";
import { describe, expect, it } from "vitest";
import { simulateInParallel, simulationWorkersStarted } from "./parallel.js";

const BOIN = createDesign({ design: "boin", target: 0.3, doses: 4, cohortSize: 3, cohorts: 8 }).spec;
const CRM = createDesign({ design: "crm", target: 0.25, doses: 4, cohortSize: 3, cohorts: 6, skeleton: [0.1, 0.2, 0.3, 0.45] }).spec;
const TRUTH = [0.05, 0.15, 0.3, 0.5];
const JSONed = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe("simulateInParallel", () => {
  it("starts its worker threads once and reuses them, each run giving the core's result for its own design", async () => {
    const trials = 40_000;
    const first = await simulateInParallel({ spec: BOIN, truth: TRUTH, trials, seed: 3, threads: 2 });
    expect(JSONed(first)).toEqual(JSONed(simulate(createDesign(BOIN), { truth: TRUTH, trials, seed: 3 })));
    const started = simulationWorkersStarted();
    expect(started).toBeGreaterThanOrEqual(1);
    // A different design on the same (warm) workers: the job resets, no thread starts.
    for (const [spec, seed] of [
      [CRM, 4],
      [BOIN, 5],
    ] as const) {
      const again = await simulateInParallel({ spec, truth: TRUTH, trials: 5_000, seed, threads: 2 });
      expect(JSONed(again)).toEqual(JSONed(simulate(createDesign(spec), { truth: TRUTH, trials: 5_000, seed })));
    }
    expect(simulationWorkersStarted()).toBe(started);
  }, 60_000);

  it("discards the workers of a cancelled run (they may be mid-block), and starts fresh ones next time", async () => {
    await simulateInParallel({ spec: BOIN, truth: TRUTH, trials: 20_000, seed: 1, threads: 2 });
    const before = simulationWorkersStarted();
    const controller = new AbortController();
    const run = simulateInParallel({ spec: CRM, truth: TRUTH, trials: 1_000_000, seed: 1, threads: 2, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled")), 50);
    await expect(run).rejects.toThrow("cancelled");
    const after = await simulateInParallel({ spec: BOIN, truth: TRUTH, trials: 20_000, seed: 2, threads: 2 });
    expect(JSONed(after)).toEqual(JSONed(simulate(createDesign(BOIN), { truth: TRUTH, trials: 20_000, seed: 2 })));
    expect(simulationWorkersStarted()).toBeGreaterThan(before);
  }, 60_000);
});
