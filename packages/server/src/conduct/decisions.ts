import { createHash } from "node:crypto";
import { type Decision, dosePaths, isResponder, outcomeHistory, type PathNode, type ValidationIssue } from "@escalate/core";
import type { Kysely } from "kysely";
import type { Access, User } from "../access.js";
import { canonicalJson } from "../audit/canonical-json.js";
import { appendEvent, lockChain, type NewEvent, readVersion, type Tx } from "../audit/events.js";
import { authenticate } from "../auth/accounts.js";
import type { Signature } from "../contract/index.js";
import type { ResolutionBody } from "../contract/requests.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";
import { type ComparisonDoc, compareArms, continueRandomizedStage, openRandomizedStage, type RandomizationDoc } from "./randomization.js";
import { trialState } from "./trial-state.js";
import { type CohortDoc, cohortState, designOf, loadTrial, state } from "./trials.js";

/** The record collections an escalation decision rests on. */
const DECISION_DATA = new Set(["patients", "administrations", "adverseEvents"]);

export interface DecisionDoc {
  number: number;
  /** The cohort whose outcome prompted the meeting. */
  cohort: number;
  preparedBy: string;
  preparedAt: string;
  /** The adjudicated data the recommendation was computed from. */
  basedOn: { outcomes: string; patients: { USUBJID: string; cohort: number; doseLevel: number; status: string }[] };
  recommendation: Decision;
  /** Dose-transition pathways for the next two cohorts from here. */
  pathways: PathNode | null;
  /** A meeting of the randomized stage: the arms' responses and the ROSE decision (the recommendation states it). */
  comparison?: ComparisonDoc;
  resolution:
    | (Omit<ResolutionBody, "action" | "dose"> & { decidedBy: string; decidedAt: string; action: string; dose: number | null })
    | null;
  signatures: Signature[];
}

export type { Signature } from "../contract/index.js";

/** The hash a signature binds to: the decision record without its signatures. */
export function decisionRecordHash(doc: DecisionDoc): string {
  const { signatures: _signatures, ...record } = doc;
  return createHash("sha256").update(canonicalJson(record)).digest("hex");
}

/**
 * Prepares an escalation meeting: the design's recommendation from adjudicated data. Refused while a
 * patient of the current cohort is still in the DLT window (for designs that need complete data) or an
 * adverse event the rules propose as a DLT awaits adjudication — a recommendation is never computed
 * from guesses.
 */
export async function prepareDecision(db: Kysely<Database>, access: Access, trialId: string, now: Date): Promise<Entity<DecisionDoc>> {
  const doc = await loadTrial(db, trialId);
  const design = designOf(doc);
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const { data, windows, analysis } = await trialState(tx, trialId, now);
    const cohorts = await listEntities<CohortDoc>(tx, trialId, "cohort");
    const current = cohorts.filter((c) => c.data.kind !== "backfill").at(-1)!;
    const decisions = await listEntities<DecisionDoc>(tx, trialId, "decision");
    const open = decisions.find((d) => d.status !== "signed");
    if (open) throw conflict(`decision ${open.id} is ${open.status}: sign it (or let it be resolved) before preparing another`);
    if (current.status === "open") throw conflict(`cohort ${current.data.number} is still enrolling (${current.data.capacity} places)`);
    if (current.status === "closed") throw conflict(`cohort ${current.data.number} has already been decided`);
    const unadjudicated = windows.flatMap((w) =>
      w.unadjudicated.map((id) => ({ path: `patients.${w.USUBJID}.adverseEvents.${id}`, message: "awaits DLT adjudication" })),
    );
    if (unadjudicated.length > 0) throw conflict("adverse events that the protocol proposes as DLTs await adjudication", unadjudicated);
    if (current.data.kind === "randomized") {
      const comparison = await compareArms(tx, trialId, { data, windows, analysis });
      const select = comparison.action === "select";
      const recommendation: Decision = {
        action: select ? "stop" : "stay",
        dose: null,
        stop: select,
        // The comparison does not eliminate doses: every level stays admissible.
        admissible: Array.from({ length: design.doseCount }, () => true),
        mtd: select ? comparison.arms[comparison.selected! - 1]! : null,
        cohortSize: null,
        phase: "randomized",
        reasons: comparison.reasons,
        why: [],
      };
      return record(tx, access, trialId, now, decisions.length + 1, current.data.number, {
        basedOn: {
          outcomes: "",
          patients: windows.map((w) => ({ USUBJID: w.USUBJID, cohort: w.cohort, doseLevel: w.doseLevel, status: w.status })),
        },
        recommendation,
        pathways: null,
        comparison,
      });
    }
    // Data the decision rests on must be readable: every registration (each patient enters the design's
    // history), doses (DLT-evaluability) and adverse events (DLTs). Labs, tumours and PK do not block.
    const blocking = analysis.problems.filter((p) => DECISION_DATA.has(p.collection));
    if (blocking.length > 0) {
      throw conflict(
        `the data of ${[...new Set(blocking.map((p) => p.USUBJID))].join(", ")} cannot be read: correct or delete the records named, then prepare the meeting`,
        blocking.map((p) => ({
          path: `patients.${p.USUBJID}${p.collection === "patients" ? "" : `.${p.collection}${p.record === undefined ? "" : `.${p.record}`}`}${p.path ? `.${p.path}` : ""}`,
          ...(p.value === undefined ? {} : { value: p.value }),
          message: p.message,
        })),
      );
    }
    const tite = design.module.capabilities.timeToEvent;
    const backfillCohorts = new Set(cohorts.filter((c) => c.data.kind === "backfill").map((c) => c.data.number));
    const history = outcomeHistory(
      // The cohort's kind decides (a registration made before the flag existed has none).
      data.patients.map((p) => ({
        USUBJID: p.USUBJID,
        doseLevel: p.doseLevel,
        cohort: p.cohort,
        backfill: backfillCohorts.has(p.cohort),
        randomized: p.randomizedArm !== undefined,
      })),
      windows.map((w) => ({
        USUBJID: w.USUBJID,
        status: w.status as "DLT",
        dlts: [],
        reason: w.reason,
        followedDays: doc.trial.dlt.windowDays - w.daysLeft,
      })),
      {
        ...(tite ? { windowDays: doc.trial.dlt.windowDays } : {}),
        // Designs that use responses (BOIN12; backfill opens a dose once one is seen): best overall response CR/PR, or myeloma's.
        ...(design.engine.rules.backfill === null && !design.module.capabilities.efficacyAware
          ? {}
          : { responders: new Set(analysis.patients.filter(isResponder).map((p) => p.USUBJID)) }),
      },
    );
    if (!tite) {
      const waiting = windows.filter((w) => w.status === "pending" && w.cohort === current.data.number);
      if (waiting.length > 0) {
        throw conflict(
          `cohort ${current.data.number} has patients still in their DLT window`,
          waiting.map((w) => ({ path: `patients.${w.USUBJID}`, value: w.windowEnd, message: `pending until ${w.windowEnd}` })),
        );
      }
    }
    const recommendation = design.decide(history.outcomes);
    let pathways: PathNode | null = null;
    try {
      pathways = recommendation.stop ? null : dosePaths(design, history.outcomes, 2);
    } catch {
      pathways = null; // too many paths to show: the recommendation stands without them
    }
    return record(tx, access, trialId, now, decisions.length + 1, current.data.number, {
      basedOn: {
        outcomes: history.outcomes,
        patients: windows.map((w) => ({ USUBJID: w.USUBJID, cohort: w.cohort, doseLevel: w.doseLevel, status: w.status })),
      },
      recommendation,
      pathways,
    });
  });
}

/** Records a prepared meeting (proposed, unsigned). */
async function record(
  tx: Tx,
  access: Access,
  trialId: string,
  now: Date,
  number: number,
  cohort: number,
  content: Pick<DecisionDoc, "basedOn" | "recommendation" | "pathways" | "comparison">,
): Promise<Entity<DecisionDoc>> {
  const decision: DecisionDoc = {
    number,
    cohort,
    preparedBy: access.actor.name,
    preparedAt: now.toISOString(),
    ...content,
    resolution: null,
    signatures: [],
  };
  const id = String(number);
  await appendEvent(tx, {
    chain: trialId,
    actor: access.actor,
    type: "decision.prepared",
    at: now,
    changes: [{ kind: "decision", trialId, id, after: state(decision, { status: "proposed" }) }],
  });
  return { id, siteId: null, parent: null, status: "proposed", version: 1, data: decision };
}

/** The committee's outcome: accept the recommendation, or override it with a reason. */
export async function resolveDecision(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  id: string,
  body: ResolutionBody,
  now: Date,
): Promise<Entity<DecisionDoc>> {
  const doc = await loadTrial(db, trialId);
  const doseCount = doc.trial.doseLevels.length;
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const decision = await getEntity<DecisionDoc>(tx, trialId, "decision", id);
    if (!decision) throw notFound(`decision ${id}`);
    // A decided but unsigned decision may be revised, with a reason; a signed one stands.
    const revision = decision.status === "decided";
    if (decision.status !== "proposed" && !revision) throw conflict(`decision ${id} is ${decision.status}: it can no longer be changed`);
    const recommended = decision.data.recommendation;
    const issues: ValidationIssue[] = [];
    if (decision.data.comparison && body.outcome === "override")
      issues.push({
        path: "outcome",
        value: "override",
        message:
          "a randomized comparison follows its protocol rule: accept it (record any disagreement as the reason of a protocol deviation outside the decision)",
      });
    if (revision && !body.reason)
      issues.push({ path: "reason", message: `is required to revise decision ${id}, already ${decision.data.resolution?.action}` });
    if (body.outcome === "override") {
      if (!body.reason) issues.push({ path: "reason", message: "is required to override the recommendation" });
      if (!body.action) issues.push({ path: "action", message: "is required to override the recommendation" });
      if (body.action && body.action !== "stop" && body.dose === undefined)
        issues.push({ path: "dose", message: `is required unless the action is stop` });
    } else if (body.action !== undefined || body.dose !== undefined) {
      issues.push({ path: "outcome", value: "accept", message: "takes no action or dose: use override to change them" });
    }
    if (body.dose !== undefined && body.dose > doseCount)
      issues.push({ path: "dose", value: body.dose, message: `must be a dose level 1..${doseCount}` });
    // Backfill treats patients at doses already cleared: below the dose the next cohort receives.
    const nextDose = body.outcome === "accept" ? recommended.dose : body.action === "stop" ? null : (body.dose ?? null);
    for (const [i, extra] of (body.backfill ?? []).entries()) {
      if (extra.dose > doseCount)
        issues.push({ path: `backfill.${i}.dose`, value: extra.dose, message: `must be a dose level 1..${doseCount}` });
      else if (nextDose === null)
        issues.push({ path: `backfill.${i}.dose`, value: extra.dose, message: "is not allowed once dose finding stops" });
      else if (extra.dose >= nextDose)
        issues.push({
          path: `backfill.${i}.dose`,
          value: extra.dose,
          message: `must be below dose ${nextDose}, the next cohort's: backfill treats patients at doses already cleared`,
        });
    }
    // An override says what it does: escalate above the cohort's dose, de-escalate below it, stay at it.
    const current = (await getEntity<CohortDoc>(tx, trialId, "cohort", String(decision.data.cohort)))!.data.doseLevel;
    if (body.outcome === "override" && body.action && body.dose !== undefined && body.dose <= doseCount) {
      const direction = body.dose > current ? "escalate" : body.dose < current ? "de-escalate" : "stay";
      if (body.action === "stop") issues.push({ path: "dose", value: body.dose, message: "must be absent when the action is stop" });
      // Suspending accrual keeps the dose: it agrees with "stay".
      else if (body.action !== direction && !(body.action === "suspend" && direction === "stay"))
        issues.push({
          path: "action",
          value: body.action,
          message: `does not agree with dose ${body.dose}: cohort ${decision.data.cohort} was at dose ${current}, so dose ${body.dose} is ${direction}`,
        });
    }
    if (issues.length > 0) throw invalid(issues);
    const action = body.outcome === "accept" ? recommended.action : body.action!;
    const dose = body.outcome === "accept" ? recommended.dose : action === "stop" ? null : body.dose!;
    const { version: _read, ...given } = body;
    const resolution = { ...given, action, dose, decidedBy: access.actor.name, decidedAt: now.toISOString() };
    const data = { ...decision.data, resolution };
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: revision ? "decision.revised" : body.outcome === "accept" ? "decision.accepted" : "decision.overridden",
      reason: body.reason ?? null,
      at: now,
      // The version the committee read (when given): a revision made meanwhile is not overwritten.
      changes: [{ kind: "decision", trialId, id, after: state(data, { status: "decided" }), expect: readVersion(body.version) }],
    });
    return { ...decision, status: "decided", data, version: decision.version + 1 };
  });
}

/**
 * Signs a decided record after re-authentication, binding the signer's name, the time and the meaning
 * to the record's hash; the next cohort(s) open at the decided dose (expansion once dose finding has
 * ended at the MTD), and the prompting cohort closes.
 */
export async function signDecision(
  db: Kysely<Database>,
  access: Access,
  user: User,
  trialId: string,
  id: string,
  password: string,
  meaning: Signature["meaning"],
  now: Date,
  /** The client's address, for the sign-in throttle and the audit trail. */
  from: string,
  /** The version of the decision the signer read: one revised since is not signed (409). */
  version?: number,
): Promise<Entity<DecisionDoc>> {
  // Re-authentication (21 CFR 11.200): throttled with logins, every failure an audit event (11.300(d)).
  await authenticate(db, user.username, password, now, from, "signature");
  const doc = await loadTrial(db, trialId);
  const design = designOf(doc);
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const decision = await getEntity<DecisionDoc>(tx, trialId, "decision", id);
    if (!decision) throw notFound(`decision ${id}`);
    if (decision.status !== "decided")
      throw conflict(`decision ${id} is ${decision.status}: it must be accepted or overridden before it is signed`);
    const resolution = decision.data.resolution!;
    if (decision.data.signatures.some((s) => s.userId === user.id))
      throw conflict(`you have signed decision ${id} already: its other signatures must come from other people`);
    const signature: Signature = {
      userId: user.id,
      name: user.name,
      meaning,
      at: now.toISOString(),
      recordHash: decisionRecordHash(decision.data),
    };
    const data = { ...decision.data, signatures: [...decision.data.signatures, signature] };
    // Until the trial's required signatures are all given, a signature is recorded and nothing else happens.
    const required = doc.conduct.signaturesRequired ?? 1;
    if (data.signatures.length < required) {
      await appendEvent(tx, {
        chain: trialId,
        actor: access.actor,
        type: "decision.signed",
        reason: `signature ${data.signatures.length} of ${required}, meaning: ${meaning}`,
        at: now,
        changes: [{ kind: "decision", trialId, id, after: state(data, { status: "decided" }), expect: readVersion(version) }],
      });
      return { ...decision, data, version: decision.version + 1 };
    }
    const cohorts = await listEntities<CohortDoc>(tx, trialId, "cohort");
    const prompting = cohorts.find((c) => c.data.number === decision.data.cohort)!;
    const changes: NewEvent["changes"] = [
      {
        kind: "decision",
        trialId,
        id,
        after: state(data, { status: "signed" }),
        expect: readVersion(version),
      },
      // A suspension (time-to-event designs) leaves the cohort undecided: the next meeting, once more
      // outcomes are known, decides it; no cohort opens meanwhile.
      ...(resolution.action === "suspend"
        ? []
        : [{ kind: "cohort", trialId, id: prompting.id, after: cohortState(prompting.data, "closed") }]),
    ];
    let next = cohorts.length;
    if (resolution.action !== "stop" && resolution.action !== "suspend" && resolution.dose !== null) {
      const expansion = decision.data.recommendation.phase === "expansion" && resolution.dose === decision.data.recommendation.dose;
      const cohort: CohortDoc = {
        number: ++next,
        doseLevel: resolution.dose,
        capacity: resolution.cohortSize ?? decision.data.recommendation.cohortSize ?? design.spec.cohortSize,
        kind: expansion ? "expansion" : "dose-finding",
        decision: id,
      };
      changes.push({ kind: "cohort", trialId, id: String(cohort.number), after: cohortState(cohort, "open") });
    }
    for (const extra of resolution.backfill ?? []) {
      const cohort: CohortDoc = { number: ++next, doseLevel: extra.dose, capacity: extra.capacity, kind: "backfill", decision: id };
      changes.push({ kind: "cohort", trialId, id: String(cohort.number), after: cohortState(cohort, "open") });
    }
    const comparison = decision.data.comparison;
    const plan = decision.data.recommendation.randomized;
    let trialStatus: string | null = null;
    if (comparison) {
      const randomization = (await getEntity<RandomizationDoc>(tx, trialId, "randomization", trialId))!;
      if (comparison.action === "continue") changes.push(continueRandomizedStage(trialId, randomization.data, id, ++next));
      else {
        trialStatus = "dose-selected";
        changes.push({ kind: "randomization", trialId, id: trialId, after: state(randomization.data, { status: "complete" }) });
      }
    } else if (resolution.action === "stop" && decision.data.resolution?.outcome === "accept" && plan?.doses) {
      // Dose finding stopped as the design recommends: its randomized stage opens.
      changes.push(...(await openRandomizedStage(tx, doc, design, plan, id, ++next, now)));
      trialStatus = "randomized-stage";
    } else if (resolution.action === "stop") trialStatus = "dose-finding-complete";
    if (trialStatus !== null) {
      const trial = (await getEntity(tx, trialId, "trial", trialId))!;
      changes.push({ kind: "trial", trialId, id: trialId, after: state(trial.data as object, { status: trialStatus }) });
    }
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "decision.signed",
      reason: required > 1 ? `signature ${required} of ${required}, meaning: ${meaning}` : `signature meaning: ${meaning}`,
      at: now,
      changes,
    });
    return { ...decision, status: "signed", data, version: decision.version + 1 };
  });
}
