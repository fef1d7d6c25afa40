import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { createStep } from "../designs/engine.js";
import { STOP } from "../designs/method.js";
import { addCohort, copyTrialState, createTrialState, type TrialState } from "../outcomes/trial-state.js";
import { binomialPmf } from "../stats/distributions.js";
import { loadFixture } from "../test-support/fixtures.js";
import { type BlockReply, blockRunner, blocksOf, summariseBlocks } from "./blocks.js";
import { EnumerationTooLargeError, exactOperatingCharacteristics } from "./exact.js";
import { blockCount, simulate } from "./monte-carlo.js";

const SCENARIO = [0.05, 0.12, 0.25, 0.4, 0.55];

const DESIGNS: Record<string, Record<string, unknown>> = {
  "3+3": { design: "three-plus-three", doses: 5 },
  "3+3 de-escalation with expansion": { design: "three-plus-three", doses: 5, variant: "de-escalation", expansion: 6 },
  BOIN: { design: "boin", target: 0.25, doses: 5, cohorts: 10 },
  Keyboard: { design: "keyboard", target: 0.25, doses: 5, cohorts: 8 },
  "mTPI-2": { design: "mtpi2", target: 0.25, doses: 5, cohorts: 8, rules: [{ type: "stop-at-n-at-dose", n: 12 }] },
  "CRM (empiric, no skipping)": {
    design: "crm",
    target: 0.25,
    doses: 5,
    cohorts: 6,
    skeleton: [0.05, 0.12, 0.25, 0.4, 0.55],
    rules: [{ type: "no-skipping" }],
  },
  "BLRM with EWOC": {
    design: "blrm",
    doses: [1, 2, 4, 8, 12].map((amount) => ({ label: `${amount} mg/m²`, amount })),
    referenceDose: 8,
    cohorts: 4,
    maxStep: 1,
  },
  "CRM (logistic, posterior mean, safety stop)": {
    design: "crm",
    target: 0.25,
    doses: 5,
    cohorts: 5,
    model: "logistic",
    estimate: "posterior-mean",
    skeleton: { halfWidth: 0.05, priorMtd: 3 },
    safetyStop: { confidence: 0.8 },
    rules: [{ type: "no-skipping" }],
  },
};

describe.each(Object.entries(DESIGNS))("operating characteristics: %s", (_name, spec) => {
  const design = createDesign(spec);
  const exact = exactOperatingCharacteristics(design, { truth: SCENARIO });

  it("enumerates a proper distribution: selection and no-MTD probabilities sum to 1, patients to the sample size", () => {
    expect(exact.exact).toBe(true);
    expect(exact.standardErrors).toBeNull();
    expect(exact.noMtd + exact.selection.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(exact.patients.reduce((a, b) => a + b, 0)).toBeCloseTo(exact.sampleSize, 10);
    // Expected DLTs at a dose = true rate × expected patients there (each patient's outcome is independent of being treated).
    for (let d = 0; d < 5; d++) expect(exact.dlts[d]).toBeCloseTo(SCENARIO[d]! * exact.patients[d]!, 10);
  });

  it("agrees with Monte Carlo within 3 standard errors", () => {
    const mc = simulate(design, { truth: SCENARIO, trials: 4000, seed: 12345 });
    const se = mc.standardErrors!;
    const within = (estimate: number, error: number, truth: number, label: string) =>
      expect(Math.abs(estimate - truth), `${label}: ${estimate} vs exact ${truth} (SE ${error})`).toBeLessThanOrEqual(3 * error + 1e-12);
    within(mc.noMtd, se.noMtd, exact.noMtd, "noMtd");
    within(mc.sampleSize, se.sampleSize, exact.sampleSize, "sampleSize");
    within(mc.overdosed, se.overdosed, exact.overdosed, "overdosed");
    for (let d = 0; d < 5; d++) {
      within(mc.selection[d]!, se.selection[d]!, exact.selection[d]!, `selection ${d + 1}`);
      within(mc.patients[d]!, se.patients[d]!, exact.patients[d]!, `patients ${d + 1}`);
      within(mc.dlts[d]!, se.dlts[d]!, exact.dlts[d]!, `dlts ${d + 1}`);
    }
  });
});

describe("exact enumeration against closed forms", () => {
  it("3+3 with two doses: P(clear dose 1) = (1−p)³ + 3p(1−p)⁵ and P(MTD = 2) = P(clear 1)·P(Bin(6, p₂) ≤ 1)", () => {
    const design = createDesign({ design: "three-plus-three", doses: 2 });
    for (const [p1, p2] of [
      [0.1, 0.3],
      [0.25, 0.5],
      [0.4, 0.4],
    ] as const) {
      const oc = exactOperatingCharacteristics(design, { truth: [p1, p2] });
      const clear1 = (1 - p1) ** 3 + 3 * p1 * (1 - p1) ** 5;
      const atMostOneOf6 = binomialPmf(0, 6, p2) + binomialPmf(1, 6, p2);
      expect(oc.noMtd).toBeCloseTo(1 - clear1, 12);
      expect(oc.selection[1]).toBeCloseTo(clear1 * atMostOneOf6, 12);
      expect(oc.selection[0]).toBeCloseTo(clear1 * (1 - atMostOneOf6), 12);
      // Dose 1 gets 3 patients, plus 3 more with probability 3p(1−p)².
      expect(oc.patients[0]).toBeCloseTo(3 + 3 * 3 * p1 * (1 - p1) ** 2, 12);
    }
  });

  it("BOIN with one cohort: the first cohort decides, so the MTD is the start dose unless it is eliminated", () => {
    const design = createDesign({ design: "boin", target: 0.3, doses: 3, cohorts: 1 });
    const oc = exactOperatingCharacteristics(design, { truth: [0.2, 0.3, 0.4] });
    // 3/3 DLTs eliminate dose 1 (and so every dose): probability 0.2³.
    expect(oc.noMtd).toBeCloseTo(0.008, 12);
    expect(oc.selection[0]).toBeCloseTo(0.992, 12);
    expect(oc.sampleSize).toBeCloseTo(3, 12);
  });

  it("counts patients at doses above the target as overdosed", () => {
    // All patients at dose 1, whose true rate 0.5 is above the target: every trial is fully overdosed.
    const design = createDesign({ design: "boin", target: 0.3, doses: 2, cohorts: 1 });
    expect(exactOperatingCharacteristics(design, { truth: [0.5, 0.6] }).overdosed).toBeCloseTo(1, 12);
    expect(exactOperatingCharacteristics(design, { truth: [0.3, 0.6] }).overdosed).toBe(0);
  });

  it("refuses an enumeration beyond its state budget with a clear error", () => {
    const design = createDesign({ design: "boin", target: 0.3, doses: 6, cohorts: 12 });
    expect(() => exactOperatingCharacteristics(design, { truth: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], maxStates: 100 })).toThrow(
      EnumerationTooLargeError,
    );
  });

  it("gives the same result after other enumerations, whose records' memory it reuses", () => {
    const design = createDesign({ design: "boin", target: 0.3, doses: 4, cohorts: 8 });
    const truth = [0.1, 0.2, 0.35, 0.5];
    const first = exactOperatingCharacteristics(design, { truth });
    // A larger enumeration, and one with other keys, leave their states in the memory the next one takes.
    exactOperatingCharacteristics(createDesign({ design: "boin", target: 0.3, doses: 5, cohorts: 10 }), {
      truth: [0.05, 0.1, 0.2, 0.3, 0.45],
    });
    exactOperatingCharacteristics(
      createDesign({ design: "crm", target: 0.25, doses: 3, skeleton: [0.1, 0.25, 0.4], cohorts: 6, cohortSize: 1 }),
      {
        truth: [0.2, 0.3, 0.4],
      },
    );
    expect(exactOperatingCharacteristics(design, { truth })).toEqual(first);
  });
});

/**
 * Every outcome sequence, one by one, each on its own state, asking the design at each step: nothing
 * merged and nothing encoded. `end` gets each path's final state, its stopping step and its probability
 * under `truth` (1 without one).
 */
function walkEveryPath(
  design: ReturnType<typeof createDesign>,
  truth: readonly number[] | undefined,
  end: (state: TrialState, step: ReturnType<typeof createStep>, probability: number) => void,
): void {
  const walk = (state: TrialState, probability: number) => {
    const step = createStep();
    design.engine.step(state, step);
    if (step.dose === STOP) return end(state, step, probability);
    for (let k = 0; k <= step.cohortSize; k++) {
      const child = createTrialState(design.doseCount);
      copyTrialState(state, child);
      if (step.startsExpansion) child.expansionDose = step.dose;
      addCohort(child, step.dose, step.cohortSize, k);
      walk(child, truth ? probability * binomialPmf(k, step.cohortSize, truth[step.dose]!) : 1);
    }
  };
  walk(createTrialState(design.doseCount), 1);
}

function countPaths(design: ReturnType<typeof createDesign>): number {
  let paths = 0;
  walkEveryPath(design, undefined, () => paths++);
  return paths;
}

describe("exact enumeration counts trial paths", () => {
  it.each([
    [
      "CRM, 10 patients one by one",
      { design: "crm", target: 0.25, doses: 4, cohortSize: 1, cohorts: 10, skeleton: [0.05, 0.15, 0.3, 0.45] },
    ],
    ["BOIN, 6 cohorts of 3 with expansion", { design: "boin", target: 0.3, doses: 4, cohorts: 6, expansion: 3 }],
    ["3+3", { design: "three-plus-three", doses: 4 }],
  ])("as many as there are outcome sequences: %s", (_name, spec) => {
    const design = createDesign(spec);
    const exact = exactOperatingCharacteristics(design, { truth: [0.1, 0.2, 0.35, 0.5] });
    expect(exact.paths).toBe(countPaths(design));
    expect(exact.paths).toBeGreaterThan(20);
  });
});

describe("exact CRM path enumeration against precautionary's published counts (Norris 2021)", () => {
  const published = loadFixture<{
    crm_path_enumeration_norris_2021: {
      skeleton: number[];
      scale: number;
      target: number;
      cohortSize: number;
      cohorts: number[];
      paths: number[];
    };
  }>("published-values.json").crm_path_enumeration_norris_2021;
  const crm = (cohorts: number) =>
    createDesign({
      design: "crm",
      target: published.target,
      doses: published.skeleton.length,
      cohortSize: published.cohortSize,
      cohorts,
      skeleton: published.skeleton,
      priorVariance: published.scale ** 2,
      // Its stopping rule: enrolled[1] >= 5 || max(enrolled) >= 10.
      rules: [
        { type: "stop-at-n-enrolled", n: 5, dose: 1 },
        { type: "stop-at-n-enrolled", n: 10 },
      ],
    });
  it("gives the same number of paths for every trial size from 11 to 25 cohorts of 2", () => {
    const counts = published.cohorts.map((cohorts) => exactOperatingCharacteristics(crm(cohorts), { truth: published.skeleton }).paths);
    expect(counts).toEqual(published.paths);
  });
  it("counts the same paths one by one (no merging)", () => {
    expect(countPaths(crm(11))).toBe(published.paths[0]);
  });
});

describe("exact enumeration against every path walked one by one, on the real states", () => {
  // Nothing merged and nothing encoded: each path's own state decides. Toxic scenarios, so that the
  // coherence rule (kept in state keys only where it could block an escalation) often has a say.
  it.each([
    [
      "BOIN with coherence, stop at 9 per dose and a too-toxic rule",
      {
        design: "boin",
        target: 0.25,
        doses: 4,
        cohorts: 7,
        rules: [
          { type: "stop-at-n-at-dose", n: 9 },
          { type: "stop-when-too-toxic", threshold: 0.35, confidence: 0.85, minPatients: 3 },
        ],
      },
      [0.15, 0.3, 0.45, 0.6],
    ],
    ["Keyboard, cohorts of 2", { design: "keyboard", target: 0.3, doses: 4, cohortSize: 2, cohorts: 9 }, [0.2, 0.35, 0.5, 0.7]],
    ["mTPI-2 with expansion", { design: "mtpi2", target: 0.3, doses: 4, cohorts: 6, expansion: 4 }, [0.1, 0.3, 0.45, 0.6]],
  ])("gives the same operating characteristics: %s", (_name, spec, truth) => {
    const design = createDesign(spec);
    const K = design.doseCount;
    const selected = new Array<number>(K + 1).fill(0);
    const patients = new Array<number>(K).fill(0);
    const dlts = new Array<number>(K).fill(0);
    let sampleSize = 0;
    walkEveryPath(design, truth, (state, step, probability) => {
      selected[step.mtd >= 0 ? step.mtd : K]! += probability;
      for (let d = 0; d < K; d++) {
        patients[d]! += probability * state.patients[d]!;
        dlts[d]! += probability * state.dlts[d]!;
        sampleSize += probability * state.patients[d]!;
      }
    });
    const exact = exactOperatingCharacteristics(design, { truth });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.max(1, Math.abs(b)));
    for (let d = 0; d < K; d++) {
      close(exact.selection[d]!, selected[d]!);
      close(exact.patients[d]!, patients[d]!);
      close(exact.dlts[d]!, dlts[d]!);
    }
    close(exact.noMtd, selected[K]!);
    close(exact.sampleSize, sampleSize);
  });
});

describe("exact enumeration merging what no decision reads", () => {
  // Toxic scenarios, so doses are eliminated early and often; rules that read the most of the state.
  // Each with a budget of states per step that the merged enumeration keeps within and the full one exceeds.
  const cases: [string, Record<string, unknown>, number[], number][] = [
    [
      "BOIN, 12 cohorts, coherence, stop at 12 per dose",
      { design: "boin", target: 0.25, doses: 5, cohorts: 12, rules: [{ type: "stop-at-n-at-dose", n: 12 }] },
      [0.1, 0.3, 0.5, 0.6, 0.7],
      16_000,
    ],
    [
      "BOIN with expansion and a too-toxic rule",
      {
        design: "boin",
        target: 0.3,
        doses: 4,
        cohorts: 8,
        expansion: 6,
        rules: [{ type: "stop-when-too-toxic", threshold: 0.4, confidence: 0.8, minPatients: 3 }],
      },
      [0.2, 0.45, 0.55, 0.65],
      3_000,
    ],
    [
      "Keyboard, cohorts of 2, enrolment caps",
      {
        design: "keyboard",
        target: 0.25,
        doses: 5,
        cohortSize: 2,
        cohorts: 12,
        rules: [
          { type: "stop-at-n-enrolled", n: 12 },
          { type: "stop-at-n-enrolled", n: 8, dose: 1 },
        ],
      },
      [0.05, 0.25, 0.45, 0.6, 0.75],
      4_000,
    ],
    [
      "mTPI-2 without coherence",
      { design: "mtpi2", target: 0.3, doses: 5, cohorts: 10, coherent: false },
      [0.15, 0.35, 0.5, 0.6, 0.7],
      7_500,
    ],
  ];
  it.each(cases)("gives what the full enumeration gives, in fewer states: %s", (_name, spec, truth, budget) => {
    const design = createDesign(spec);
    const merged = exactOperatingCharacteristics(design, { truth, maxStates: budget });
    expect(() => exactOperatingCharacteristics(design, { truth, maxStates: budget, mergeUnread: false })).toThrow(EnumerationTooLargeError);
    const full = exactOperatingCharacteristics(design, { truth, mergeUnread: false });
    const numbers = (oc: typeof merged) => [oc.noMtd, ...oc.selection, ...oc.patients, ...oc.dlts, oc.sampleSize, oc.overdosed];
    const a = numbers(merged);
    const b = numbers(full);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(b[i]!)));
  });
});

describe("Monte Carlo", () => {
  const design = createDesign({ design: "boin", target: 0.3, doses: 5, cohorts: 10 });

  it("is reproducible: the same seed gives identical results, another seed different ones", () => {
    const a = simulate(design, { truth: SCENARIO, trials: 1500, seed: 1 });
    expect(simulate(design, { truth: SCENARIO, trials: 1500, seed: 1 })).toEqual(a);
    expect(simulate(design, { truth: SCENARIO, trials: 1500, seed: 2 }).selection).not.toEqual(a.selection);
  });

  it("uses one random stream per trial: the first trials of a longer run are those of a shorter run", () => {
    // 1000 trials is one block; 1001 adds trial 1000 only. The sums differ by exactly that one trial,
    // so the mean sample size moves by (S1001 − S1000) which must be one trial's size (3..30).
    const short = simulate(design, { truth: SCENARIO, trials: 1000, seed: 9 });
    const long = simulate(design, { truth: SCENARIO, trials: 1001, seed: 9 });
    const lastTrialSize = long.sampleSize * 1001 - short.sampleSize * 1000;
    expect(Math.abs(lastTrialSize - Math.round(lastTrialSize))).toBeLessThan(1e-6);
    expect(Math.round(lastTrialSize) % 3).toBe(0);
  });

  it("rejects bad scenarios and counts, naming the field", () => {
    expect(() => simulate(design, { truth: [0.1, 0.2], trials: 10, seed: 1 })).toThrow(
      /truth: .* must have one probability per dose \(5 values, got 2\)/,
    );
    expect(() => simulate(design, { truth: [0.1, 0.2, 0.15, 0.3, 0.4], trials: 10, seed: 1 })).toThrow(/truth.2: 0.15 .*≥ the previous/);
    expect(() => simulate(design, { truth: [0.1, 0.2, 0.3, 0.4, 1.5], trials: 10, seed: 1 })).toThrow(
      /truth.4: 1.5 .*probability in \[0, 1\]/,
    );
    expect(() => simulate(design, { truth: SCENARIO, trials: 0, seed: 1 })).toThrow(/trials: 0 .*1..100000000/);
    expect(() => simulate(design, { truth: SCENARIO, trials: 10, seed: -1 })).toThrow(/seed: -1/);
  });
});

describe("the parallel block protocol", () => {
  const spec = createDesign({ design: "boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10 }).spec;
  const job = { spec, truth: [0.05, 0.1, 0.3, 0.45, 0.6], seed: 11, trials: 3500 };

  it("gives blocks run in any order, by any runner, exactly the result of simulate", () => {
    const runners = [blockRunner(), blockRunner()];
    for (const run of runners) expect(run(job)).toEqual({ ready: true });
    const blocks: Float64Array[] = [];
    const order = Array.from({ length: blockCount(job.trials) }, (_, b) => b).reverse();
    order.forEach((block, i) => {
      const reply = runners[i % 2]!({ block }) as Extract<BlockReply, { acc: Float64Array }>;
      expect(reply.block).toBe(block);
      blocks[block] = reply.acc;
    });
    expect(blocks).toHaveLength(4);
    expect(summariseBlocks(blocks, 5)).toEqual(simulate(createDesign(spec), job));
  });

  it("answers several blocks asked for at once in one message, each as it would be alone", () => {
    const run = blockRunner();
    run(job);
    const batch = run({ block: 1, count: 3 }) as Extract<BlockReply, { acc: Float64Array }>;
    expect(batch.count).toBe(3);
    const alone = [1, 2, 3].map((block) => (run({ block }) as Extract<BlockReply, { acc: Float64Array }>).acc);
    expect(blocksOf(batch)).toEqual(alone.map((acc, i) => ({ block: 1 + i, acc })));
  });

  it("answers a block before the design, or a bad design, with an error message instead of throwing", () => {
    expect(blockRunner()({ block: 0 })).toEqual({ error: "a block arrived before the design" });
    const reply = blockRunner()({ ...job, spec: { ...spec, target: 2 } });
    expect(reply).toHaveProperty("error", expect.stringMatching(/target/));
  });
});
