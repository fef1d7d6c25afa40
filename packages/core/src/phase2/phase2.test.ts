import { describe, expect, it } from "vitest";
import { binomialPmf } from "../stats/distributions.js";
import { loadFixture } from "../test-support/fixtures.js";
import { simonDecision } from "./conduct.js";
import { singleStageDesign, twoStageInference, twoStageUmvue } from "./inference.js";
import { responseRates } from "./response-rates.js";
import { simonDesigns, type TwoStageDesign } from "./simon.js";

interface Row {
  r1: number;
  n1: number;
  r: number;
  n: number;
  en0: number;
  pet0: number;
}
interface Published {
  simon_two_stage: { p0: number; p1: number; alpha: number; beta: number; minimax: Row; optimal: Row };
  simon_1989_table: { alpha: number; beta: number; rows: { p0: number; p1: number; optimal: Row; minimax: Row }[] };
}
const published = loadFixture<Published>("published-values.json");

function expectDesign(design: TwoStageDesign | null, row: Row, enDigits: number, petDigits: number) {
  expect(design).not.toBeNull();
  const { r1, n1, r, n } = design!;
  expect({ r1, n1, r, n }).toEqual({ r1: row.r1, n1: row.n1, r: row.r, n: row.n });
  expect(design!.en0).toBeCloseTo(row.en0, enDigits);
  expect(design!.pet0).toBeCloseTo(row.pet0, petDigits);
}

/** P(reject H0 | p) for a two-stage design, computed directly. */
function rejectProbability(d: Pick<TwoStageDesign, "r1" | "n1" | "r" | "n">, p: number): number {
  let sum = 0;
  for (let x1 = d.r1 + 1; x1 <= d.n1; x1++) {
    for (let x2 = 0; x2 <= d.n - d.n1; x2++) if (x1 + x2 > d.r) sum += binomialPmf(x1, d.n1, p) * binomialPmf(x2, d.n - d.n1, p);
  }
  return sum;
}

describe("Simon two-stage designs", () => {
  it("matches clinfun's ph2simon(0.05, 0.2, 0.1, 0.1)", () => {
    const s = published.simon_two_stage;
    const designs = simonDesigns({ p0: s.p0, p1: s.p1, alpha: s.alpha, beta: s.beta });
    expectDesign(designs.optimal, s.optimal, 3, 6);
    expectDesign(designs.minimax, s.minimax, 3, 6);
  });

  it.each(published.simon_1989_table.rows)("reproduces Simon (1989) Table 1: p0 = $p0, p1 = $p1", (row) => {
    const designs = simonDesigns({
      p0: row.p0,
      p1: row.p1,
      alpha: published.simon_1989_table.alpha,
      beta: published.simon_1989_table.beta,
    });
    expectDesign(designs.optimal, row.optimal, 1, 2);
    expectDesign(designs.minimax, row.minimax, 1, 2);
  });

  it("reports actual α and power that meet the constraints inclusively, computed independently", () => {
    const designs = simonDesigns({ p0: 0.2, p1: 0.4, alpha: 0.05, beta: 0.2 });
    for (const d of [designs.optimal!, designs.minimax!, ...designs.admissible]) {
      expect(d.alpha).toBeCloseTo(rejectProbability(d, 0.2), 12);
      expect(d.power).toBeCloseTo(rejectProbability(d, 0.4), 12);
      expect(d.alpha).toBeLessThanOrEqual(0.05);
      expect(d.power).toBeGreaterThanOrEqual(0.8);
      const pet0 = Array.from({ length: d.r1 + 1 }, (_, x) => binomialPmf(x, d.n1, 0.2)).reduce((a, b) => a + b, 0);
      expect(d.en0).toBeCloseTo(d.n1 + (1 - pet0) * (d.n - d.n1), 10);
    }
  });

  it("finds the true optimum: brute force over every (r1, n1, r, n) with n ≤ 22 agrees", () => {
    const [p0, p1, alpha, beta] = [0.1, 0.4, 0.1, 0.2];
    let best: { en0: number; n: number } | null = null;
    let smallest: { en0: number; n: number } | null = null;
    for (let n = 2; n <= 22; n++) {
      for (let n1 = 1; n1 < n; n1++) {
        for (let r1 = 0; r1 < n1; r1++) {
          for (let r = r1; r < n; r++) {
            const d = { r1, n1, r, n };
            if (rejectProbability(d, p0) > alpha || rejectProbability(d, p1) < 1 - beta) continue;
            let pet0 = 0;
            for (let x = 0; x <= r1; x++) pet0 += binomialPmf(x, n1, p0);
            const en0 = n1 + (1 - pet0) * (n - n1);
            if (!best || en0 < best.en0 - 1e-12) best = { en0, n };
            if (!smallest || n < smallest.n || (n === smallest.n && en0 < smallest.en0 - 1e-12)) smallest = { en0, n };
          }
        }
      }
    }
    const designs = simonDesigns({ p0, p1, alpha, beta, maxN: 22 });
    expect(designs.optimal!.en0).toBeCloseTo(best!.en0, 12);
    expect(designs.minimax!.n).toBe(smallest!.n);
    expect(designs.minimax!.en0).toBeCloseTo(smallest!.en0, 12);
  });

  it("lists admissible designs from minimax to optimal, each best for a range of q", () => {
    const { admissible, optimal, minimax } = simonDesigns({ p0: 0.05, p1: 0.2, alpha: 0.1, beta: 0.1 });
    expect(admissible.at(0)!.n).toBe(minimax!.n);
    expect(admissible.at(-1)!.n).toBe(optimal!.n);
    for (const design of admissible) {
      const q = (design.qFrom + design.qTo) / 2;
      const loss = (d: TwoStageDesign) => q * d.n + (1 - q) * d.en0;
      for (const other of admissible) expect(loss(design)).toBeLessThanOrEqual(loss(other) + 1e-12);
    }
  });

  it("refuses impossible hypotheses with clear messages", () => {
    expect(() => simonDesigns({ p0: 0.3, p1: 0.2, alpha: 0.1, beta: 0.1 })).toThrow(/p1: 0.2 is not allowed; must be > p0 \(0.3\)/);
    expect(() => simonDesigns({ p0: 0.1, p1: 0.3, alpha: 1.2, beta: 0.1 })).toThrow(/alpha: 1.2 .*\(0, 1\)/);
  });
});

describe("Simon conduct", () => {
  const design = { r1: 1, n1: 10, r: 5, n: 29 };

  it("continues, stops for futility or declares promising as the data allow", () => {
    expect(simonDecision(design, 0, 9, 0.1, 0.3).action).toBe("stop for futility");
    expect(simonDecision(design, 1, 8, 0.1, 0.3).action).toBe("continue");
    expect(simonDecision(design, 2, 5, 0.1, 0.3).reasons.join(" ")).toMatch(/stage 1 is passed/);
    expect(simonDecision(design, 6, 20, 0.1, 0.3).action).toBe("promising");
    expect(simonDecision(design, 2, 27, 0.1, 0.3).action).toBe("stop for futility");
  });

  it("gives P(promising at the end) equal to the design's power at the start", () => {
    const start = simonDecision(design, 0, 0, 0.1, 0.3);
    expect(start.successUnderP0).toBeCloseTo(rejectProbability(design, 0.1), 12);
    expect(start.successUnderP1).toBeCloseTo(rejectProbability(design, 0.3), 12);
  });
});

describe("inference after a two-stage trial (Jung & Kim 2004)", () => {
  const design = { r1: 1, n1: 10, r: 5, n: 29 };

  it("gives an unbiased UMVUE: E_p[estimate] = p exactly", () => {
    for (const p of [0.05, 0.2, 0.45]) {
      let expectation = 0;
      for (let x1 = 0; x1 <= 1; x1++) expectation += binomialPmf(x1, 10, p) * twoStageUmvue(design, { stage: 1, responses: x1 });
      for (let s = 2; s <= 29; s++) {
        let probability = 0;
        for (let x1 = Math.max(2, s - 19); x1 <= Math.min(10, s); x1++) probability += binomialPmf(x1, 10, p) * binomialPmf(s - x1, 19, p);
        expectation += probability * twoStageUmvue(design, { stage: 2, responses: s });
      }
      expect(expectation).toBeCloseTo(p, 12);
    }
  });

  it("has a p-value equal to the actual α at the first promising outcome, and intervals that contain the estimate", () => {
    const first = twoStageInference(design, { stage: 2, responses: 6 }, 0.1);
    expect(first.pValue).toBeCloseTo(rejectProbability(design, 0.1), 12);
    for (const outcome of [
      { stage: 1, responses: 0 },
      { stage: 1, responses: 1 },
      { stage: 2, responses: 4 },
      { stage: 2, responses: 12 },
    ] as const) {
      const inference = twoStageInference(design, outcome, 0.1);
      expect(inference.lower).toBeLessThanOrEqual(inference.umvue);
      expect(inference.upper).toBeGreaterThanOrEqual(inference.umvue);
    }
    expect(twoStageInference(design, { stage: 1, responses: 0 }, 0.1).lower).toBe(0);
  });

  it("refuses outcomes the design cannot produce", () => {
    expect(() => twoStageInference(design, { stage: 1, responses: 3 }, 0.1)).toThrow(/responses: 3 .*0..1 \(r1\)/);
    expect(() => twoStageInference(design, { stage: 2, responses: 1 }, 0.1)).toThrow(/responses: 1 .*2..29/);
  });
});

describe("single-stage exact binomial design", () => {
  it("is the smallest n whose exact test meets α and power", () => {
    const design = singleStageDesign(0.1, 0.3, 0.05, 0.2)!;
    expect(design).toMatchObject({ r: 5, n: 25 });
    let tail0 = 0;
    let tail1 = 0;
    for (let x = 6; x <= 25; x++) {
      tail0 += binomialPmf(x, 25, 0.1);
      tail1 += binomialPmf(x, 25, 0.3);
    }
    expect(design.alpha).toBeCloseTo(tail0, 12);
    expect(design.power).toBeCloseTo(tail1, 12);
    expect(design.alpha).toBeLessThanOrEqual(0.05);
    expect(design.power).toBeGreaterThanOrEqual(0.8);
  });
});

describe("objective response rates", () => {
  it("gives each dose's rate and a pooled rate over chosen doses", () => {
    const rates = responseRates(
      [
        { dose: 3, responders: 1, patients: 6 },
        { dose: 4, responders: 4, patients: 10 },
        { dose: 5, responders: 0, patients: 0 },
      ],
      { pool: [3, 4], method: "wilson" },
    );
    expect(rates.byDose.map((rate) => rate.doses)).toEqual([[3], [4]]);
    expect(rates.pooled).toMatchObject({ doses: [3, 4], responders: 5, patients: 16, estimate: 5 / 16, method: "wilson" });
    expect(() => responseRates([{ dose: 1, responders: 0, patients: 3 }], { pool: [2] })).toThrow(
      /pool: \[2\] .*dose levels that have data/,
    );
  });
});
