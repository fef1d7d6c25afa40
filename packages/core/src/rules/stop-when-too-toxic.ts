import { z } from "zod";
import { EliminationBoundary } from "../designs/elimination.js";
import type { Reason } from "../designs/reasons.js";
import type { TrialState } from "../outcomes/trial-state.js";
import type { RuleModule } from "./rule.js";

export const stopWhenTooToxicRule = z
  .object({
    type: z.literal("stop-when-too-toxic"),
    /** DLT rate considered too toxic; defaults to the design's target. */
    threshold: z.number().gt(0).lt(1).optional(),
    /** Eliminate a dose (and all higher doses) when P(rate > threshold) exceeds this. */
    confidence: z.number().gt(0).lt(1),
    /** Patients needed at a dose before it can be eliminated. */
    minPatients: z.number().int().min(1).max(1000).default(1),
    /** Beta prior on the DLT rate: [a, b]. */
    prior: z.tuple([z.number().gt(0), z.number().gt(0)]).default([1, 1]),
  })
  .strict();

/** Applied with the design's own eliminations: a dose (and all higher) whose posterior probability of excess toxicity is too high. */
export class TooToxicRule {
  readonly boundary: EliminationBoundary;

  constructor(threshold: number, confidence: number, minPatients: number, prior: readonly [number, number]) {
    this.boundary = new EliminationBoundary({ threshold, confidence, minPatients, priorA: prior[0], priorB: prior[1] });
  }

  markAdmissible(state: TrialState, admissible: Uint8Array, reasons: Reason[] | undefined): void {
    for (let d = 0; d < state.doseCount; d++) {
      const n = state.patients[d]!;
      const y = state.dlts[d]!;
      if (this.boundary.eliminates(n, y)) {
        if (reasons && admissible[d] === 1) {
          const { threshold, confidence } = this.boundary.rule;
          reasons.push({ code: "too-toxic", dose: d, threshold, probability: this.boundary.probabilityAbove(n, y), confidence });
        }
        admissible.fill(0, d);
        return;
      }
    }
  }
}

export const stopWhenTooToxic: RuleModule<z.infer<typeof stopWhenTooToxicRule>, typeof stopWhenTooToxicRule> = {
  type: "stop-when-too-toxic",
  schema: stopWhenTooToxicRule,
  normalize(spec, into, { index, target }) {
    const threshold = spec.threshold ?? target;
    if (threshold === undefined) return [{ path: `rules.${index}.threshold`, message: "is required when the design has no target" }];
    into.tooToxic.push(new TooToxicRule(threshold, spec.confidence, spec.minPatients, spec.prior));
    // Sorted, the elimination order is canonical too (elimination is a union, so any order gives the same result).
    into.tooToxic.sort(
      (a, b) =>
        a.boundary.rule.threshold - b.boundary.rule.threshold ||
        a.boundary.rule.confidence - b.boundary.rule.confidence ||
        a.boundary.rule.minPatients - b.boundary.rule.minPatients ||
        a.boundary.rule.priorA - b.boundary.rule.priorA ||
        a.boundary.rule.priorB - b.boundary.rule.priorB,
    );
    return [];
  },
  describe: (rules) =>
    rules.tooToxic.map((rule) => {
      const { threshold, confidence, minPatients, priorA, priorB } = rule.boundary.rule;
      return (
        `Eliminate a dose and all higher doses when, with at least ${minPatients} patient${minPatients > 1 ? "s" : ""} treated, ` +
        `P(DLT rate > ${threshold}) > ${confidence} under a Beta(${priorA}, ${priorB}) prior; stop if the lowest dose is eliminated.`
      );
    }),
};
