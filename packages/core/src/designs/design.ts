import { type Cohort, parseOutcomes } from "../outcomes/notation.js";
import { addCohort, addPending, countDlts, createTrialState, type TrialState } from "../outcomes/trial-state.js";
import { normalizeRules } from "../rules/normalize.js";
import { parseWith, ValidationError, type ValidationIssue } from "../validation.js";
import { BlrmMethod } from "./blrm/blrm.js";
import { createBoinMethod, resolvedBoinProbabilities } from "./boin/boin.js";
import { CrmMethod, type DoseEstimate, resolvedSkeleton } from "./crm/crm.js";
import { describeDesign } from "./describe.js";
import { createStep, DecisionEngine } from "./engine.js";
import { createKeyboardMethod } from "./keyboard/keyboard.js";
import type { BoundaryTable, DoseFindingMethod, DoseNamer } from "./method.js";
import { STOP } from "./method.js";
import { createMtpi2Method } from "./mtpi2/mtpi2.js";
import {
  type BlrmSpec,
  type CrmSpec,
  type DesignSpec,
  type DesignSpecInput,
  designSpec,
  doseAmountsOf,
  doseCountOf,
  doseLabelsOf,
} from "./spec.js";
import { ThreePlusThreeMethod } from "./three-plus-three/three-plus-three.js";

/** Decision tables stop here: each row costs a row of posterior probabilities. */
const MAX_TABLE_PATIENTS = 300;

/** What a decision does with the dose, in the order a form lists them. */
export const ACTIONS = ["escalate", "stay", "de-escalate", "stop"] as const;
export type Action = (typeof ACTIONS)[number];

/** A next-dose decision, 1-based doses (as in the R packages and the CLI). */
export interface Decision {
  action: Action;
  /** 1-based dose for the next cohort; null when stopping. */
  dose: number | null;
  stop: boolean;
  /** Per dose: may still be given (not eliminated by the design or a rule). */
  admissible: boolean[];
  /** 1-based MTD once dose finding has ended (stop or expansion); null otherwise or when none. */
  mtd: number | null;
  /** Patients in the next cohort; null when stopping. */
  cohortSize: number | null;
  phase: "dose-finding" | "expansion";
  reasons: string[];
  /** Model-based designs: per-dose posterior estimates (mean and 90% credible interval). */
  estimates?: DoseEstimate[];
  /** Which estimate drives the decisions. */
  decisionEstimate?: "plug-in" | "posterior-mean" | "target-probability";
  /** CRM: the posterior mean of β. */
  betaHat?: number;
}

export interface MtdSelection {
  mtd: number | null;
  /**
   * The estimates behind the selection per dose, null where not estimated: isotonic DLT rates (interval
   * designs), the model's DLT estimates (CRM), P(target interval) (BLRM).
   */
  estimates: (number | null)[] | null;
  reasons: string[];
}

export type History = string | readonly Cohort[];

export class Design {
  readonly doseCount: number;
  readonly doseLabels: readonly string[];
  readonly engine: DecisionEngine;
  readonly method: DoseFindingMethod;

  constructor(readonly spec: DesignSpec) {
    this.doseCount = doseCountOf(spec);
    this.doseLabels = doseLabelsOf(spec);
    const labelled = typeof spec.doses !== "number";
    const doseName: DoseNamer = (dose) => (labelled ? `dose ${dose + 1} (${this.doseLabels[dose]})` : `dose ${dose + 1}`);
    this.method = createMethod(spec, doseName);
    const rules = normalizeRules(spec.rules, spec.target, spec.expansion, spec.allowSkipping);
    const threshold = spec.target ?? this.method.coherenceTarget;
    const coherence = spec.coherent && threshold !== undefined && !this.method.coherentByConstruction ? threshold : null;
    this.engine = new DecisionEngine(
      this.method,
      rules,
      spec.cohortSize,
      spec.cohorts ?? Number.POSITIVE_INFINITY,
      doseName,
      spec.startDose - 1,
      coherence,
    );
  }

  /** Whether decisions depend on the last cohort (coherence): exact enumeration then keeps it in each state. */
  get readsLastCohort(): boolean {
    return this.method.readsLastCohort === true || this.engine.coherenceTarget !== null;
  }

  parseHistory(history: History): readonly Cohort[] {
    return typeof history === "string" ? parseOutcomes(history, this.doseCount) : history;
  }

  /** Replays a history through the design, tracking the phase (dose finding or expansion). */
  replay(history: History, notes?: string[]): TrialState {
    const cohorts = this.parseHistory(history);
    const state = createTrialState(this.doseCount);
    const step = createStep();
    cohorts.forEach((cohort, index) => {
      if (cohort.dose < 1 || cohort.dose > this.doseCount) {
        throw new ValidationError(
          [{ path: `outcomes.${index}.dose`, value: cohort.dose, message: `must be in 1..${this.doseCount}` }],
          "outcomes",
        );
      }
      this.engine.step(state, step);
      if (step.startsExpansion) state.expansionDose = step.dose;
      // A TITE-CRM history gives follow-up as of now, not what was known at each enrolment, so past
      // advice cannot be reconstructed and deviations are not noted.
      if (notes && this.spec.design !== "tite-crm" && step.dose !== cohort.dose - 1) {
        const advised = step.dose === STOP ? "had stopped" : `advised dose ${step.dose + 1}`;
        notes.push(`Note: cohort ${index + 1} was treated at dose ${cohort.dose} where the design ${advised}.`);
      }
      addCohort(state, cohort.dose - 1, cohort.dlts.length, countDlts(cohort));
      this.addFollowUp(state, cohort, index);
    });
    return state;
  }

  /** The next-dose decision; `estimates: false` skips model-based designs' credible intervals (faster). */
  /** Patients still inside their DLT window count with weight follow-up / window (Cheung & Chappell 2000). */
  private addFollowUp(state: TrialState, cohort: Cohort, index: number): void {
    if (!cohort.followUp) return;
    if (this.spec.design !== "tite-crm") {
      throw new ValidationError(
        [
          {
            path: `outcomes.${index}`,
            message: `follow-up times such as N[14] are used only by tite-crm; ${this.spec.design} needs complete outcomes`,
          },
        ],
        "outcomes",
      );
    }
    const window = this.spec.window;
    cohort.followUp.forEach((days, patient) => {
      if (days === null || days === undefined || cohort.dlts[patient]) return;
      if (days < window) addPending(state, cohort.dose - 1, days / window);
    });
  }

  decide(history: History = "", options: { estimates?: boolean } = {}): Decision {
    const reasons: string[] = [];
    const state = this.replay(history, reasons);
    const step = createStep();
    this.engine.step(state, step, reasons);
    const admissible = Array.from(this.engine.markAdmissible(state, new Uint8Array(this.doseCount)), (flag) => flag === 1);
    const stop = step.dose === STOP;
    const action: Action = stop
      ? "stop"
      : state.current < 0 || step.dose === state.current
        ? "stay"
        : step.dose > state.current
          ? "escalate"
          : "de-escalate";
    return {
      action,
      dose: stop ? null : step.dose + 1,
      stop,
      admissible,
      mtd: step.mtd < 0 ? null : step.mtd + 1,
      cohortSize: stop ? null : step.cohortSize,
      phase: state.expansionDose >= 0 || step.startsExpansion ? "expansion" : "dose-finding",
      reasons,
      ...(options.estimates === false ? {} : this.method.summarise?.(state)),
    };
  }

  /** The MTD the design would select from the data so far (the expansion dose once one has opened). */
  selectMtd(history: History = ""): MtdSelection {
    const reasons: string[] = [];
    const state = this.replay(history);
    const admissible = this.engine.markAdmissible(state, new Uint8Array(this.doseCount), reasons);
    const estimates = this.method.estimates?.(state, admissible);
    // The expansion dose stays the MTD unless a safety rule has closed it since (then select again, as the engine does).
    const keepsExpansion = state.expansionDose >= 0 && admissible[state.expansionDose] === 1;
    const mtd = keepsExpansion ? state.expansionDose : this.method.selectMtd(state, admissible, reasons);
    if (keepsExpansion) reasons.push(`The MTD was declared before the expansion cohort: dose ${mtd + 1}.`);
    return {
      mtd: mtd < 0 ? null : mtd + 1,
      estimates: estimates ? Array.from(estimates, (value) => (Number.isNaN(value) ? null : value)) : null,
      reasons,
    };
  }

  /** Protocol-ready markdown text of the design. */
  describe(): string {
    return describeDesign(this);
  }

  /** The decision table for 1..maxPatients patients at a dose (interval designs and the 3+3). */
  boundaries(): BoundaryTable {
    if (!this.method.boundaryTable) {
      throw new ValidationError(
        [
          {
            path: "design",
            value: this.spec.design,
            message:
              "must be a design with a fixed decision table (three-plus-three, boin, keyboard, mtpi2): a model-based design decides from every dose's data; `escalate paths` shows where the next cohorts lead",
          },
        ],
        "design",
      );
    }
    const rows = this.spec.cohortSize * (this.spec.cohorts ?? 2);
    if (rows > MAX_TABLE_PATIENTS) {
      throw new ValidationError(
        [
          {
            path: "cohorts",
            value: this.spec.cohorts,
            message: `gives a table of ${rows} rows (cohorts × cohortSize); at most ${MAX_TABLE_PATIENTS} are tabulated`,
          },
        ],
        "design",
      );
    }
    return this.method.boundaryTable(rows);
  }
}

function createMethod(spec: DesignSpec, doseName: DoseNamer): DoseFindingMethod {
  switch (spec.design) {
    case "three-plus-three":
      return new ThreePlusThreeMethod(spec, doseName);
    case "boin":
      return createBoinMethod(spec, doseName);
    case "keyboard":
      return createKeyboardMethod(spec, doseName);
    case "mtpi2":
      return createMtpi2Method(spec, doseName);
    case "crm":
    case "tite-crm":
      return new CrmMethod(spec, doseName);
    case "blrm":
      return new BlrmMethod(spec, doseName);
  }
}

/** Validates a design specification (from a file, the CLI or code) and builds the design. */
export function createDesign(input: DesignSpecInput | unknown): Design {
  const spec = parseWith(designSpec, input, "design");
  checkDesignSpec(spec);
  return new Design(spec);
}

/** Constraints between fields that a per-field schema cannot express. */
function checkDesignSpec(spec: DesignSpec): void {
  const issues: ValidationIssue[] = [];
  const doseCount = doseCountOf(spec);
  if (spec.startDose > doseCount) {
    issues.push({ path: "startDose", value: spec.startDose, message: `must be in 1..${doseCount} (the number of doses)` });
  }
  if (spec.design === "boin") {
    // Rounded for the message: 1.4 × 0.75 is 1.0499999999999998 in floating point.
    const { pSafe, pTox } = resolvedBoinProbabilities(spec);
    const shown = (value: number) => Number(value.toPrecision(12));
    const defaulted = (given: number | undefined, rule: string) => (given === undefined ? ` (the default ${rule})` : "");
    if (!(pSafe > 0 && pSafe < spec.target)) {
      issues.push({
        path: "pSafe",
        value: shown(pSafe),
        message: `must be in (0, target = ${spec.target})${defaulted(spec.pSafe, "0.6 × target")}`,
      });
    }
    if (!(pTox > spec.target && pTox < 1)) {
      issues.push({
        path: "pTox",
        value: shown(pTox),
        message: `must be in (target = ${spec.target}, 1)${defaulted(spec.pTox, "1.4 × target; give pTox explicitly")}`,
      });
    }
  }
  const interval = (below: [string, number], above: [string, number], name: string) => {
    if (!(spec.target! - below[1] > 0))
      issues.push({ path: below[0], value: below[1], message: `must be < target (${spec.target}) so that the ${name} starts above 0` });
    if (!(spec.target! + above[1] < 1))
      issues.push({
        path: above[0],
        value: above[1],
        message: `must be < 1 − target (${1 - spec.target!}) so that the ${name} ends below 1`,
      });
  };
  if (spec.design === "keyboard") interval(["marginBelow", spec.marginBelow], ["marginAbove", spec.marginAbove], "target key");
  if (spec.design === "mtpi2") interval(["epsilon1", spec.epsilon1], ["epsilon2", spec.epsilon2], "equivalence interval");
  if (spec.design === "crm" || spec.design === "tite-crm") issues.push(...skeletonIssues(spec));
  if (spec.design === "tite-crm" && (spec.expansion || spec.rules.some((rule) => rule.type === "expansion"))) {
    issues.push({ path: "expansion", message: "is not available for tite-crm (patients are enrolled while others are still followed)" });
  }
  if (spec.design === "blrm") issues.push(...blrmIssues(spec));
  if (issues.length > 0) throw new ValidationError(issues, "design");
}

function blrmIssues(spec: BlrmSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const amounts = doseAmountsOf(spec);
  if (amounts === null) {
    issues.push({
      path: "doses",
      message: 'must list every dose with its amount for a BLRM, e.g. [{ label: "2.4 mg/kg", amount: 2.4 }, …]',
    });
  } else {
    for (let i = 1; i < amounts.length; i++) {
      if (!(amounts[i]! > amounts[i - 1]!)) {
        issues.push({
          path: `doses.${i}.amount`,
          value: amounts[i],
          message: `must be > the previous amount ${amounts[i - 1]} (increasing)`,
        });
        break;
      }
    }
  }
  if (!(spec.intervals[0] < spec.intervals[1])) {
    issues.push({
      path: "intervals",
      value: spec.intervals,
      message: "must be two increasing probabilities [a, b]: under-dosing below a, over-dosing from b",
    });
  }
  return issues;
}

function skeletonIssues(spec: CrmSpec): ValidationIssue[] {
  const doseCount = doseCountOf(spec);
  if (!Array.isArray(spec.skeleton)) {
    try {
      resolvedSkeleton(spec);
      return [];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return error.issues.map((issue) => ({ ...issue, path: `skeleton.${issue.path}` }));
    }
  }
  const skeleton = spec.skeleton;
  if (skeleton.length !== doseCount) {
    return [{ path: "skeleton", value: skeleton, message: `must have one value per dose (${doseCount} values, got ${skeleton.length})` }];
  }
  for (let i = 1; i < skeleton.length; i++) {
    if (!(skeleton[i]! > skeleton[i - 1]!)) {
      return [
        { path: `skeleton.${i}`, value: skeleton[i], message: `must be > the previous value ${skeleton[i - 1]} (strictly increasing)` },
      ];
    }
  }
  if (spec.model === "logistic" && skeleton.some((s) => Math.log(s / (1 - s)) >= spec.intercept)) {
    return [{ path: "intercept", value: spec.intercept, message: "must exceed the logit of every skeleton value" }];
  }
  return [];
}
