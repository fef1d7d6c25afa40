import { z } from "zod";
import { ruleSpec } from "../rules/schema.js";

const probability = z.number().gt(0).lt(1);

const doseList = z.union([
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
const common = {
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

const cohortSize = z.number().int().min(1).max(30).default(3);
const maxCohorts = z.number().int().min(1).max(1000);

/** Elimination, extra-safe and early-stop options shared by BOIN, Keyboard and mTPI-2. */
const intervalSafety = {
  /** Eliminate a dose when P(DLT rate > target) exceeds this (with ≥ 3 patients). */
  eliminationCutoff: z.number().gt(0.5).lt(1).default(0.95),
  /** BOIN's extra-safe rule for the lowest dose: stop when P(rate > target) > eliminationCutoff − offset. */
  extraSafe: z.boolean().default(false),
  offset: z.number().gt(0).lt(0.5).default(0.05),
  /** Stop when the current dose has this many patients and the decision is to stay. */
  earlyStopN: z.number().int().min(1).max(10000).optional(),
};

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

export const boinSpec = z
  .object({
    design: z.literal("boin"),
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
  })
  .strict();

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

export const designSpec = z.discriminatedUnion("design", [
  threePlusThreeSpec,
  boinSpec,
  keyboardSpec,
  mtpi2Spec,
  crmSpec,
  titeCrmSpec,
  blrmSpec,
]);

export type DesignSpec = z.infer<typeof designSpec>;
export type DesignSpecInput = z.input<typeof designSpec>;
export type ThreePlusThreeSpec = z.infer<typeof threePlusThreeSpec>;
export type BoinSpec = z.infer<typeof boinSpec>;
export type KeyboardSpec = z.infer<typeof keyboardSpec>;
export type Mtpi2Spec = z.infer<typeof mtpi2Spec>;
export type CrmSpec = z.infer<typeof crmSpec> | z.infer<typeof titeCrmSpec>;
export type TiteCrmSpec = z.infer<typeof titeCrmSpec>;
export type BlrmSpec = z.infer<typeof blrmSpec>;
export type DesignName = DesignSpec["design"];
export const DESIGN_NAMES = designSpec.options.map((option) => option.shape.design.value);

export function doseCountOf(spec: Pick<DesignSpec, "doses">): number {
  return typeof spec.doses === "number" ? spec.doses : spec.doses.length;
}

export function doseLabelsOf(spec: Pick<DesignSpec, "doses">): string[] {
  return typeof spec.doses === "number" ? Array.from({ length: spec.doses }, (_, i) => `${i + 1}`) : spec.doses.map((dose) => dose.label);
}

/** Dose amounts when every dose has one, otherwise null. */
export function doseAmountsOf(spec: Pick<DesignSpec, "doses">): number[] | null {
  if (typeof spec.doses === "number") return null;
  const amounts = spec.doses.map((dose) => dose.amount);
  return amounts.every((amount) => amount !== undefined) ? (amounts as number[]) : null;
}
