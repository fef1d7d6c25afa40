import { describe, expect, it } from "vitest";
import { createRandom } from "../stats/random.js";
import type { ValidationError } from "../validation.js";
import { type AllocationHistory, allocateNext, permutedBlocks } from "./allocation.js";
import { type RoseDesign, roseDecision, roseDesign, roseScenarioRates, roseSelectedArm, roseSelection } from "./rose.js";

/**
 * Selection probabilities by brute force over every patient: each of the arms·n patients responds or
 * not, the probability of that pattern is the product of the patients' probabilities, and the rule is
 * applied to the counts — no binomial coefficients, no differences, no convolution.
 */
function bruteForce(design: RoseDesign, rates: number[]): { selection: number[]; expectedPerArm: number } {
  const { arms, perArm: n, boundary, interimPerArm, interimBoundary } = design;
  const patients = arms * n;
  const selection = new Array<number>(arms).fill(0);
  let expected = 0;
  for (let pattern = 0; pattern < 2 ** patients; pattern++) {
    let probability = 1;
    const total = new Array<number>(arms).fill(0);
    const interim = new Array<number>(arms).fill(0);
    for (let patient = 0; patient < patients; patient++) {
      const arm = Math.floor(patient / n);
      const responds = (pattern >> patient) & 1;
      probability *= responds ? rates[arm]! : 1 - rates[arm]!;
      total[arm]! += responds;
      if (interimPerArm !== undefined && patient % n < interimPerArm) interim[arm]! += responds;
    }
    if (interimPerArm !== undefined && interim[1]! - interim[0]! <= interimBoundary!) {
      selection[0]! += probability;
      expected += probability * interimPerArm;
      continue;
    }
    let best = -1;
    for (const count of total) best = Math.max(best, count);
    selection[total.findIndex((count) => best - count <= boundary)]! += probability;
    expected += probability * n;
  }
  return { selection, expectedPerArm: expected };
}

describe("ROSE selection probabilities", () => {
  it("equal brute force over every patient: two arms, one stage", () => {
    for (const boundary of [0, 1, 3]) {
      const design: RoseDesign = { arms: 2, perArm: 7, boundary };
      for (const rates of [
        [0.3, 0.3],
        [0.2, 0.45],
        [0.6, 0.1],
      ]) {
        const exact = roseSelection(design, rates);
        const brute = bruteForce(design, rates);
        exact.selection.forEach((p, arm) => {
          expect(p).toBeCloseTo(brute.selection[arm]!, 12);
        });
      }
    }
  });

  it("equal brute force over every patient: two arms with an interim", () => {
    for (const interimBoundary of [-2, 0, 1]) {
      const design: RoseDesign = { arms: 2, perArm: 7, boundary: 1, interimPerArm: 3, interimBoundary };
      const rates = [0.25, 0.5];
      const exact = roseSelection(design, rates);
      const brute = bruteForce(design, rates);
      exact.selection.forEach((p, arm) => {
        expect(p).toBeCloseTo(brute.selection[arm]!, 12);
      });
      expect(exact.expectedPerArm).toBeCloseTo(brute.expectedPerArm, 12);
      expect(exact.expectedPerArm).toBeLessThan(7);
    }
  });

  it("equal brute force over every patient: three arms", () => {
    for (const boundary of [0, 2]) {
      const design: RoseDesign = { arms: 3, perArm: 5, boundary };
      const rates = [0.2, 0.4, 0.45];
      const exact = roseSelection(design, rates);
      const brute = bruteForce(design, rates);
      exact.selection.forEach((p, arm) => {
        expect(p).toBeCloseTo(brute.selection[arm]!, 12);
      });
      expect(exact.selection.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    }
  });

  it("agree with a seeded simulation of a realistic size within Monte Carlo error", () => {
    const design: RoseDesign = { arms: 2, perArm: 30, boundary: 2, interimPerArm: 15, interimBoundary: -1 };
    const rates = [0.3, 0.5];
    const exact = roseSelection(design, rates).selection[1]!;
    const random = createRandom(7);
    const trials = 20_000;
    let higher = 0;
    for (let t = 0; t < trials; t++) {
      const draw = (n: number, p: number) => {
        let y = 0;
        for (let i = 0; i < n; i++) if (random.nextUniform() < p) y++;
        return y;
      };
      const low1 = draw(15, rates[0]!);
      const high1 = draw(15, rates[1]!);
      if (high1 - low1 <= -1) continue;
      if (high1 + draw(15, rates[1]!) - (low1 + draw(15, rates[0]!)) > 2) higher++;
    }
    const se = Math.sqrt((exact * (1 - exact)) / trials);
    expect(Math.abs(higher / trials - exact)).toBeLessThan(4 * se);
  });
});

describe("ROSE design search", () => {
  it("returns the smallest size per arm meeting both probabilities, and no smaller one does", () => {
    const search = { responseRate: 0.4, difference: 0.2, pcsEqual: 0.7, pcsBetter: 0.7 };
    const found = roseDesign(search)!;
    expect(found.design).toEqual({ arms: 2, perArm: 15, boundary: 1 });
    expect(found.scenarios[0]!.correct).toBeGreaterThanOrEqual(0.7);
    expect(found.scenarios[1]!.correct).toBeGreaterThanOrEqual(0.7);
    const [equal, better] = roseScenarioRates(2, 0.4, 0.2);
    for (let n = 1; n < 15; n++) {
      for (let boundary = 0; boundary <= n; boundary++) {
        const design = { arms: 2, perArm: n, boundary };
        const ok = roseSelection(design, equal!).selection[0]! >= 0.7 && roseSelection(design, better!).selection[1]! >= 0.7;
        expect(ok, `n = ${n}, boundary = ${boundary}`).toBe(false);
      }
    }
  });

  it("is close to the normal approximation of the selection design", () => {
    // n ≈ (z_γ1 + z_γ2)² (p(1−p) + q(1−q)) / δ² for a boundary between 0 and δ (Simon et al. 1985 style).
    const z80 = 0.8416212335729143;
    const p = 0.2;
    const q = 0.4;
    const approx = ((2 * z80) ** 2 * (p * (1 - p) + q * (1 - q))) / 0.2 ** 2;
    const found = roseDesign({ responseRate: p, difference: 0.2, pcsEqual: 0.8, pcsBetter: 0.8 })!;
    expect(found.design.perArm).toBeGreaterThan(0.75 * approx);
    expect(found.design.perArm).toBeLessThan(1.25 * approx);
  });

  it("a two-stage design needs fewer patients on average than the one-stage design", () => {
    const search = { responseRate: 0.2, difference: 0.2, pcsEqual: 0.8, pcsBetter: 0.8 };
    const one = roseDesign(search)!;
    const two = roseDesign({ ...search, interimFraction: 0.5 })!;
    const mean = (r: typeof one) => (r.scenarios[0]!.expectedPerArm + r.scenarios[1]!.expectedPerArm) / 2;
    expect(two.design.interimPerArm).toBeDefined();
    expect(mean(two)).toBeLessThan(mean(one));
    expect(two.scenarios[0]!.correct).toBeGreaterThanOrEqual(0.8);
    expect(two.scenarios[1]!.correct).toBeGreaterThanOrEqual(0.8);
  });

  it("three arms: each plateau scenario is selected correctly often enough", () => {
    const found = roseDesign({ responseRate: 0.3, difference: 0.2, arms: 3 })!;
    expect(found.design.arms).toBe(3);
    found.scenarios.forEach((s) => {
      expect(s.correct).toBeGreaterThanOrEqual(0.6);
    });
    expect(found.scenarios.map((s) => s.optimal)).toEqual([1, 2, 3]);
  });

  it("names every bad input", () => {
    try {
      roseDesign({ responseRate: 1.2, difference: 0, arms: 4, pcsEqual: 0.4, interimFraction: 0.5 });
      expect.unreachable();
    } catch (error) {
      const paths = (error as ValidationError).issues.map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(["responseRate", "difference", "arms", "pcsEqual", "interimFraction"]));
    }
  });
});

describe("ROSE decision", () => {
  const design: RoseDesign = { arms: 2, perArm: 20, boundary: 2, interimPerArm: 10, interimBoundary: 0 };

  it("keeps the lower dose unless the higher one's count exceeds it by more than the boundary", () => {
    expect(roseDecision(design, [6, 8], [20, 20]).selected).toBe(1);
    expect(roseDecision(design, [6, 9], [20, 20]).selected).toBe(2);
    expect(roseSelectedArm([4, 7, 8], 2)).toBe(1);
    expect(roseSelectedArm([9, 7, 8], 0)).toBe(0);
  });

  it("selects the lower dose early at the interim, or continues", () => {
    const early = roseDecision(design, [4, 4], [10, 10], ["0.6 mg/kg", "1.2 mg/kg"]);
    expect(early).toMatchObject({ action: "select", selected: 1, stage: "interim" });
    expect(early.reasons[0]).toContain("0.6 mg/kg");
    expect(roseDecision(design, [3, 5], [10, 10])).toMatchObject({ action: "continue", stage: "interim" });
    expect(roseDecision(design, [3, 5], [12, 11])).toMatchObject({ action: "continue", stage: "enrolling" });
  });

  it("names impossible counts", () => {
    expect(() => roseDecision(design, [5, 11], [20, 10])).toThrow(/responses\.1: 11 is not allowed; must be an integer in 0\.\.10/);
  });
});

describe("Allocation", () => {
  it("permuted blocks are balanced at the end of every block and reproducible from the seed", () => {
    const sequence = permutedBlocks(2, [4], 11, 40);
    for (let end = 4; end <= 40; end += 4) {
      const block = sequence.slice(end - 4, end);
      expect(block.filter((arm) => arm === 0)).toHaveLength(2);
    }
    expect(permutedBlocks(2, [4], 11, 40)).toEqual(sequence);
    expect(permutedBlocks(2, [4], 12, 40)).not.toEqual(sequence);
    // A prefix is the prefix: allocation n never depends on how many come later.
    expect(permutedBlocks(3, [3, 6], 5, 10)).toEqual(permutedBlocks(3, [3, 6], 5, 30).slice(0, 10));
  });

  it("every order within a block is equally likely (chi-square over 6 orders of a block of 4)", () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 6000; seed++) {
      const key = permutedBlocks(2, [4], seed, 4).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi = [...counts.values()].reduce((sum, c) => sum + (c - 1000) ** 2 / 1000, 0);
    expect(chi).toBeLessThan(20.5); // P(χ²₅ > 20.5) < 0.001
  });

  it("minimization follows the least imbalance with the coin's probability and balances each factor", () => {
    const allocation = { method: "minimization" as const, factors: { site: ["A", "B", "C"], ecog: ["0", "1"] }, probability: 0.8 };
    const history: AllocationHistory[] = [];
    let followed = 0;
    let decisive = 0;
    const random = createRandom(3);
    for (let i = 0; i < 600; i++) {
      const levels = { site: ["A", "B", "C"][Math.floor(random.nextUniform() * 3)]!, ecog: random.nextUniform() < 0.3 ? "1" : "0" };
      const result = allocateNext(allocation, 2, 99, history, levels);
      const least = Math.min(...result.imbalance!);
      if (result.imbalance!.some((value) => value !== least)) {
        decisive++;
        if (result.followedMinimum) followed++;
        expect(result.imbalance![result.arm] === least).toBe(result.followedMinimum);
      }
      history.push({ arm: result.arm, levels });
    }
    const rate = followed / decisive;
    expect(Math.abs(rate - 0.8)).toBeLessThan(4 * Math.sqrt((0.8 * 0.2) / decisive));
    for (const site of ["A", "B", "C"]) {
      const arms = history.filter((h) => h.levels.site === site).map((h) => h.arm);
      const difference = Math.abs(arms.filter((a) => a === 0).length - arms.filter((a) => a === 1).length);
      expect(difference).toBeLessThanOrEqual(6);
    }
    // Reproducible: the same seed and history give the same arm.
    expect(allocateNext(allocation, 2, 99, history.slice(0, 10), history[10]!.levels).arm).toBe(history[10]!.arm);
  });

  it("names an undeclared level and a wrong coin", () => {
    expect(() =>
      allocateNext({ method: "minimization", factors: { site: ["A", "B"] }, probability: 0.4 }, 2, 1, [], { site: "Z" }),
    ).toThrow(/allocation\.probability: 0\.4 is not allowed[\s\S]*factors\.site: "Z" is not allowed; must be one of A, B/);
  });
});
