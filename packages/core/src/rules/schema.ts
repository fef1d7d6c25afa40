import { z } from "zod";

/**
 * Rules modify any design. They are plain data; the decision engine (designs/engine.ts) applies them
 * in one canonical order (see DecisionEngine), so the order in which they are listed never changes a decision.
 */
export const stopAtNRule = z
  .object({
    type: z.literal("stop-at-n"),
    /** Stop dose finding once this many patients have been treated. */
    n: z.number().int().min(1).max(10000),
  })
  .strict();

export const stopAtNAtDoseRule = z
  .object({
    type: z.literal("stop-at-n-at-dose"),
    /** Stop when the recommended next dose already has this many patients. */
    n: z.number().int().min(1).max(10000),
  })
  .strict();

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

export const noSkippingRule = z.object({ type: z.literal("no-skipping") }).strict();

export const expansionRule = z
  .object({
    type: z.literal("expansion"),
    /** Additional patients treated at the MTD once dose finding stops. */
    patients: z.number().int().min(1).max(10000),
  })
  .strict();

export const backfillRule = z
  .object({
    type: z.literal("backfill"),
    /**
     * Patients a dose may hold (dose-finding and backfill together) before it stops taking backfill
     * patients (BF-BOIN's cap; 12 in Zhao et al. 2024).
     */
    maxPerDose: z.number().int().min(1).max(1000).default(12),
  })
  .strict();

export const ruleSpec = z.discriminatedUnion("type", [
  stopAtNRule,
  stopAtNAtDoseRule,
  stopWhenTooToxicRule,
  noSkippingRule,
  expansionRule,
  backfillRule,
]);

export type RuleSpec = z.infer<typeof ruleSpec>;
export type RuleSpecInput = z.input<typeof ruleSpec>;
export const RULE_TYPES = ruleSpec.options.map((option) => option.shape.type.value);
