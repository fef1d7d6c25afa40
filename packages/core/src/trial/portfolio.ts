import { z } from "zod";
import { parseWith } from "../validation.js";
import { compoundSchema } from "./schema.js";

/** A programme's compounds and their trials; each trial may point to an example folder with its data. */
export const portfolioSchema = z
  .object({
    compounds: z.array(
      // A trial file's compound, plus its owner and trials.
      compoundSchema.extend({
        owner: z.string().optional(),
        trials: z
          .array(z.object({ example: z.string().min(1).optional(), phase: z.string().min(1), indication: z.string().min(1) }).strict())
          .default([]),
      }),
    ),
  })
  .strict();

export type Portfolio = z.infer<typeof portfolioSchema>;

export function parsePortfolio(input: unknown): Portfolio {
  return parseWith(portfolioSchema, input, "portfolio");
}

/** A planned phase II trial described by its Simon two-stage hypotheses. */
export const simonStudySchema = z
  .object({
    trial: z.string().min(1),
    title: z.string().optional(),
    compound: z.string().optional(),
    indication: z.string().optional(),
    p0: z.number().gt(0).lt(1),
    p1: z.number().gt(0).lt(1),
    alpha: z.number().gt(0).lt(1),
    beta: z.number().gt(0).lt(1),
    maxN: z.number().int().min(2).max(500).optional(),
  })
  .strict();

export type SimonStudy = z.infer<typeof simonStudySchema>;

export function parseSimonStudy(input: unknown): SimonStudy {
  return parseWith(simonStudySchema, input, "phase II design");
}
