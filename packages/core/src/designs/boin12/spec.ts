import { z } from "zod";
import { cohortSize, common, maxCohorts, probability } from "../fields.js";

/** Utilities of the four outcomes of a patient (0–100): response without DLT is the best, DLT without response the worst. */
export const utilitySchema = z
  .object({
    responseNoDlt: z.number().min(0).max(100).default(100),
    neither: z.number().min(0).max(100).default(40),
    both: z.number().min(0).max(100).default(60),
    dltNoResponse: z.number().min(0).max(100).default(0),
  })
  .strict();

export const boin12Spec = z
  .object({
    design: z.literal("boin12"),
    ...common,
    /** φT: the highest acceptable DLT rate (toxicity upper limit). */
    target: probability.default(0.35),
    /** φE: the lowest acceptable response rate (efficacy lower limit). */
    efficacyLowerLimit: probability.default(0.25),
    utility: utilitySchema.default({ responseNoDlt: 100, neither: 40, both: 60, dltNoResponse: 0 }),
    /** N*: with this many patients at the current dose, BOIN12 no longer explores above it for information alone. */
    nStar: z.number().int().min(1).max(1000).default(6),
    /** A dose is too toxic when P(DLT rate > φT) exceeds this. */
    toxicityCutoff: z.number().gt(0.5).lt(1).default(0.95),
    /** A dose is futile when P(response rate < φE) exceeds this. */
    efficacyCutoff: z.number().gt(0.5).lt(1).default(0.9),
    cohortSize,
    cohorts: maxCohorts.default(10),
  })
  .strict();

export type Boin12Spec = z.infer<typeof boin12Spec>;
export type Utility = z.infer<typeof utilitySchema>;
