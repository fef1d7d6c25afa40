import { z } from "zod";
import { cohortSize, common, intervalSafety, maxCohorts, probability } from "../fields.js";

/** BOIN's fields (shared with TITE-BOIN). */
export const boinFields = {
  ...common,
  cohortSize,
  cohorts: maxCohorts.default(10),
  /** Highest rate deemed underdosing; default 0.6 × target. */
  pSafe: probability.optional(),
  /** Lowest rate deemed overdosing; default 1.4 × target. */
  pTox: probability.optional(),
  ...intervalSafety,
  /** BOIN's boundMTD: the selected MTD's isotonic estimate must not exceed λd. */
  boundMtd: z.boolean().default(false),
  /**
   * 1 DLT among 3 patients means stay, whatever λd says (BF-BOIN's setting, Zhao et al. 2024; at target
   * 0.25 it changes only the n = 3 de-escalation boundary, from 1 to 2 DLTs).
   */
  stayOnOneOfThree: z.boolean().default(false),
};

export const boinSpec = z.object({ design: z.literal("boin"), ...boinFields }).strict();

export type BoinSpec = z.infer<typeof boinSpec>;
