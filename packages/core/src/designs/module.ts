import type { z } from "zod";
import type { NormalizedRules } from "../rules/normalize.js";
import type { ValidationIssue } from "../validation.js";
import type { DecisionEngine } from "./engine.js";
import type { BoundaryTable, DoseFindingMethod, PendingRow } from "./method.js";

/** What a design can do, for the code that serves every design (simulation, the CLI, the web form). */
export interface DesignCapabilities {
  /** Exact operating characteristics by enumerating every trial path (outcomes are discrete). */
  exact: boolean;
  /** Decides with patients still inside their DLT window: outcomes carry follow-up, e.g. N[14]. */
  timeToEvent: boolean;
  /** Decides from responses as well as DLTs. */
  efficacyAware: boolean;
  /** Decides from a model fitted to every dose's data, so it has no decision table per dose. */
  modelBased: boolean;
  /** Every dose needs its amount (a model on the dose scale). */
  doseAmounts: boolean;
}

/** A published result the design reproduces, and where its tests keep the values (test-fixtures/). */
export interface PublishedValues {
  /** The publication or package, e.g. "Yuan et al. 2018, Clin Cancer Res, Table 1 and Table S1". */
  source: string;
  /** What is reproduced, in a few words. */
  reproduces: string;
  /** The fixture holding the values: "file.json#key". */
  fixture: string;
}

/** The fields a protocol team sets first for this design (a form shows these; the rest keep their defaults). */
export type KeyField = "target" | "doses" | "cohortSize" | "cohorts" | "skeleton" | "window" | "referenceDose";

/**
 * One dose-finding design: everything the rest of Escalate knows about it. Each design's folder exports
 * one of these, registered in registry.ts; nothing outside the folder branches on the design's name.
 */
export interface DesignModule<Spec extends { design: string } = { design: string }, Schema = z.ZodObject> {
  /** The `design:` value of a design file. */
  readonly name: Spec["design"];
  /** Short name for lists and tables ("BOIN"). */
  readonly label: string;
  /** Full name for protocol text ("Bayesian optimal interval (BOIN)"). */
  readonly title: string;
  /** The design file's schema, with its defaults. */
  readonly schema: Schema;
  readonly capabilities: DesignCapabilities;
  readonly keyFields: readonly KeyField[];
  readonly references: readonly string[];
  /** Its published-values table: what it reproduces, and where the tests keep the numbers. */
  readonly published: readonly PublishedValues[];
  /** What MTD selection's per-dose estimates are ("estimated DLT probability", "P(target interval)"). */
  readonly estimateName: string;
  /** Model-based designs: how the next dose is chosen, in a few words. */
  readonly nextDoseInBrief?: string;
  /** Constraints between fields that the schema cannot express. */
  check?(spec: Spec): ValidationIssue[];
  /** The decision logic; `rules` are the design's rules in canonical form (backfill changes how interval designs pool data). */
  createMethod(spec: Spec, rules: NormalizedRules): DoseFindingMethod;
  /** The protocol's sections on dose assignment, safety and MTD selection (markdown lines). */
  describe(spec: Spec, design: { boundaries(): BoundaryTable; pendingTable?(): PendingRow[] }): string[];
  /** The DLT rate above which a patient counts as overdosed when the spec has no target. */
  overdoseThreshold?(spec: Spec): number;
  /**
   * Efficacy-aware designs: the dose a perfect design would select in a scenario of true DLT and
   * response probabilities (0-based), or null when no dose is acceptable; what operating
   * characteristics are judged against.
   */
  trueOptimum?(spec: Spec, toxicity: readonly number[], efficacy: readonly number[]): number | null;
  /**
   * Parameters calibrated by the average probability of correct selection over scenarios
   * (simulate/calibration.ts): the values each is tried at for this spec (one value: held as it is),
   * and the spec with a choice of values set.
   */
  calibration?: {
    grid(spec: Spec): Record<string, number[]>;
    apply(spec: Spec, values: Record<string, number>): Spec;
  };
  /**
   * Monte Carlo of trials [firstTrial, firstTrial + count) into `acc`, for designs that cannot be simulated
   * cohort by cohort from complete outcomes (time-to-event designs).
   */
  simulateTrials?(
    engine: DecisionEngine,
    spec: Spec,
    truth: Float64Array,
    seed: number,
    firstTrial: number,
    count: number,
    acc: Float64Array,
    overdoseThreshold: number,
  ): void;
}

/** Declares a design module (the identity, typed: the spec type flows from the schema to every member). */
export const defineDesign = <Schema extends z.ZodObject<{ design: z.ZodLiteral<string> }>>(
  module: DesignModule<z.infer<Schema>, Schema>,
): DesignModule<z.infer<Schema>, Schema> => module;
