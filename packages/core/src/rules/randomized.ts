import { z } from "zod";
import type { Allocation } from "../randomized/allocation.js";
import { checkAllocation } from "../randomized/allocation.js";
import { checkRoseDesign, type RoseDesign, roseSelectedArm } from "../randomized/rose.js";
import type { RandomStream } from "../stats/random.js";
import type { RuleModule } from "./rule.js";

/**
 * A randomized dose-comparison stage after dose finding (FDA 2024 dosage-optimization guidance; ROSE,
 * Wang, Yuan & Liu 2025): two or three doses — the design's selected dose (the OBD for efficacy-aware
 * designs, the MTD otherwise) with the next lower one or two, or doses the protocol lists — are compared
 * in `perArm` patients each, allocated with concealment, and the lowest dose is kept unless a higher
 * one's response count exceeds it by more than `boundary` (randomized/rose.ts). `escalate rose` finds
 * `perArm` and `boundary` from the wanted probabilities of correct selection.
 */
const allocationSchema = z.discriminatedUnion("method", [
  z
    .object({
      method: z.literal("blocks"),
      /** Block sizes (multiples of the arms), one drawn at random per block so the next allocation cannot be guessed. */
      blockSizes: z.array(z.number().int().min(2).max(36)).min(1).max(6).optional(),
    })
    .strict(),
  z
    .object({
      method: z.literal("minimization"),
      factors: z.record(z.string().min(1).max(40), z.array(z.string().min(1).max(40)).min(2).max(50)),
      probability: z.number().gt(0).max(1).default(0.8),
      weights: z.record(z.string(), z.number()).optional(),
    })
    .strict(),
]);

export const randomizedRule = z
  .object({
    type: z.literal("randomized"),
    /** The doses compared: the selected dose and the next lower one (or two), or 1-based doses listed in the protocol. */
    doses: z
      .union([z.enum(["selected-and-lower", "selected-and-two-lower"]), z.array(z.number().int().min(1).max(100)).min(2).max(3)])
      .default("selected-and-lower"),
    perArm: z.number().int().min(1).max(400),
    /** Keep the lowest dose within this many responses of the best. */
    boundary: z.number().int().min(0).max(400),
    /** Two-stage ROSE (two arms): select the lower dose early if the higher's count exceeds it by at most `boundary`. */
    interim: z
      .object({ perArm: z.number().int().min(1).max(399), boundary: z.number().int().min(-399).max(399) })
      .strict()
      .optional(),
    allocation: allocationSchema.default({ method: "blocks" }),
  })
  .strict();

export type RandomizedRuleSpec = z.infer<typeof randomizedRule>;

export interface RandomizedStage {
  /** "selected": the selected dose and the `arms − 1` doses below it; otherwise 0-based listed doses. */
  doses: "selected" | number[];
  rose: RoseDesign;
  allocation: Allocation;
}

export const randomized: RuleModule<RandomizedRuleSpec, typeof randomizedRule> = {
  type: "randomized",
  schema: randomizedRule,
  normalize(spec, into, { index, doseCount }) {
    const path = `rules.${index}`;
    if (into.randomized !== null) return [{ path, message: "only one randomized stage may be given" }];
    if (into.expansionPatients > 0)
      return [{ path, message: "a randomized stage and an expansion cohort both follow dose finding: give one of them" }];
    const arms = Array.isArray(spec.doses) ? spec.doses.length : spec.doses === "selected-and-lower" ? 2 : 3;
    const rose: RoseDesign = {
      arms,
      perArm: spec.perArm,
      boundary: spec.boundary,
      ...(spec.interim ? { interimPerArm: spec.interim.perArm, interimBoundary: spec.interim.boundary } : {}),
    };
    const issues = checkRoseDesign(rose, path).map((issue) => ({
      ...issue,
      path: issue.path.replace(".interimPerArm", ".interim.perArm").replace(".interimBoundary", ".interim.boundary"),
    }));
    const listed = spec.doses;
    if (Array.isArray(listed)) {
      listed.forEach((dose, i) => {
        if (doseCount !== undefined && dose > doseCount)
          issues.push({ path: `${path}.doses.${i}`, value: dose, message: `must be a dose in 1..${doseCount}` });
        if (i > 0 && dose <= listed[i - 1]!)
          issues.push({ path: `${path}.doses.${i}`, value: dose, message: "doses must be listed lowest first, each once" });
      });
    }
    const allocation: Allocation =
      spec.allocation.method === "blocks"
        ? { method: "blocks", blockSizes: spec.allocation.blockSizes ?? [2 * arms, 3 * arms] }
        : {
            method: "minimization",
            factors: spec.allocation.factors,
            probability: spec.allocation.probability,
            ...(spec.allocation.weights ? { weights: spec.allocation.weights } : {}),
          };
    issues.push(...checkAllocation(allocation, arms, `${path}.allocation`));
    if (issues.length > 0) return issues;
    into.randomized = { doses: Array.isArray(spec.doses) ? spec.doses.map((d) => d - 1) : "selected", rose, allocation };
    return [];
  },
  describe: (rules) => (rules.randomized === null ? [] : describeRandomized(rules.randomized)),
};

function describeRandomized(stage: RandomizedStage): string[] {
  const { rose, allocation } = stage;
  const which =
    stage.doses === "selected"
      ? `the selected dose (the optimal biological dose for efficacy-aware designs, the MTD otherwise) and the ${rose.arms === 2 ? "next lower dose" : "two doses below it"}`
      : `doses ${stage.doses.map((d) => d + 1).join(", ")}`;
  const lines = [
    `After dose finding, ${rose.arms * rose.perArm} patients are randomized equally between ${which} (${rose.perArm} per arm); a dose eliminated for toxicity, or missing below the lowest dose, is not randomized, and with fewer than two doses left the stage is not run.`,
    `Selection (ROSE, Wang, Yuan & Liu 2025): the lowest dose whose number of responses is within ${rose.boundary} of the largest number is selected (a difference in response rates of ${(rose.boundary / rose.perArm).toFixed(3)}).`,
  ];
  if (rose.interimPerArm !== undefined)
    lines.push(
      `Interim analysis after ${rose.interimPerArm} patients per arm have been assessed for response (accrual pauses): the lower dose is selected early if the higher dose's responses exceed it by at most ${rose.interimBoundary}.`,
    );
  lines.push(
    allocation.method === "blocks"
      ? `Allocation by permuted blocks of sizes ${allocation.blockSizes.join(" or ")} (drawn at random), from a sequence the sites never see; each patient's arm is revealed only once the patient is registered.`
      : `Allocation by minimization (Pocock & Simon 1975) on ${Object.keys(allocation.factors).join(", ")}, taking the arm that minimizes imbalance with probability ${allocation.probability}; each patient's arm is revealed only once the patient is registered.`,
  );
  return lines;
}

/**
 * The 0-based doses randomized after dose finding selected `selected` (−1: none), or null when fewer
 * than two are admissible — then the selected dose stands.
 */
export function randomizedDoses(stage: RandomizedStage, selected: number, admissible: ArrayLike<number | boolean>): number[] | null {
  let doses: number[];
  if (stage.doses === "selected") {
    if (selected < 0) return null;
    doses = [];
    for (let d = selected - stage.rose.arms + 1; d <= selected; d++) if (d >= 0) doses.push(d);
  } else doses = stage.doses;
  const open = doses.filter((d) => admissible[d] === 1 || admissible[d] === true);
  return open.length >= 2 ? open : null;
}

/** One simulated randomized stage: per-arm patients, DLTs and responses, and the 0-based arm selected. */
export interface RandomizedOutcome {
  patients: Int32Array;
  dlts: Int32Array;
  responses: Int32Array;
  selectedArm: number;
  early: boolean;
}

export function createRandomizedOutcome(): RandomizedOutcome {
  return { patients: new Int32Array(3), dlts: new Int32Array(3), responses: new Int32Array(3), selectedArm: -1, early: false };
}

/**
 * Simulates the stage for doses `doses` (rates from `truth` and `efficacy`), each patient's DLT and
 * response drawn in that order, arm by arm, stage 1 before stage 2 — so the numbers drawn never depend on
 * the allocation order, which only matters for timing (calendar.ts).
 */
export function simulateRandomizedStage(
  rose: RoseDesign,
  doses: readonly number[],
  truth: Float64Array,
  efficacy: Float64Array,
  random: RandomStream,
  out: RandomizedOutcome,
): void {
  const arms = doses.length;
  out.patients.fill(0);
  out.dlts.fill(0);
  out.responses.fill(0);
  out.early = false;
  const treat = (count: number) => {
    for (let arm = 0; arm < arms; arm++) {
      const p = truth[doses[arm]!]!;
      const q = efficacy[doses[arm]!]!;
      for (let i = 0; i < count; i++) {
        if (random.nextUniform() < p) out.dlts[arm]!++;
        if (random.nextUniform() < q) out.responses[arm]!++;
      }
      out.patients[arm]! += count;
    }
  };
  const first = rose.interimPerArm ?? rose.perArm;
  treat(first);
  if (rose.interimPerArm !== undefined && arms === 2 && out.responses[1]! - out.responses[0]! <= rose.interimBoundary!) {
    out.selectedArm = 0;
    out.early = true;
    return;
  }
  if (first < rose.perArm) treat(rose.perArm - first);
  out.selectedArm = roseSelectedArm(out.responses.subarray(0, arms), rose.boundary);
}
