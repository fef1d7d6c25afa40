import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { binomialPmf } from "../stats/distributions.js";
import { createAccumulator } from "./accumulator.js";
import { CohortDltSampler, DecisionGraph, decisionGraphOf } from "./decision-graph.js";
import { simulateTrials } from "./monte-carlo.js";

const SCENARIO = Float64Array.from([0.05, 0.12, 0.25, 0.4, 0.55]);
const OTHER = Float64Array.from([0.2, 0.35, 0.5, 0.6, 0.7]);

// Designs that decide from the state alone, with the rules that read the most of it.
const DESIGNS: Record<string, Record<string, unknown>> = {
  "3+3 de-escalation with expansion": { design: "three-plus-three", doses: 5, variant: "de-escalation", expansion: 6 },
  "BOIN, 20 cohorts, stop at 18 per dose": {
    design: "boin",
    target: 0.3,
    doses: 5,
    cohorts: 20,
    rules: [{ type: "stop-at-n-at-dose", n: 18 }],
  },
  "BOIN with expansion, a patient limit and a too-toxic rule": {
    design: "boin",
    target: 0.25,
    doses: 5,
    cohorts: 12,
    expansion: 9,
    rules: [
      { type: "stop-at-n", n: 30 },
      { type: "stop-when-too-toxic", threshold: 0.35, confidence: 0.9, minPatients: 3 },
    ],
  },
  "Keyboard, cohorts of 2": { design: "keyboard", target: 0.25, doses: 5, cohortSize: 2, cohorts: 12 },
  "mTPI-2 with early stop": { design: "mtpi2", target: 0.25, doses: 5, cohorts: 10, rules: [{ type: "stop-at-n-at-dose", n: 12 }] },
  "CRM, cohorts of 1, enrolment caps": {
    design: "crm",
    target: 0.25,
    doses: 5,
    cohortSize: 1,
    cohorts: 20,
    skeleton: [0.05, 0.12, 0.25, 0.4, 0.55],
    rules: [
      { type: "stop-at-n-enrolled", n: 8 },
      { type: "stop-at-n-enrolled", n: 5, dose: 1 },
    ],
  },
};

function run(design: ReturnType<typeof createDesign>, truth: Float64Array, graph: DecisionGraph | undefined): Float64Array {
  const acc = createAccumulator(design.doseCount);
  simulateTrials(design, truth, 7, 0, 600, acc, undefined, graph);
  return acc;
}

describe.each(Object.entries(DESIGNS))("the decision graph of %s", (_name, spec) => {
  it("gives exactly the engine's trials: with no graph, a graph that fills up mid-run, and a full one", () => {
    const design = createDesign(spec);
    const engineOnly = run(design, SCENARIO, new DecisionGraph(design, 0));
    const small = new DecisionGraph(design, 40);
    expect(run(design, SCENARIO, small)).toEqual(engineOnly);
    expect(small.size).toBe(40); // full: later trials left it and were finished by the engine
    const full = new DecisionGraph(design);
    expect(run(design, SCENARIO, full)).toEqual(engineOnly);
    expect(full.size).toBeGreaterThan(40);
  });

  it("does not depend on the scenario: a graph grown on another serves this one with the same results", () => {
    const design = createDesign(spec);
    const fresh = run(design, SCENARIO, new DecisionGraph(design));
    const shared = decisionGraphOf(design);
    run(design, OTHER, shared);
    expect(run(design, SCENARIO, shared)).toEqual(fresh);
  });
});

describe("a cohort's DLTs from one uniform", () => {
  it("is the inverse of the binomial distribution function: u below P(X ≤ k) gives at most k", () => {
    const truth = Float64Array.from([0.3, 0, 1]);
    const sampler = new CohortDltSampler(truth, 3);
    let cdf = 0;
    for (let k = 0; k < 3; k++) {
      cdf += binomialPmf(k, 3, 0.3);
      expect(sampler.draw(0, 3, cdf * (1 - 1e-12))).toBe(k);
      expect(sampler.draw(0, 3, cdf)).toBe(k + 1);
    }
    expect(sampler.draw(0, 3, 0)).toBe(0);
    expect(sampler.draw(0, 3, 1 - 2 ** -32)).toBe(3);
    // Smaller cohorts (an expansion's last) use their own distribution.
    expect(sampler.draw(0, 1, 0.69)).toBe(0);
    expect(sampler.draw(0, 1, 0.71)).toBe(1);
    // A rate of 0 never gives a DLT, a rate of 1 always.
    for (const u of [0, 0.5, 1 - 2 ** -32]) {
      expect(sampler.draw(1, 3, u)).toBe(0);
      expect(sampler.draw(2, 3, u)).toBe(3);
    }
  });

  it("gives each count its binomial probability over a fine grid of uniforms", () => {
    const sampler = new CohortDltSampler(Float64Array.from([0.17]), 4);
    const points = 200_000;
    const counts = new Float64Array(5);
    for (let i = 0; i < points; i++) counts[sampler.draw(0, 4, (i + 0.5) / points)]!++;
    for (let k = 0; k <= 4; k++) expect(Math.abs(counts[k]! / points - binomialPmf(k, 4, 0.17))).toBeLessThanOrEqual(1 / points);
  });
});
