import { EliminationBoundary } from "../designs/elimination.js";
import type { Reason } from "../designs/reasons.js";
import type { TrialState } from "../outcomes/trial-state.js";
import { ValidationError } from "../validation.js";
import { describeBackfill } from "./backfill.js";
import type { RuleSpec } from "./schema.js";

/** Eliminates a dose (and all higher) whose posterior probability of excess toxicity is too high. */
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

/** The rules in canonical form: the order they were listed in no longer exists here. */
export interface NormalizedRules {
  maxPatients: number;
  maxAtDose: number;
  noSkipping: boolean;
  tooToxic: TooToxicRule[];
  expansionPatients: number;
  /** Backfill (BF-BOIN, Zhao et al. 2024): lower doses take patients while the current cohort is assessed. */
  backfill: { maxPerDose: number } | null;
}

export function normalizeRules(
  rules: readonly RuleSpec[],
  target: number | undefined,
  expansionShorthand?: number,
  /** The design's `allowSkipping`: without it (the default), no skipping applies as if it were listed. */
  allowSkipping = false,
): NormalizedRules {
  const normalized: NormalizedRules = {
    maxPatients: Number.POSITIVE_INFINITY,
    maxAtDose: Number.POSITIVE_INFINITY,
    noSkipping: !allowSkipping,
    tooToxic: [],
    expansionPatients: 0,
    backfill: null,
  };
  const expansions: number[] = expansionShorthand ? [expansionShorthand] : [];
  rules.forEach((rule, index) => {
    switch (rule.type) {
      case "stop-at-n":
        normalized.maxPatients = Math.min(normalized.maxPatients, rule.n);
        break;
      case "stop-at-n-at-dose":
        normalized.maxAtDose = Math.min(normalized.maxAtDose, rule.n);
        break;
      case "no-skipping":
        normalized.noSkipping = true;
        break;
      case "stop-when-too-toxic": {
        const threshold = rule.threshold ?? target;
        if (threshold === undefined) {
          throw new ValidationError([{ path: `rules.${index}.threshold`, message: "is required when the design has no target" }], "design");
        }
        normalized.tooToxic.push(new TooToxicRule(threshold, rule.confidence, rule.minPatients, rule.prior));
        break;
      }
      case "expansion":
        expansions.push(rule.patients);
        break;
      case "backfill":
        if (normalized.backfill !== null)
          throw new ValidationError([{ path: `rules.${index}`, message: "only one backfill rule may be given" }], "design");
        normalized.backfill = { maxPerDose: rule.maxPerDose };
        break;
    }
  });
  if (expansions.length > 1) {
    throw new ValidationError(
      [{ path: "rules", message: `only one expansion cohort may be given (found ${expansions.length}, counting the expansion key)` }],
      "design",
    );
  }
  normalized.expansionPatients = expansions[0] ?? 0;
  // Sorting makes the elimination order canonical too (elimination is a union, so any order gives the same result).
  normalized.tooToxic.sort(
    (a, b) =>
      a.boundary.rule.threshold - b.boundary.rule.threshold ||
      a.boundary.rule.confidence - b.boundary.rule.confidence ||
      a.boundary.rule.minPatients - b.boundary.rule.minPatients ||
      a.boundary.rule.priorA - b.boundary.rule.priorA ||
      a.boundary.rule.priorB - b.boundary.rule.priorB,
  );
  return normalized;
}

export function describeRules(normalized: NormalizedRules): string[] {
  const lines: string[] = [];
  if (Number.isFinite(normalized.maxPatients)) lines.push(`Stop dose finding once ${normalized.maxPatients} patients have been treated.`);
  if (Number.isFinite(normalized.maxAtDose))
    lines.push(`Stop dose finding when the recommended dose already has ${normalized.maxAtDose} patients.`);
  if (normalized.noSkipping) lines.push("Never skip an untried dose when escalating.");
  for (const rule of normalized.tooToxic) {
    const { threshold, confidence, minPatients, priorA, priorB } = rule.boundary.rule;
    lines.push(
      `Eliminate a dose and all higher doses when, with at least ${minPatients} patient${minPatients > 1 ? "s" : ""} treated, ` +
        `P(DLT rate > ${threshold}) > ${confidence} under a Beta(${priorA}, ${priorB}) prior; stop if the lowest dose is eliminated.`,
    );
  }
  if (normalized.expansionPatients > 0)
    lines.push(`After dose finding, treat ${normalized.expansionPatients} additional patients at the MTD (expansion cohort).`);
  if (normalized.backfill !== null) lines.push(...describeBackfill(normalized.backfill.maxPerDose));
  return lines;
}
