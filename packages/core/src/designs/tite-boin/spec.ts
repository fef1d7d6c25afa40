import { z } from "zod";
import { boinFields } from "../boin/spec.js";

export const titeBoinSpec = z
  .object({
    design: z.literal("tite-boin"),
    ...boinFields,
    /** Length of the DLT assessment window, in days. */
    window: z.number().gt(0).max(3650),
    /**
     * How pending outcomes enter the estimate at the current dose: imputed by their expected value
     * (Yuan et al. 2018, the default), or through the effective sample size (Lin & Yuan 2020).
     */
    variant: z.enum(["imputation", "ess"]).default("imputation"),
    /** Accrual is suspended while more than this fraction of the current dose's patients is pending. */
    maxPendingFraction: z.number().gt(0).lt(1).default(0.5),
    /** Simulation only: days between successive cohorts' arrivals (default: a quarter of the window). */
    arrivalInterval: z.number().gt(0).max(3650).optional(),
  })
  .strict();

export type TiteBoinSpec = z.infer<typeof titeBoinSpec>;
