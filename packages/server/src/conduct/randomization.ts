import { randomBytes } from "node:crypto";
import {
  type Allocation,
  allocateNext,
  type Decision,
  type Design,
  type DesignSpec,
  isResponder,
  type RoseDecision,
  type RoseDesign,
  roseDecision,
  ValidationError,
} from "@escalate/core";
import type { NewEvent, Tx } from "../audit/events.js";
import { sha256 } from "../auth/accounts.js";
import { getEntity, listEntities } from "../db/entities.js";
import { conflict, invalid } from "../errors.js";
import type { TrialState } from "./trial-state.js";
import { type CohortDoc, cohortState, designOf, state, type TrialDoc } from "./trials.js";

/**
 * The randomized dose-comparison stage in conduct. Concealment: the seed every allocation is drawn
 * from lives in its own table and never leaves the server (the log keeps its SHA-256 digest, which the
 * audit verification checks); an allocation is made inside the registration's transaction, so a site
 * learns the arm only once its patient is registered, and each allocation is an audit event.
 */
export interface RandomizationDoc {
  method: Allocation["method"];
  /** Dose levels (1-based) of the arms, lowest first. */
  arms: number[];
  rose: RoseDesign;
  /** Minimization: the declared factors and their levels. */
  factors: Record<string, string[]> | null;
  seedDigest: string;
  /** The signed decision that opened the stage. */
  decision: string;
}

export interface AllocationDoc {
  /** 1-based allocation number. */
  number: number;
  USUBJID: string;
  /** 1-based arm, and its dose level. */
  arm: number;
  doseLevel: number;
  factors: Record<string, string>;
  method: Allocation["method"];
  /** Minimization: the imbalance each arm would have given, and whether the coin followed the least. */
  imbalance?: number[];
  followedMinimum?: boolean;
}

/** The comparison meeting's reading of the stage: per arm, patients assessed for response and responders. */
export interface ComparisonDoc extends RoseDecision {
  arms: number[];
  patients: number[];
  assessed: number[];
  responses: number[];
}

type Change = NewEvent["changes"][number];

/**
 * The stored secret is 32 random bytes (hex), so its logged digest cannot be searched back to it; the
 * allocation streams are seeded by its first 48 bits.
 */
export const seedDigest = (trialId: string, secret: string) => sha256(`${trialId}:${secret}`);
const seedOf = (secret: string) => Number.parseInt(secret.slice(0, 12), 16);

/** The allocation among `arms` doses the design's rule asks for (block sizes fitted to the arms left). */
function allocationFor(spec: DesignSpec, arms: number): Allocation {
  const rule = spec.rules.find((r) => r.type === "randomized");
  if (rule?.type !== "randomized") throw new Error("the design has no randomized stage");
  if (rule.allocation.method === "minimization")
    return {
      method: "minimization",
      factors: rule.allocation.factors,
      probability: rule.allocation.probability,
      ...(rule.allocation.weights ? { weights: rule.allocation.weights } : {}),
    };
  const sizes = (rule.allocation.blockSizes ?? []).filter((size) => size % arms === 0);
  return { method: "blocks", blockSizes: sizes.length > 0 ? sizes : [2 * arms, 3 * arms] };
}

/**
 * The changes that open the randomized stage after dose finding stopped with `plan`: the stage's
 * record (with the seed's digest; the seed itself is stored apart) and its first cohort.
 */
export async function openRandomizedStage(
  tx: Tx,
  doc: TrialDoc,
  /** The trial's design (designOf(doc)), which the caller has already built. */
  design: Design,
  plan: NonNullable<Decision["randomized"]>,
  decisionId: string,
  cohortNumber: number,
  now: Date,
): Promise<Change[]> {
  const trialId = doc.trial.id;
  const arms = plan.doses!;
  const rose = design.engine.rules.randomized!.rose;
  const allocation = allocationFor(design.spec, arms.length);
  let secret = await tx.selectFrom("randomization_secrets").select("seed").where("trial_id", "=", trialId).executeTakeFirst();
  if (!secret) {
    secret = { seed: randomBytes(32).toString("hex") };
    await tx.insertInto("randomization_secrets").values({ trial_id: trialId, seed: secret.seed, created_at: now.toISOString() }).execute();
  }
  const randomization: RandomizationDoc = {
    method: allocation.method,
    arms,
    rose: { ...rose, arms: arms.length },
    factors: allocation.method === "minimization" ? allocation.factors : null,
    seedDigest: seedDigest(trialId, secret.seed),
    decision: decisionId,
  };
  const perArm = rose.interimPerArm ?? rose.perArm;
  const cohort: CohortDoc = {
    number: cohortNumber,
    doseLevel: arms[0]!,
    capacity: arms.length * perArm,
    kind: "randomized",
    decision: decisionId,
    arms,
  };
  return [
    { kind: "randomization", trialId, id: trialId, after: state(randomization, { status: "enrolling" }) },
    { kind: "cohort", trialId, id: String(cohortNumber), after: cohortState(cohort, "open") },
  ];
}

/** The second stage's cohort after an interim that did not select: the rest of each arm. */
export function continueRandomizedStage(
  trialId: string,
  randomization: RandomizationDoc,
  decisionId: string,
  cohortNumber: number,
): Change {
  const { rose, arms } = randomization;
  const cohort: CohortDoc = {
    number: cohortNumber,
    doseLevel: arms[0]!,
    capacity: arms.length * (rose.perArm - (rose.interimPerArm ?? 0)),
    kind: "randomized",
    decision: decisionId,
    arms,
  };
  return { kind: "cohort", trialId, id: String(cohortNumber), after: cohortState(cohort, "open") };
}

/**
 * Allocates the patient being registered in a randomized cohort: the arm and its dose level, and the
 * allocation's record (logged as its own event by the caller, in the registration's transaction).
 */
export async function allocatePatient(
  tx: Tx,
  doc: TrialDoc,
  USUBJID: string,
  factors: Record<string, string> | undefined,
): Promise<{ doc: AllocationDoc; change: Change }> {
  const trialId = doc.trial.id;
  const randomization = await getEntity<RandomizationDoc>(tx, trialId, "randomization", trialId);
  const secret = await tx.selectFrom("randomization_secrets").select("seed").where("trial_id", "=", trialId).executeTakeFirst();
  if (!randomization || !secret) throw conflict("the randomized stage has not been opened");
  if (seedDigest(trialId, secret.seed) !== randomization.data.seedDigest)
    throw conflict("the randomization seed does not match its logged digest: allocation is refused until the audit trail is verified");
  const arms = randomization.data.arms;
  const allocation = allocationFor(designOf(doc).spec, arms.length);
  const earlier = (await listEntities<AllocationDoc>(tx, trialId, "allocation")).sort((a, b) => a.data.number - b.data.number);
  let allocated: ReturnType<typeof allocateNext>;
  try {
    allocated = allocateNext(
      allocation,
      arms.length,
      seedOf(secret.seed),
      earlier.map((a) => ({ arm: a.data.arm - 1, levels: a.data.factors })),
      factors ?? {},
    );
  } catch (error) {
    if (error instanceof ValidationError)
      throw invalid(
        error.issues.map((issue) => ({ ...issue, path: issue.path.startsWith("factors.") ? issue.path : `randomization.${issue.path}` })),
      );
    throw error;
  }
  const allocationDoc: AllocationDoc = {
    number: earlier.length + 1,
    USUBJID,
    arm: allocated.arm + 1,
    doseLevel: arms[allocated.arm]!,
    factors: factors ?? {},
    method: allocation.method,
    ...(allocated.imbalance ? { imbalance: allocated.imbalance, followedMinimum: allocated.followedMinimum! } : {}),
  };
  return { doc: allocationDoc, change: { kind: "allocation", trialId, id: USUBJID, after: state(allocationDoc, { status: "allocated" }) } };
}

/**
 * The comparison meeting: refused while a randomized patient has no response assessment yet (the
 * selection is never computed from guesses); otherwise the ROSE decision on the assessed patients.
 */
export async function compareArms(tx: Tx, trialId: string, trialState: TrialState): Promise<ComparisonDoc> {
  const randomization = await getEntity<RandomizationDoc>(tx, trialId, "randomization", trialId);
  if (!randomization) throw conflict("the randomized stage has not been opened");
  const { arms, rose } = randomization.data;
  const randomizedCohorts = new Set(
    (await listEntities<CohortDoc>(tx, trialId, "cohort")).filter((c) => c.data.kind === "randomized").map((c) => c.data.number),
  );
  const summaries = new Map(trialState.analysis.patients.map((p) => [p.USUBJID, p]));
  const randomized = trialState.data.patients.filter((p) => randomizedCohorts.has(p.cohort));
  const waiting = randomized.filter((p) => (summaries.get(p.USUBJID)?.bestResponse ?? null) === null);
  if (waiting.length > 0)
    throw conflict(
      "randomized patients await their response assessment",
      waiting.map((p) => ({ path: `patients.${p.USUBJID}`, message: "has no response assessment yet" })),
    );
  const patients = arms.map((level) => randomized.filter((p) => p.doseLevel === level).length);
  const responses = arms.map((level) => randomized.filter((p) => p.doseLevel === level && isResponder(summaries.get(p.USUBJID)!)).length);
  const decision = roseDecision(
    rose,
    responses,
    patients,
    arms.map((level) => `dose ${level}`),
  );
  return { ...decision, arms, patients, assessed: patients, responses };
}
