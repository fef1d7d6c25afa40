// Schema fields and helpers shared by the designs (each design's own schema is in its folder).
import { z } from "zod";
import { ruleSpec } from "../rules/schema.js";

export const probability = z.number().gt(0).lt(1);

export const doseList = z.union([
  z.number().int().min(1).max(100),
  z
    .array(
      z
        .object({
          label: z.string().min(1).max(80),
          /** The dose amount in the trial's unit (e.g. 2.4 for "2.4 mg/kg"); model-based designs with dose amounts need it. */
          amount: z.number().gt(0).optional(),
        })
        .strict(),
    )
    .min(1)
    .max(100),
]);

/** Fields every design file has. */
export const common = {
  /** Target DLT probability. */
  target: probability,
  /** Number of dose levels, or their labels in increasing order (e.g. "2.4 mg/kg"). */
  doses: doseList,
  /** 1-based starting dose. */
  startDose: z.number().int().min(1).default(1),
  rules: z.array(ruleSpec).default([]),
  /** Shorthand for a rule `{ type: expansion, patients }`. */
  expansion: z.number().int().min(0).max(10000).optional(),
  /** Free text shown in describe() and reports. */
  title: z.string().max(200).optional(),
  /**
   * Allow escalating more than one level above the highest dose tried (unsafe: off by default; dfcrm's
   * CRM allows it). Off, no design skips an untried dose.
   */
  allowSkipping: z.boolean().default(false),
  /**
   * Coherence: never escalate right after a cohort whose DLT rate was above the target (on by default;
   * the CRM, stricter, after any DLT — Cheung 2005). Off reproduces packages without it (BOIN, Keyboard).
   */
  coherent: z.boolean().default(true),
};

export const cohortSize = z.number().int().min(1).max(30).default(3);
export const maxCohorts = z.number().int().min(1).max(1000);

/** Elimination, extra-safe and early-stop options shared by BOIN, Keyboard and mTPI-2. */
export const intervalSafety = {
  /** Eliminate a dose when P(DLT rate > target) exceeds this (with ≥ 3 patients). */
  eliminationCutoff: z.number().gt(0.5).lt(1).default(0.95),
  /** BOIN's extra-safe rule for the lowest dose: stop when P(rate > target) > eliminationCutoff − offset. */
  extraSafe: z.boolean().default(false),
  offset: z.number().gt(0).lt(0.5).default(0.05),
  /** Stop when the current dose has this many patients and the decision is to stay. */
  earlyStopN: z.number().int().min(1).max(10000).optional(),
};

export function doseCountOf(spec: { doses: DoseList }): number {
  return typeof spec.doses === "number" ? spec.doses : spec.doses.length;
}

export function doseLabelsOf(spec: { doses: DoseList }): string[] {
  return typeof spec.doses === "number" ? Array.from({ length: spec.doses }, (_, i) => `${i + 1}`) : spec.doses.map((dose) => dose.label);
}

/** Dose amounts when every dose has one, otherwise null. */
export function doseAmountsOf(spec: { doses: DoseList }): number[] | null {
  if (typeof spec.doses === "number") return null;
  const amounts = spec.doses.map((dose) => dose.amount);
  return amounts.every((amount) => amount !== undefined) ? (amounts as number[]) : null;
}

export type DoseList = z.infer<typeof doseList>;
