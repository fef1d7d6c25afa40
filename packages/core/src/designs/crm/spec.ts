import { z } from "zod";
import { cohortSize, common, maxCohorts, probability } from "../fields.js";

/** A skeleton given value by value, or calibrated by the indifference-interval method (Lee & Cheung 2009). */
const skeleton = z.union([
  z.array(probability).min(1).max(100),
  z
    .object({
      /** Half-width δ of the indifference interval target ± δ. */
      halfWidth: z.number().gt(0).lt(0.5),
      /** 1-based dose believed a priori to be the MTD. */
      priorMtd: z.number().int().min(1),
    })
    .strict(),
]);

/** The fields of a CRM (shared by the TITE-CRM). */
const crmFields = {
  ...common,
  cohortSize,
  cohorts: maxCohorts.default(10),
  /** Prior guesses of the DLT probability per dose (strictly increasing), or a calibration. */
  skeleton,
  model: z.enum(["empiric", "logistic"]).default("empiric"),
  /** Variance of the normal prior on β (dfcrm's default 1.34). */
  priorVariance: z.number().gt(0).max(100).default(1.34),
  /** Logistic model intercept a0. */
  intercept: z.number().min(-10).max(10).default(3),
  /** The estimate decisions use: p_d at the posterior mean of β (dfcrm), or the posterior mean of p_d. */
  estimate: z.enum(["plug-in", "posterior-mean"]).default("plug-in"),
  /** Coherence, the CRM's (stricter) way: never escalate right after a cohort with any DLT (Cheung 2005). */
  coherent: z.boolean().default(true),
  /** Stop when P(DLT rate at dose 1 > threshold | data) > confidence, once minPatients have been treated. */
  safetyStop: z
    .object({
      threshold: probability.optional(),
      confidence: z.number().gt(0.5).lt(1),
      minPatients: z.number().int().min(1).max(1000).default(3),
    })
    .strict()
    .optional(),
};

export const crmSpec = z.object({ design: z.literal("crm"), ...crmFields }).strict();

export const titeCrmSpec = z
  .object({
    design: z.literal("tite-crm"),
    ...crmFields,
    cohortSize: z.number().int().min(1).max(30).default(1),
    cohorts: maxCohorts.default(24),
    /** Length of the DLT observation window, in days. */
    window: z.number().gt(0).max(3650),
    /** Simulation only: days between successive patients' arrivals (default: a quarter of the window). */
    arrivalInterval: z.number().gt(0).max(3650).optional(),
  })
  .strict();

export type CrmSpec = z.infer<typeof crmSpec> | z.infer<typeof titeCrmSpec>;
export type TiteCrmSpec = z.infer<typeof titeCrmSpec>;
