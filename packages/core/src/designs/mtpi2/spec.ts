import { z } from "zod";
import { cohortSize, common, intervalSafety, maxCohorts } from "../fields.js";

export const mtpi2Spec = z
  .object({
    design: z.literal("mtpi2"),
    ...common,
    cohortSize,
    cohorts: maxCohorts.default(10),
    /** The equivalence interval is [target − epsilon1, target + epsilon2]. */
    epsilon1: z.number().gt(0).lt(0.5).default(0.05),
    epsilon2: z.number().gt(0).lt(0.5).default(0.05),
    ...intervalSafety,
  })
  .strict();

export type Mtpi2Spec = z.infer<typeof mtpi2Spec>;
