import { describe, expect, it } from "vitest";
import { simulate } from "../../simulate/monte-carlo.js";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import { calibrateSkeleton } from "./calibration.js";
import { CrmModel } from "./model.js";
import { CrmPosterior } from "./posterior.js";

interface CheungExample {
  skeleton: number[];
  target: number;
  outcomes: string;
  empiric: { beta_hat: number; ptox: number[]; next: number };
  logistic: { beta_hat: number; ptox: number[]; next: number };
}
const cheung = loadFixture<{ crm_cheung_example: CheungExample }>("published-values.json").crm_cheung_example;

/** P(β < b) by the composite Simpson rule with panels ending exactly at b (an indicator is not smooth). */
function referenceCdf(posterior: CrmPosterior, b: number): number {
  const log0 = posterior.logPosterior(posterior.mode);
  const simpson = (low: number, high: number, panels: number) => {
    const h = (high - low) / panels;
    let sum = 0;
    for (let i = 0; i <= panels; i++) {
      const weight = i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2;
      sum += weight * Math.exp(posterior.logPosterior(low + i * h) - log0);
    }
    return (sum * h) / 3;
  };
  return simpson(-25, b, 200_000) / simpson(-25, 25, 400_000);
}

/** A high-precision reference: the composite Simpson rule with 400,000 panels over β ∈ [−25, 25]. */
function referenceIntegrals(posterior: CrmPosterior, g: (beta: number) => number): { mean: number; expectation: number } {
  const panels = 400_000;
  const low = -25;
  const h = 50 / panels;
  let total = 0;
  let first = 0;
  let other = 0;
  const log0 = posterior.logPosterior(posterior.mode);
  for (let i = 0; i <= panels; i++) {
    const beta = low + i * h;
    const weight = i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2;
    const f = weight * Math.exp(posterior.logPosterior(beta) - log0);
    total += f;
    first += f * beta;
    other += f * g(beta);
  }
  return { mean: first / total, expectation: other / total };
}

const DATA_SETS: [string, number[], number[]][] = [
  ["Cheung's example", [0, 0, 2, 1, 2], [0, 0, 0, 0, 1]],
  ["no patients (the prior)", [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
  ["every patient with a DLT", [3, 0, 0, 0, 0], [3, 0, 0, 0, 0]],
  ["no DLT in 30 patients", [3, 3, 6, 9, 9], [0, 0, 0, 0, 0]],
  ["a large trial", [6, 12, 30, 20, 8], [0, 1, 7, 9, 5]],
];

describe("CRM (O'Quigley et al. 1990; Cheung 2011)", () => {
  it.each(["empiric", "logistic"] as const)("reproduces Cheung's worked example, %s model", (model) => {
    const published = cheung[model];
    const design = createDesign({
      design: "crm",
      target: cheung.target,
      doses: 5,
      skeleton: cheung.skeleton,
      model,
      cohortSize: 1,
      cohorts: 20,
    });
    const decision = design.decide(cheung.outcomes);
    expect(decision.betaHat).toBeCloseTo(published.beta_hat, 6);
    expect(decision.decisionEstimate).toBe("plug-in");
    decision.estimates!.forEach((estimate, d) => {
      expect(estimate.dose).toBe(d + 1);
      expect(estimate.plugIn! / published.ptox[d]!).toBeCloseTo(1, 2); // published to 3 significant figures
      expect(estimate.lower).toBeLessThan(estimate.mean);
      expect(estimate.upper).toBeGreaterThan(estimate.mean);
    });
    expect(decision.dose).toBe(published.next);
  });

  describe.each(["empiric", "logistic"] as const)("posterior integration, %s model", (name) => {
    const model = new CrmModel(name, cheung.skeleton, 3);
    it.each(DATA_SETS)("matches a high-precision integral within 1e-6: %s", (_label, patients, dlts) => {
      const posterior = new CrmPosterior(model, 1.34).fit({ patients: Int32Array.from(patients), dlts: Int32Array.from(dlts) });
      const reference = referenceIntegrals(posterior, (beta) => model.toxicity(2, beta));
      expect(Math.abs(posterior.mean - reference.mean)).toBeLessThan(1e-6);
      expect(Math.abs(posterior.meanToxicity(2) - reference.expectation)).toBeLessThan(1e-6);
    });

    it("gives tail probabilities and credible limits that match the reference integral", () => {
      const posterior = new CrmPosterior(model, 1.34).fit({
        patients: Int32Array.from([3, 3, 3, 0, 0]),
        dlts: Int32Array.from([0, 1, 2, 0, 0]),
      });
      // p_3 falls as β rises, so P(p_3 > 0.3) = P(β < the β where p_3 = 0.3).
      expect(Math.abs(posterior.probabilityAbove(2, 0.3) - referenceCdf(posterior, model.betaAt(2, 0.3)))).toBeLessThan(1e-7);
      expect(Math.abs(referenceCdf(posterior, posterior.quantile(0.05)) - 0.05)).toBeLessThan(1e-7);
      expect(Math.abs(referenceCdf(posterior, posterior.quantile(0.95)) - 0.95)).toBeLessThan(1e-7);
    });
  });

  it("uses the posterior mean of p_d when asked, and says so", () => {
    const design = createDesign({ design: "crm", target: 0.25, doses: 5, skeleton: cheung.skeleton, estimate: "posterior-mean" });
    const decision = design.decide("1NNN 2NNN");
    expect(decision.decisionEstimate).toBe("posterior-mean");
    expect(decision.reasons.join(" ")).toMatch(/posterior mean DLT probability closest to the target/);
  });

  it("does not escalate right after a DLT (coherence) unless told not to care", () => {
    // Two cohorts without DLT then 1 of 3 at dose 2: the model alone would go up to dose 3.
    const spec = { design: "crm", target: 0.3, doses: 5, skeleton: [0.05, 0.1, 0.2, 0.3, 0.45] } as const;
    const history = "1NNN 2NNT";
    expect(createDesign({ ...spec, coherent: false }).decide(history).dose).toBeGreaterThan(2);
    const coherent = createDesign(spec).decide(history);
    expect(coherent.dose).toBe(2);
    expect(coherent.reasons.join(" ")).toMatch(/no escalation \(coherence\)/);
  });

  it("never declares an untried dose the MTD", () => {
    const design = createDesign({ design: "crm", target: 0.3, doses: 5, cohorts: 2, skeleton: [0.05, 0.1, 0.2, 0.3, 0.45] });
    const decision = design.decide("1NNN 2NNN");
    expect(decision.stop).toBe(true);
    expect(decision.mtd).toBe(2);
  });

  it("stops for safety when P(p₁ > target) exceeds the threshold", () => {
    const design = createDesign({
      design: "crm",
      target: 0.25,
      doses: 5,
      skeleton: cheung.skeleton,
      safetyStop: { confidence: 0.9 },
    });
    const stopped = design.decide("1TTT");
    expect(stopped.stop).toBe(true);
    expect(stopped.mtd).toBeNull();
    expect(stopped.reasons.join(" ")).toMatch(/Safety stop: P\(DLT rate at dose 1 > 0.25\) = 0.9\d+ > 0.9/);
    expect(design.decide("1TTN").stop).toBe(false);
  });

  it("refuses bad skeletons and priors with clear messages", () => {
    const base = { design: "crm", target: 0.25, doses: 5 } as const;
    expect(() => createDesign({ ...base, skeleton: [0.05, 0.12, 0.1, 0.4, 0.55] })).toThrow(
      /skeleton.2: 0.1 is not allowed; must be > the previous value 0.12/,
    );
    expect(() => createDesign({ ...base, skeleton: [0.05, 0.12, 0.25] })).toThrow(
      /skeleton: .* must have one value per dose \(5 values, got 3\)/,
    );
    expect(() => createDesign({ ...base, skeleton: [0.05, 0.12, 0.25, 0.4, 1.2] })).toThrow(/skeleton/);
    expect(() => createDesign({ ...base, skeleton: cheung.skeleton, priorVariance: -1 })).toThrow(/priorVariance: -1/);
    expect(() => createDesign({ ...base, skeleton: { halfWidth: 0.3, priorMtd: 3 } })).toThrow(/skeleton.halfWidth: 0.3/);
    expect(() => createDesign({ ...base, skeleton: { halfWidth: 0.05, priorMtd: 7 } })).toThrow(/skeleton.priorMtd: 7 .*1..5/);
    expect(() => createDesign({ ...base, model: "logistic", intercept: 0, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] })).toThrow(/intercept/);
  });

  it("gives the same simulation results whether its memoised posteriors are warm or cold", () => {
    const spec = {
      design: "crm",
      target: 0.25,
      doses: 5,
      cohorts: 6,
      skeleton: cheung.skeleton,
      rules: [{ type: "no-skipping" }],
    } as const;
    const truth = [0.05, 0.1, 0.25, 0.4, 0.5];
    const design = createDesign(spec);
    const cold = simulate(design, { truth, trials: 300, seed: 3 });
    expect(simulate(design, { truth, trials: 300, seed: 3 })).toEqual(cold);
    // Decisions with reasons refit the posterior; they must agree with the memoised path.
    for (const history of ["1NNN", "1NNN 2NNN", "1NNN 2NNN 3NTN", "1NNN 2NNT"]) {
      expect(design.decide(history).dose).toBe(createDesign(spec).decide(history, { estimates: false }).dose);
    }
  });

  it("has no fixed decision table", () => {
    const design = createDesign({ design: "crm", target: 0.25, doses: 5, skeleton: cheung.skeleton });
    expect(() => design.boundaries()).toThrow(/design: "crm" is not allowed; must be a design with a fixed decision table/);
  });
});

interface PublishedCrm {
  crm_getprior_published: { halfWidth: number; target: number; priorMtd: number; doses: number; skeleton: number[] };
  crm_escalation_readme: {
    skeleton: number[];
    target: number;
    cases: { model: "empiric" | "logistic"; intercept?: number; priorVariance: number; outcomes: string; next: number }[];
  };
  crm_trialr_readme: { skeleton: number[]; target: number; outcomes: string; prob_tox_mean: number[]; recommended: number };
  crm_dfcrm_help_examples: {
    skeleton: number[];
    target: number;
    crm: {
      levels: number[];
      tox: number[];
      empiric: { beta_hat: number; ptox: number[]; next: number };
      logistic: { beta_hat: number; next: number };
    };
    titecrm: { levels: number[]; tox: number[]; followup: number[]; window: number; beta_hat: number; ptox: number[]; next: number };
  };
}
const published = loadFixture<PublishedCrm>("published-values.json");

describe("CRM: published examples beyond Cheung's", () => {
  it.each(published.crm_escalation_readme.cases)("escalation's dfcrm example: $model model, $outcomes → dose $next", (example) => {
    const { skeleton, target } = published.crm_escalation_readme;
    const design = createDesign({
      design: "crm",
      target,
      doses: skeleton.length,
      skeleton,
      model: example.model,
      priorVariance: example.priorVariance,
      ...(example.intercept === undefined ? {} : { intercept: example.intercept }),
      cohortSize: 3,
      cohorts: 10,
      allowSkipping: true, // dfcrm's convention: its CRM may skip untried doses (2NNN → dose 4)
    });
    expect(design.decide(example.outcomes).dose).toBe(example.next);
  });

  it("trialr's example: posterior mean DLT probabilities within its Monte Carlo error, the same recommendation", () => {
    const { skeleton, target, outcomes, prob_tox_mean, recommended } = published.crm_trialr_readme;
    const design = createDesign({ design: "crm", target, doses: 5, skeleton, cohortSize: 2, cohorts: 10, estimate: "posterior-mean" });
    const decision = design.decide(outcomes);
    decision.estimates!.forEach((estimate, d) => {
      expect(Math.abs(estimate.mean - prob_tox_mean[d]!)).toBeLessThan(0.01);
    });
    expect(decision.dose).toBe(recommended);
  });

  describe("dfcrm's help-page data, against an independent computation", () => {
    const { skeleton, target, crm, titecrm } = published.crm_dfcrm_help_examples;
    const history = (levels: number[], tox: number[], followup?: number[]) =>
      levels.map((level, i) => `${level}${tox[i] ? "T" : followup ? `N[${followup[i]}]` : "N"}`).join(" ");

    it.each(["empiric", "logistic"] as const)("crm(), %s model", (model) => {
      const design = createDesign({ design: "crm", target, doses: 6, skeleton, model, cohortSize: 1, cohorts: 20 });
      const decision = design.decide(history(crm.levels, crm.tox));
      expect(decision.betaHat).toBeCloseTo(crm[model].beta_hat, 6);
      expect(decision.dose).toBe(crm[model].next);
      if (model === "empiric")
        decision.estimates!.forEach((e, d) => {
          expect(e.plugIn).toBeCloseTo(crm.empiric.ptox[d]!, 5);
        });
    });

    it("titecrm() with linear weights and patients still in follow-up", () => {
      const design = createDesign({ design: "tite-crm", target, doses: 6, skeleton, cohortSize: 1, cohorts: 20, window: titecrm.window });
      const decision = design.decide(history(titecrm.levels, titecrm.tox, titecrm.followup));
      expect(decision.betaHat).toBeCloseTo(titecrm.beta_hat, 6);
      decision.estimates!.forEach((e, d) => {
        expect(e.plugIn).toBeCloseTo(titecrm.ptox[d]!, 5);
      });
      expect(decision.dose).toBe(titecrm.next);
    });
  });
});

describe("skeleton calibration (Lee & Cheung 2009)", () => {
  it.each(["empiric", "logistic"] as const)("spaces the %s skeleton so that adjacent indifference intervals meet", (name) => {
    const target = 0.25;
    const halfWidth = 0.05;
    const skeleton = calibrateSkeleton({ model: name, target, halfWidth, priorMtd: 3, doses: 6 });
    expect(skeleton[2]).toBeCloseTo(target, 14);
    for (let i = 1; i < skeleton.length; i++) expect(skeleton[i]!).toBeGreaterThan(skeleton[i - 1]!);
    const model = new CrmModel(name, skeleton, 3);
    for (let i = 0; i + 1 < skeleton.length; i++) {
      // Where dose i reaches target − δ, dose i + 1 is at target + δ.
      const beta = model.betaAt(i, target - halfWidth);
      expect(model.toxicity(i + 1, beta)).toBeCloseTo(target + halfWidth, 12);
    }
  });

  it("reproduces dfcrm's getprior skeleton as published (2 decimals)", () => {
    const { halfWidth, target, priorMtd, doses, skeleton } = published.crm_getprior_published;
    const calibrated = calibrateSkeleton({ model: "empiric", target, halfWidth, priorMtd, doses });
    expect(calibrated.map((p) => Math.round(p * 100) / 100)).toEqual(skeleton);
  });
});
