import { z } from "zod";
import { common, maxCohorts, probability } from "../fields.js";

export const threePlusThreeSpec = z
  .object({
    design: z.literal("three-plus-three"),
    ...common,
    target: probability.optional(),
    cohortSize: z.literal(3).default(3),
    cohorts: maxCohorts.optional(),
    /** escalation-only: MTD = dose below the first dose with ≥ 2 DLTs; de-escalation: the lower dose is expanded to 6. */
    variant: z.enum(["escalation-only", "de-escalation"]).default("escalation-only"),
    /**
     * At the highest dose, 0 of 3 is confirmed with 3 more patients (true), or ends the trial with the
     * highest dose as MTD (false: bcrm's `threep3` convention).
     */
    confirmTopDose: z.boolean().default(true),
  })
  .strict();

export type ThreePlusThreeSpec = z.infer<typeof threePlusThreeSpec>;
