import { type Cohort, parseOutcomes } from "../outcomes/notation.js";
import type { LastCohortReading } from "../outcomes/state-key.js";
import {
  addBackfill,
  addCohort,
  addPending,
  countBoth,
  countDlts,
  countResponses,
  createTrialState,
  type TrialState,
} from "../outcomes/trial-state.js";
import { openBackfillDoses } from "../rules/backfill.js";
import { normalizeRules } from "../rules/normalize.js";
import { randomizedDoses } from "../rules/randomized.js";
import { parseWith, ValidationError, type ValidationIssue } from "../validation.js";
import { boinMoveAt } from "./boin/lambdas.js";
import type { DoseEstimate } from "./crm/crm.js";
import { describeDesign } from "./describe.js";
import { createStep, DecisionEngine } from "./engine.js";
import { doseCountOf, doseLabelsOf } from "./fields.js";
import type { BoundaryTable, DoseFindingMethod, DoseNamer, PendingRow } from "./method.js";
import { STOP } from "./method.js";
import type { DesignModule } from "./module.js";
import { formatReason, publicReason, type Reason } from "./reasons.js";
import { DESIGN_MODULES, type DesignSpec, type DesignSpecInput, designModule, designSpec } from "./registry.js";

/** Decision tables stop here: each row costs a row of posterior probabilities. */
const MAX_TABLE_PATIENTS = 300;
/** Tables with pending patients have a row per (n, DLTs, pending), n³/6 in all: they stop here. */
const MAX_PENDING_TABLE_PATIENTS = 60;

/** What a decision does with the dose, in the order a form lists them. */
export const ACTIONS = ["escalate", "stay", "de-escalate", "suspend", "stop"] as const;
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
  /** "randomized": a conduct meeting of the randomized stage (the design's own decisions are never in it). */
  phase: "dose-finding" | "expansion" | "randomized";
  /** Why, in words (one sentence per reason in `why`). */
  reasons: string[];
  /** Why, as data: each reason's code and the numbers behind it (doses 1-based); `reasons` are their words. */
  why: Reason[];
  /** Model-based designs: per-dose posterior estimates (mean and 90% credible interval). */
  estimates?: DoseEstimate[];
  /** Which estimate drives the decisions. */
  decisionEstimate?: "plug-in" | "posterior-mean" | "target-probability";
  /** CRM: the posterior mean of β. */
  betaHat?: number;
  /**
   * Time-to-event designs: patients at the current dose still inside the DLT window without DLT, and
   * their standardized total follow-up time (days followed, summed, divided by the window).
   */
  pending?: number;
  stft?: number;
  /** With a backfill rule: the doses (1-based, highest first) open to backfill patients beside the next cohort. */
  backfill?: number[];
  /** Efficacy-aware designs (BOIN12): each dose's rank-based desirability score, null where inadmissible. */
  rds?: { dose: number; score: number | null }[];
  /** Efficacy-aware designs: the optimal biological dose from the data so far (1-based), null for none. */
  obd?: number | null;
  /** With a randomized stage, once dose finding stops: the doses to compare (1-based; null when not run) and the ROSE design. */
  randomized?: {
    doses: number[] | null;
    perArm: number;
    boundary: number;
    interim: { perArm: number; boundary: number } | null;
    allocation: "blocks" | "minimization";
  };
}

export interface MtdSelection {
  mtd: number | null;
  /**
   * The estimates behind the selection per dose, null where not estimated: isotonic DLT rates (interval
   * designs), the model's DLT estimates (CRM), P(target interval) (BLRM).
   */
  estimates: (number | null)[] | null;
  reasons: string[];
  why: Reason[];
  /** Efficacy-aware designs: the selection is the optimal biological dose (the same as `mtd`). */
  obd?: number | null;
}

export type History = string | readonly Cohort[];

export class Design {
  readonly doseCount: number;
  readonly doseLabels: readonly string[];
  readonly engine: DecisionEngine;
  readonly method: DoseFindingMethod;
  /** What the design is: its schema, capabilities, protocol text (the design's folder). */
  readonly module: DesignModule<DesignSpec>;
  /** How reasons name a 0-based dose: "dose 3 (2.4 mg/kg)". */
  readonly doseName: DoseNamer;
  /**
   * With a backfill rule: the per-dose judgement its opening and closing rules use (1 escalate, 0 stay,
   * −1 de-escalate). An interval design's own boundaries; otherwise BOIN's at the target (the CRM and
   * the BLRM use every patient's data in their models; the 3+3 counts backfill patients at their dose).
   */
  readonly backfillDecision: ((n: number, y: number) => number) | null = null;

  constructor(readonly spec: DesignSpec) {
    this.module = designModule(spec.design)!;
    this.doseCount = doseCountOf(spec);
    this.doseLabels = doseLabelsOf(spec);
    const labelled = typeof spec.doses !== "number";
    this.doseName = (dose) => (labelled ? `dose ${dose + 1} (${this.doseLabels[dose]})` : `dose ${dose + 1}`);
    const rules = normalizeRules(spec.rules, spec.target, spec.expansion, spec.allowSkipping, this.doseCount);
    this.method = this.module.createMethod(spec, rules);
    if (rules.backfill !== null) {
      // Without a target: the BLRM's over-dosing edge, the 3+3's 1/3.
      const threshold = spec.target ?? this.method.coherenceTarget ?? this.module.overdoseThreshold!(spec);
      this.backfillDecision = this.method.decisionAt ?? boinMoveAt(threshold);
    }
    const threshold = spec.target ?? this.method.coherenceTarget;
    const coherence = spec.coherent && threshold !== undefined && !this.method.coherentByConstruction ? threshold : null;
    this.engine = new DecisionEngine(
      this.method,
      rules,
      spec.cohortSize,
      spec.cohorts ?? Number.POSITIVE_INFINITY,
      spec.startDose - 1,
      coherence,
    );
  }

  /** What decisions read of the last cohort (its method, the coherence rule): the state keys of exact enumeration and the decision graph keep that much. */
  get lastCohortReading(): LastCohortReading {
    if (this.method.readsLastCohort === true) return "all";
    if (this.engine.coherenceTarget === null) return "none";
    const method = this.method;
    return {
      coherenceAbove: this.engine.coherenceTarget,
      ...(method.mayEscalate ? { mayEscalate: (state: TrialState) => method.mayEscalate!(state) } : {}),
    };
  }

  parseHistory(history: History): readonly Cohort[] {
    return typeof history === "string" ? parseOutcomes(history, this.doseCount) : history;
  }

  /** Replays a history through the design, tracking the phase (dose finding or expansion). */
  replay(history: History, notes?: Reason[]): TrialState {
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
      if (cohort.backfill) {
        // Backfill patients count at their dose; dose finding goes on at the current dose.
        addBackfill(state, cohort.dose - 1, cohort.dlts.length, countDlts(cohort));
        state.responses[cohort.dose - 1]! += countResponses(cohort);
        state.both[cohort.dose - 1]! += countBoth(cohort);
        this.addFollowUp(state, cohort, index);
        return;
      }
      this.engine.step(state, step);
      if (step.startsExpansion) state.expansionDose = step.dose;
      // A TITE-CRM history gives follow-up as of now, not what was known at each enrolment, so past
      // advice cannot be reconstructed and deviations are not noted.
      if (notes && !this.module.capabilities.timeToEvent && step.dose !== cohort.dose - 1) {
        notes.push({ code: "deviation", cohort: index + 1, dose: cohort.dose - 1, advised: step.dose === STOP ? null : step.dose });
      }
      addCohort(state, cohort.dose - 1, cohort.dlts.length, countDlts(cohort));
      state.responses[cohort.dose - 1]! += countResponses(cohort);
      state.both[cohort.dose - 1]! += countBoth(cohort);
      this.addFollowUp(state, cohort, index);
    });
    return state;
  }

  /** The next-dose decision; `estimates: false` skips model-based designs' credible intervals (faster). */
  /** Patients still inside their DLT window count with weight follow-up / window (Cheung & Chappell 2000). */
  private addFollowUp(state: TrialState, cohort: Cohort, index: number): void {
    if (!cohort.followUp) return;
    const window = "window" in this.spec && this.module.capabilities.timeToEvent ? this.spec.window : undefined;
    if (window === undefined) {
      const timeToEvent = DESIGN_MODULES.filter((module) => module.capabilities.timeToEvent).map((module) => module.name);
      throw new ValidationError(
        [
          {
            path: `outcomes.${index}`,
            message: `follow-up times such as N[14] are used only by time-to-event designs (${timeToEvent.join(", ")}); ${this.spec.design} needs complete outcomes`,
          },
        ],
        "outcomes",
      );
    }
    cohort.followUp.forEach((days, patient) => {
      if (days === null || days === undefined || cohort.dlts[patient]) return;
      if (days < window) addPending(state, cohort.dose - 1, days / window);
    });
  }

  decide(history: History = "", options: { estimates?: boolean } = {}): Decision {
    const why: Reason[] = [];
    const state = this.replay(history, why);
    const step = createStep();
    this.engine.step(state, step, why);
    const admissible = Array.from(this.engine.markAdmissible(state, new Uint8Array(this.doseCount)), (flag) => flag === 1);
    const stop = step.dose === STOP;
    const randomized = stop ? this.randomizedPlan(step.mtd, admissible, why) : undefined;
    const action: Action = stop
      ? "stop"
      : step.suspended
        ? "suspend"
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
      reasons: why.map((reason) => formatReason(reason, this.doseName)),
      why: why.map(publicReason),
      ...(options.estimates === false ? {} : this.method.summarise?.(state)),
      ...(this.module.capabilities.timeToEvent ? pendingAt(state, state.current) : {}),
      ...this.efficacySummary(state),
      ...(randomized ? { randomized } : {}),
      ...(this.engine.rules.backfill === null
        ? {}
        : {
            backfill: stop
              ? []
              : openBackfillDoses(
                  { completed: completedAt(state), dlts: state.dlts, treated: state.patients, responses: state.responses },
                  step.dose,
                  this.backfillDecision!,
                  this.engine.rules.backfill.maxPerDose,
                  this.engine.markAdmissible(state, new Uint8Array(this.doseCount)),
                ).map((dose) => dose + 1),
          }),
    };
  }

  /** The randomized stage's plan once dose finding has selected `selected` (0-based, −1 none); its reason joins `why`. */
  private randomizedPlan(selected: number, admissible: boolean[], why: Reason[]): Decision["randomized"] {
    const stage = this.engine.rules.randomized;
    if (stage === null) return undefined;
    const doses = randomizedDoses(stage, selected, admissible);
    const { perArm, boundary, interimPerArm, interimBoundary } = stage.rose;
    why.push(doses === null ? { code: "randomized-not-run" } : { code: "randomized-stage", doses: doses.map((d) => d + 1), perArm });
    return {
      doses: doses === null ? null : doses.map((d) => d + 1),
      perArm,
      boundary,
      interim: interimPerArm === undefined ? null : { perArm: interimPerArm, boundary: interimBoundary! },
      allocation: stage.allocation.method,
    };
  }

  /** The MTD the design would select from the data so far (the expansion dose once one has opened). */
  selectMtd(history: History = ""): MtdSelection {
    const why: Reason[] = [];
    const state = this.replay(history);
    const admissible = this.engine.markAdmissible(state, new Uint8Array(this.doseCount), why);
    const estimates = this.method.estimates?.(state, admissible);
    // The expansion dose stays the MTD unless a safety rule has closed it since (then select again, as the engine does).
    const keepsExpansion = state.expansionDose >= 0 && admissible[state.expansionDose] === 1;
    const mtd = keepsExpansion ? state.expansionDose : this.method.selectMtd(state, admissible, why);
    if (keepsExpansion) why.push({ code: "mtd-before-expansion", dose: mtd });
    return {
      mtd: mtd < 0 ? null : mtd + 1,
      estimates: estimates ? Array.from(estimates, (value) => (Number.isNaN(value) ? null : value)) : null,
      reasons: why.map((reason) => formatReason(reason, this.doseName)),
      why: why.map(publicReason),
      ...(this.module.capabilities.efficacyAware ? { obd: mtd < 0 ? null : mtd + 1 } : {}),
    };
  }

  /** Protocol-ready markdown text of the design. */
  describe(): string {
    return describeDesign(this);
  }

  /** Efficacy-aware designs: desirability scores per dose and the OBD so far (1-based). */
  private efficacySummary(state: TrialState): { rds?: { dose: number; score: number | null }[]; obd?: number | null } {
    if (!this.method.efficacySummary) return {};
    const { rds, obd } = this.method.efficacySummary(state, this.engine.markAdmissible(state, new Uint8Array(this.doseCount)));
    return { rds: rds.map((score, d) => ({ dose: d + 1, score })), obd: obd < 0 ? null : obd + 1 };
  }

  /** Time-to-event interval designs: the decision for every (n, DLTs, pending) up to the design's size. */
  pendingTable(): PendingRow[] {
    return this.method.pendingTable?.(Math.min(this.tableRows(), MAX_PENDING_TABLE_PATIENTS)) ?? [];
  }

  private tableRows(): number {
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
    return rows;
  }

  /** The decision table for 1..maxPatients patients at a dose (interval designs and the 3+3). */
  boundaries(): BoundaryTable {
    if (!this.method.boundaryTable) {
      throw new ValidationError(
        [
          {
            path: "design",
            value: this.spec.design,
            message: `must be a design with a fixed decision table (${DESIGN_MODULES.filter((module) => !module.capabilities.modelBased)
              .map((module) => module.name)
              .join(", ")}): a model-based design decides from every dose's data; \`escalate paths\` shows where the next cohorts lead`,
          },
        ],
        "design",
      );
    }
    return this.method.boundaryTable(this.tableRows());
  }
}

/** Validates a design specification (from a file, the CLI or code) and builds the design. */
export function createDesign(input: DesignSpecInput | unknown): Design {
  const spec = parseWith(designSpec, input, "design");
  checkDesignSpec(spec);
  return new Design(spec);
}

/** Constraints between fields that a per-field schema cannot express: the dose range here, the rest by the design. */
function checkDesignSpec(spec: DesignSpec): void {
  const issues: ValidationIssue[] = [];
  const doseCount = doseCountOf(spec);
  if (spec.startDose > doseCount) {
    issues.push({ path: "startDose", value: spec.startDose, message: `must be in 1..${doseCount} (the number of doses)` });
  }
  issues.push(...(designModule(spec.design)!.check?.(spec) ?? []));
  if (issues.length > 0) throw new ValidationError(issues, "design");
}

/** Patients per dose whose DLT assessment is complete (time-to-event designs count the pending ones too). */
function completedAt(state: TrialState): Int32Array {
  const completed = Int32Array.from(state.patients);
  for (let i = 0; i < state.pendingCount; i++) completed[state.pendingDose[i]!]!--;
  return completed;
}

/** Pending patients at a dose and their standardized total follow-up time. */
function pendingAt(state: TrialState, dose: number): { pending: number; stft: number } {
  let pending = 0;
  let stft = 0;
  for (let i = 0; i < state.pendingCount; i++) {
    if (state.pendingDose[i] !== dose) continue;
    pending++;
    stft += state.pendingWeight[i]!;
  }
  return { pending, stft };
}
