import { describe, expect, it } from "vitest";
import { loadFixture } from "../test-support/fixtures.js";
import { gradeLab } from "./grading.js";

/**
 * Escalate's CTCAE v5.0 lab grading against an independently maintained machine-readable table of the
 * same criteria (pharmaverse admiral's), on both sides of every threshold, for every lab term both cover.
 * The disagreements are listed with their reason; a new one (or one that disappears) fails the test.
 */
interface Term {
  term: string;
  test: string;
  unit: string;
  direction: "low" | "high";
  absolute?: Record<string, number>;
  atMost?: Record<string, number>;
  ulnMultiples?: Record<string, number>;
  belowLlnGrade?: number;
}
const table = loadFixture<{ terms: Term[] }>("ctcae-v5-pharmaverse.json");

/** The table's grade: the highest grade whose condition holds (grade 1: beyond the normal limit). */
function referenceGrade(term: Term, value: number, limit: number): number {
  let grade = 0;
  if (term.direction === "low" ? value < limit : value > limit) grade = term.belowLlnGrade ?? 1;
  for (const [g, threshold] of Object.entries(term.absolute ?? {}))
    if (term.direction === "low" ? value < threshold : value > threshold) grade = Math.max(grade, Number(g));
  for (const [g, threshold] of Object.entries(term.atMost ?? {})) if (value <= threshold) grade = Math.max(grade, Number(g));
  for (const [g, multiple] of Object.entries(term.ulnMultiples ?? {})) if (value > multiple * limit) grade = Math.max(grade, Number(g));
  return grade;
}

/** Normal limits for the checks: a lower limit above every low threshold, an upper limit below every high one. */
const LIMITS: Record<string, number> = {
  PLAT: 150,
  NEUT: 2.0,
  WBC: 4.0,
  LYM: 1.0,
  HGB: 120,
  ALB: 35,
  CA_low: 2.15,
  GLUC: 3.9,
  K_low: 3.5,
  SODIUM_low: 135,
  K_high: 5.1,
  SODIUM_high: 145,
  CA_high: 2.55,
  ALT: 40,
  AST: 40,
  ALP: 120,
  GGT: 60,
  BILI: 20,
  CREAT: 100,
};

function cases(term: Term): number[] {
  const limit = LIMITS[`${term.test}_${term.direction}`] ?? LIMITS[term.test]!;
  const thresholds = [
    limit,
    ...Object.values(term.absolute ?? {}),
    ...Object.values(term.atMost ?? {}),
    ...Object.values(term.ulnMultiples ?? {}).map((m) => m * limit),
  ];
  return thresholds.flatMap((t) => [t * 0.98, t, t * 1.02]);
}

describe("CTCAE v5.0 lab grading cross-checked against pharmaverse's machine-readable criteria", () => {
  it("agrees on both sides of every threshold of every shared term, except where the table assumes symptoms", () => {
    const disagreements: string[] = [];
    for (const term of table.terms) {
      const limit = LIMITS[`${term.test}_${term.direction}`] ?? LIMITS[term.test]!;
      for (const value of cases(term)) {
        const ours = gradeLab({
          test: term.test,
          value,
          unit: term.unit,
          ...(term.direction === "low" ? { lln: limit } : { uln: limit }),
        }).find((g) => g.term === term.term);
        expect(ours, `${term.term} is graded by Escalate`).toBeDefined();
        const reference = referenceGrade(term, value, limit);
        if (ours!.grade !== reference)
          disagreements.push(`${term.term} at ${Number(value.toPrecision(4))} ${term.unit}: Escalate ${ours!.grade}, table ${reference}`);
      }
    }
    // The table takes the worst case where CTCAE needs symptoms the value does not show; Escalate grades
    // what the value shows and notes that symptoms would raise the grade (docs/methods.md).
    expect(disagreements).toEqual([
      "Hypokalemia at 3.43 mmol/L: Escalate 1, table 2",
      "Hypokalemia at 3 mmol/L: Escalate 1, table 2",
      "Hypokalemia at 3.06 mmol/L: Escalate 1, table 2",
      "Hyponatremia at 126.4 mmol/L: Escalate 2, table 3",
      "Hyponatremia at 129 mmol/L: Escalate 2, table 3",
    ]);
  });
});
