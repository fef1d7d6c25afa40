import type { ValidationIssue } from "../validation.js";
import type { RandomizedStage } from "./randomized.js";
import type { TooToxicRule } from "./stop-when-too-toxic.js";

/**
 * The rules in canonical form: what a design's rules amount to, whatever order they were listed in.
 * The decision engine applies it in one fixed order (designs/engine.ts), each stage with its rule's
 * own function.
 */
export interface NormalizedRules {
  maxPatients: number;
  maxAtDose: number;
  /** Enrolment caps (stop-at-n-enrolled): dose -1 is any dose. */
  enrolmentCaps: { dose: number; n: number }[];
  noSkipping: boolean;
  tooToxic: TooToxicRule[];
  expansionPatients: number;
  /** Backfill (BF-BOIN, Zhao et al. 2024): lower doses take patients while the current cohort is assessed. */
  backfill: { maxPerDose: number } | null;
  /** A randomized dose-comparison stage after dose finding (ROSE). */
  randomized: RandomizedStage | null;
}

export function emptyRules(noSkipping: boolean): NormalizedRules {
  return {
    maxPatients: Number.POSITIVE_INFINITY,
    maxAtDose: Number.POSITIVE_INFINITY,
    enrolmentCaps: [],
    noSkipping,
    tooToxic: [],
    expansionPatients: 0,
    backfill: null,
    randomized: null,
  };
}

export interface RuleContext {
  /** The rule's place in the design file's list (for messages). */
  index: number;
  /** The design's target, for rules that default to it. */
  target: number | undefined;
  /** The design's number of doses, for rules that name doses. */
  doseCount?: number | undefined;
}

/**
 * One rule: its schema (plain data, validated), how it enters the canonical form (with what is wrong
 * named), and its sentences in the protocol. Each rule's file also exports the function that applies it
 * at its stage of the engine.
 */
export interface RuleModule<Spec extends { type: string }, Schema> {
  readonly type: Spec["type"];
  readonly schema: Schema;
  normalize(spec: Spec, into: NormalizedRules, context: RuleContext): ValidationIssue[];
  /** Its sentences in the protocol, from the canonical form; none when it is not in force. */
  describe(rules: NormalizedRules): string[];
}
