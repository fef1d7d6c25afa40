import { z } from "zod";
import { cohortSize, common, maxCohorts, probability } from "../fields.js";

const logit = (p: number) => Math.log(p / (1 - p));

export const blrmSpec = z
  .object({
    design: z.literal("blrm"),
    ...common,
    /** The target is the target interval here; `target`, if given, is used only to report overdosing. */
    target: probability.optional(),
    cohortSize,
    cohorts: maxCohorts.default(10),
    /** The reference dose d* of logit p(d) = log α + β·log(d/d*), in the unit of the dose amounts. */
    referenceDose: z.number().gt(0),
    /** Bivariate normal prior on (log α, log β); by default weakly informative (Neuenschwander et al. 2014). */
    prior: z
      .object({
        mean: z.tuple([z.number().min(-20).max(20), z.number().min(-20).max(20)]),
        sd: z.tuple([z.number().gt(0).max(20), z.number().gt(0).max(20)]),
        correlation: z.number().gt(-1).lt(1).default(0),
      })
      .strict()
      .default({ mean: [logit(0.25), 0], sd: [2, 1], correlation: 0 }),
    /** Boundaries of the under-dosing / target / over-dosing intervals: [0, a), [a, b), [b, 1]. */
    intervals: z.tuple([probability, probability]).default([0.16, 0.33]),
    /** EWOC: a dose is eligible only if P(over-dosing) is below this. */
    overdoseLimit: z.number().gt(0).lt(1).default(0.25),
    /** Largest allowed increase over the highest dose given, as a fraction (1 = +100%). */
    maxStep: z.number().gt(0).max(100).optional(),
  })
  .strict();

export type BlrmSpec = z.infer<typeof blrmSpec>;
