import { createDesign, simulate } from "@escalate/core";
import { describe, expect, it } from "vitest";
import { naiveBoinSimulation } from "./baseline.js";

/**
 * The benchmark divides by this baseline, so it must simulate the same design: its selection
 * probabilities agree with `simulate`'s within Monte Carlo error (independent streams, 4 standard
 * errors of the difference per dose).
 */
describe("the benchmark's simple BOIN baseline", () => {
  it("selects each dose as often as the engine does, within Monte Carlo error", () => {
    const config = { target: 0.3, truth: [0.05, 0.12, 0.3, 0.45, 0.6], cohortSize: 3, cohorts: 10 };
    const trials = 20_000;
    const baseline = naiveBoinSimulation({ ...config, trials, seed: 11 });
    const engine = simulate(createDesign({ design: "boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10 }), {
      truth: config.truth,
      trials,
      seed: 12,
    });
    const reference = [...engine.selection, engine.noMtd];
    reference.forEach((p, d) => {
      const standardError = Math.sqrt((2 * Math.max(p, 1 / trials) * (1 - p)) / trials);
      expect(Math.abs(baseline[d]! - p), `dose ${d + 1}: ${baseline[d]} vs ${p}`).toBeLessThan(4 * standardError);
    });
  });
});
