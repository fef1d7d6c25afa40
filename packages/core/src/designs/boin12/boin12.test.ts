import { describe, expect, it } from "vitest";
import { simulate } from "../../simulate/monte-carlo.js";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import type { Boin12Method } from "./boin12.js";
import { admissibleOutcome, desirability, quasiEvents, trueOptimalDose } from "./utility.js";

interface Published {
  boin12_lin_2020: {
    benchmark: number;
    rds_3x3: { n: number; dlts: number; responses: number; score: number | null }[];
    decisions: { outcomes: string; startDose?: number; dose: number; scores?: Record<string, number> }[];
    path: { cohorts: string[]; doses: (number | null)[]; obd_at_end: number };
  };
}
const published = loadFixture<Published>("published-values.json").boin12_lin_2020;
const boin12 = (extra: Record<string, unknown> = {}) => createDesign({ design: "boin12", doses: 5, ...extra });

describe("BOIN12 (Lin, Zhou, Yan, Li & Yuan 2020)", () => {
  it("has the published utility benchmark and rank-based desirability scores (Table 3, 3 cohorts of 3)", () => {
    const method = boin12({ cohorts: 3 }).method as Boin12Method;
    expect(method.benchmark).toBeCloseTo(published.benchmark, 12);
    expect(method.rds.size).toBe(102);
    const limits = { phiT: 0.35, phiE: 0.25, toxicityCutoff: 0.95, efficacyCutoff: 0.9 };
    for (const cell of published.rds_3x3) {
      const { n, dlts, responses } = cell;
      const where = `${n}/${dlts}/${responses}`;
      if (cell.score === null) {
        expect(admissibleOutcome(n, dlts, responses, limits), where).toBe(false);
        continue;
      }
      const value = desirability(
        quasiEvents(method.spec.utility, n, dlts, responses, Math.max(0, dlts + responses - n)),
        n,
        method.benchmark,
      );
      expect(method.rds.score(value), where).toBe(cell.score);
    }
  });

  it("gives the RDS per dose with each decision, null where inadmissible, and the scores it compared", () => {
    const three = boin12({ cohorts: 3 });
    expect(three.decide("1EEE").rds).toEqual([
      { dose: 1, score: 91 },
      { dose: 2, score: 60 },
      { dose: 3, score: 60 },
      { dose: 4, score: 60 },
      { dose: 5, score: 60 },
    ]);
    expect(three.decide("1TTT 1TTE").rds![0]!.score).toBeNull();
    for (const example of published.decisions) {
      const decision = boin12(example.startDose ? { startDose: example.startDose } : {}).decide(example.outcomes);
      expect(decision.dose, example.outcomes).toBe(example.dose);
      const reason = decision.why.find((r) => r.code === "boin12-desirability") as { compared: number[]; scores: number[] } | undefined;
      for (const [dose, score] of Object.entries(example.scores ?? {}))
        expect(reason!.scores[reason!.compared.indexOf(Number(dose))], `${example.outcomes}: dose ${dose}`).toBeCloseTo(score, 1);
    }
  });

  it("follows the Data Supplement's trial path cohort by cohort, exploring an untried dose after 9 patients", () => {
    const design = boin12({ cohorts: 10 });
    let history = "";
    published.path.cohorts.forEach((cohort, i) => {
      history = `${history} ${cohort}`.trim();
      const decision = design.decide(history);
      expect(decision.dose, history).toBe(published.path.doses[i]);
    });
    expect(design.decide(history).obd).toBe(published.path.obd_at_end);
    expect(design.decide("1NNN 2NNB 3NEE 3NTN 4ETE 4NBE 4BNN").why.map((r) => r.code)).toContain("boin12-explore");
  });

  it("eliminates a futile dose alone and a toxic dose with every higher one; a one-dose design is valid", () => {
    // 0 responses in 9 patients: P(response rate < 0.25) = 1 − 0.75⁹ = 0.925 > 0.9.
    const futile = boin12().decide("1NNN 2NNN 2NNN 2NNN");
    expect(futile.admissible).toEqual([true, false, true, true, true]);
    const toxic = boin12().decide("1NEN 2TTT");
    expect(toxic.admissible).toEqual([true, false, false, false, false]);
    expect(toxic.dose).toBe(1);
    expect(createDesign({ design: "boin12", doses: 1 }).decide("1NEN")).toMatchObject({ dose: 1, obd: 1 });
  });

  it("selects the OBD in simulation, reproducibly, and needs response probabilities", () => {
    const design = boin12({ cohorts: 10 });
    const options = { truth: [0.05, 0.1, 0.2, 0.3, 0.45], efficacy: [0.1, 0.3, 0.5, 0.55, 0.6], trials: 1000, seed: 3 };
    const result = simulate(design, options);
    expect(simulate(design, options)).toEqual(result);
    // The OBD here is dose 3 (utility highest among safe doses): it is selected most often.
    expect(result.selection.indexOf(Math.max(...result.selection))).toBe(2);
    expect(() => simulate(design, { truth: options.truth, trials: 10, seed: 1 })).toThrow(/efficacy: is required for boin12/);
  });
});

describe("BOIN12's true optimal biological dose (what a scenario's selection is judged against)", () => {
  const utility = { responseNoDlt: 100, neither: 40, both: 60, dltNoResponse: 0 };
  it("is the acceptable dose of highest true mean utility (computed by hand: 52.0 at dose 2, 58.0 at dose 3)", () => {
    // Dose 1 is futile (response 0.10 < φE 0.25), dose 4 too toxic (0.45 > φT 0.35).
    expect(trueOptimalDose(utility, 0.35, 0.25, [0.05, 0.15, 0.3, 0.45], [0.1, 0.3, 0.5, 0.55])).toBe(2);
  });
  it("goes to the lower dose on a plateau, and is none when no dose is acceptable", () => {
    expect(trueOptimalDose(utility, 0.35, 0.25, [0.1, 0.1, 0.1], [0.5, 0.5, 0.5])).toBe(0);
    expect(trueOptimalDose(utility, 0.35, 0.25, [0.1, 0.2], [0.1, 0.2])).toBeNull();
  });
  it("is offered by the design module with the spec's own limits and utilities", () => {
    const design = createDesign({ design: "boin12", target: 0.35, doses: 4 });
    expect(design.module.trueOptimum?.(design.spec as never, [0.05, 0.15, 0.3, 0.45], [0.1, 0.3, 0.5, 0.55])).toBe(2);
  });
});
