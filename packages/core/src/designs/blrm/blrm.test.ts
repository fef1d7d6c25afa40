import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import { BlrmPosterior } from "./posterior.js";

const AMOUNTS = [1, 2, 4, 8, 12, 16];
const DOSES = AMOUNTS.map((amount) => ({ label: `${amount} mg/m²`, amount }));
const PRIOR = { mean: [Math.log(0.25 / 0.75), 0] as const, sd: [2, 1] as const, correlation: 0 };

function simpson(f: (x: number) => number, low: number, high: number, panels: number): number {
  const h = (high - low) / panels;
  let sum = f(low) + f(high);
  for (let i = 1; i < panels; i++) sum += (i % 2 === 1 ? 4 : 2) * f(low + i * h);
  return (sum * h) / 3;
}

/**
 * Reference by nested Simpson rules with the inner range cut exactly where p_d = c, so the indicator
 * adds no error: P(p_d ≤ c) and E[p_d].
 */
function reference(posterior: BlrmPosterior, d: number, c: number): { atMost: number; mean: number } {
  const peak = posterior.logPosterior(posterior.modeA, posterior.modeB);
  const density = (a: number, b: number) => Math.exp(posterior.logPosterior(a, b) - peak);
  const lowA = posterior.modeA - 12;
  const highA = posterior.modeA + 12;
  const outer = (inner: (b: number) => number) => simpson(inner, posterior.modeB - 8, posterior.modeB + 8, 600);
  const total = outer((b) => simpson((a) => density(a, b), lowA, highA, 600));
  const logitC = Math.log(c / (1 - c));
  const atMost = outer((b) => {
    const cut = Math.min(logitC - Math.exp(b) * posterior.logDose[d]!, highA);
    return cut <= lowA ? 0 : simpson((a) => density(a, b), lowA, cut, 600);
  });
  const mean = outer((b) => simpson((a) => density(a, b) * posterior.toxicity(d, a, b), lowA, highA, 600));
  return { atMost: atMost / total, mean: mean / total };
}

describe("BLRM posterior (deterministic integration)", () => {
  it.each([
    ["the prior", [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
    ["a DLT at dose 3", [3, 3, 6, 0, 0, 0], [0, 0, 1, 0, 0, 0]],
    ["DLTs at doses 4–5", [3, 3, 3, 6, 3, 0], [0, 0, 0, 1, 2, 0]],
  ])("matches nested Simpson integration within 2e-5: %s", (_label, patients, dlts) => {
    const posterior = new BlrmPosterior(AMOUNTS, 8, PRIOR).fit(Int32Array.from(patients), Int32Array.from(dlts));
    for (const [d, c] of [
      [3, 0.33],
      [2, 0.16],
    ] as const) {
      const wanted = reference(posterior, d, c);
      expect(Math.abs(posterior.probabilityAtMost(d, c) - wanted.atMost)).toBeLessThan(2e-5);
      expect(Math.abs(posterior.meanToxicity(d) - wanted.mean)).toBeLessThan(1e-6);
    }
  });
});

describe("BLRM with escalation with overdose control (Neuenschwander et al. 2008)", () => {
  const blrm = (extra: Record<string, unknown> = {}) =>
    createDesign({ design: "blrm", doses: DOSES, referenceDose: 8, cohortSize: 3, cohorts: 10, ...extra });

  it("reports P(under), P(target), P(over) and a credible interval per dose", () => {
    const decision = blrm().decide("1NNN 2NNN 3NNT");
    expect(decision.decisionEstimate).toBe("target-probability");
    for (const e of decision.estimates!) {
      expect(e.pUnder! + e.pTarget! + e.pOver!).toBeCloseTo(1, 12);
      expect(e.lower).toBeLessThan(e.mean);
      expect(e.upper).toBeGreaterThan(e.mean);
    }
    // Higher doses are more likely to over-dose (β > 0).
    const over = decision.estimates!.map((e) => e.pOver!);
    for (let d = 1; d < over.length; d++) expect(over[d]!).toBeGreaterThan(over[d - 1]!);
  });

  it("chooses the eligible dose with the highest P(target) and never one with P(over) ≥ the limit", () => {
    for (const history of ["1NNN", "1NNN 2NNN", "1NNN 2NNN 3NNT", "1NNN 2NNN 3NNN 4NTT"]) {
      // The method's own choice, without the default cap at the next untried dose.
      const decision = blrm({ allowSkipping: true, coherent: false }).decide(history);
      const estimates = decision.estimates!;
      const eligible = estimates.filter((e) => e.pOver! < 0.25);
      const best = eligible.reduce((a, b) => (b.pTarget! > a.pTarget! ? b : a));
      expect(decision.dose, history).toBe(best.dose);
      for (const e of estimates) expect(decision.admissible[e.dose - 1], history).toBe(e.pOver! < 0.25);
    }
  });

  it("caps escalation at maxStep above the highest dose given", () => {
    const history = "1NNN 1NNN 1NNN 1NNN";
    const uncapped = blrm({ allowSkipping: true }).decide(history);
    const capped = blrm({ maxStep: 1, allowSkipping: true }).decide(history);
    expect(uncapped.dose).toBeGreaterThan(2);
    // By default no design escalates past the next untried dose.
    expect(blrm().decide(history)).toMatchObject({ dose: 2 });
    expect(blrm().decide(history).reasons.join(" ")).toMatch(/No skipping/);
    // Only 1 mg/m² given: at most 2 mg/m² (dose 2) next.
    expect(capped.dose).toBe(2);
    expect(capped.reasons.join(" ")).toMatch(/maximum step of \+100%/);
  });

  it("stops when no dose is eligible", () => {
    const decision = blrm().decide("1TTT");
    expect(decision.stop).toBe(true);
    expect(decision.mtd).toBeNull();
  });

  it("needs dose amounts and valid intervals, with clear messages", () => {
    expect(() => createDesign({ design: "blrm", doses: 4, referenceDose: 8 })).toThrow(/doses: must list every dose with its amount/);
    expect(() => createDesign({ design: "blrm", doses: [{ label: "1" }, { label: "2", amount: 2 }], referenceDose: 2 })).toThrow(
      /doses: must list every dose with its amount/,
    );
    expect(() => createDesign({ design: "blrm", doses: DOSES, referenceDose: 8, intervals: [0.33, 0.16] })).toThrow(/intervals/);
    expect(() => createDesign({ design: "blrm", doses: DOSES, referenceDose: 8, prior: { mean: [0, 0], sd: [-1, 1] } })).toThrow(
      /prior.sd.0: -1/,
    );
    expect(() =>
      createDesign({
        design: "blrm",
        doses: [
          { label: "2", amount: 2 },
          { label: "1", amount: 1 },
        ],
        referenceDose: 2,
      }),
    ).toThrow(/doses.1.amount: 1 is not allowed; must be > the previous amount 2/);
  });
});

interface NeuenschwanderExample {
  doses: number[];
  referenceDose: number;
  prior: { mean: [number, number]; sd: [number, number]; correlation: number };
  data: { dose: number[]; patients: number[]; dlts: number[] };
  bcrm_jags_means: number[];
  independent: { means: number[]; pOver: Record<string, number>; nextWithOverdoseLimit025: number };
}

describe("BLRM: Neuenschwander, Branson & Gsponer (2008), the worked example", () => {
  const example = loadFixture<{ blrm_neuenschwander_2008: NeuenschwanderExample }>("published-values.json").blrm_neuenschwander_2008;
  const { doses, referenceDose, prior, data } = example;
  const history = data.dose
    .map((amount, i) => `${doses.indexOf(amount) + 1}${"T".repeat(data.dlts[i]!)}${"N".repeat(data.patients[i]! - data.dlts[i]!)}`)
    .join(" ");
  const design = createDesign({
    design: "blrm",
    doses: doses.map((amount) => ({ label: `${amount} mg`, amount })),
    referenceDose,
    prior,
    intervals: [0.2, 0.35],
    cohortSize: 3,
    cohorts: 20,
  });
  const decision = design.decide(history);

  it("agrees with bcrm's MCMC posterior means within its Monte Carlo error, at all 15 doses", () => {
    expect(history).toBe("1NNN 2NNNN 3NNNNN 4NNNN 7TT");
    decision.estimates!.forEach((e, d) => {
      expect(Math.abs(e.mean - example.bcrm_jags_means[d]!)).toBeLessThan(0.005);
    });
  });

  it("agrees with an independent quadrature to 1e-4, and lets EWOC go no higher than 20 mg", () => {
    decision.estimates!.forEach((e, d) => {
      expect(Math.abs(e.mean - example.independent.means[d]!)).toBeLessThan(1e-4);
    });
    for (const [amount, pOver] of Object.entries(example.independent.pOver))
      expect(Math.abs(decision.estimates![doses.indexOf(Number(amount))]!.pOver! - pOver)).toBeLessThan(1e-3); // given to 3 decimals
    expect(decision.dose).toBe(example.independent.nextWithOverdoseLimit025);
    expect(doses[decision.dose! - 1]).toBe(20);
  });
});
