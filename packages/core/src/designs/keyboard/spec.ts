import { z } from "zod";
import { cohortSize, common, intervalSafety, maxCohorts } from "../fields.js";

export const keyboardSpec = z
  .object({
    design: z.literal("keyboard"),
    ...common,
    cohortSize,
    cohorts: maxCohorts.default(10),
    /** The target key is [target − marginBelow, target + marginAbove]. */
    marginBelow: z.number().gt(0).lt(0.5).default(0.05),
    marginAbove: z.number().gt(0).lt(0.5).default(0.05),
    ...intervalSafety,
  })
  .strict();

export type KeyboardSpec = z.infer<typeof keyboardSpec>;
