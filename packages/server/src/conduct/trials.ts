import { createDesign, type Design, doseLabel, parseTrialData, type TrialData, ValidationError } from "@escalate/core";
import type { Kysely } from "kysely";
import { type Grant, grantId, type Role, SITE_ROLES } from "../access.js";
import { type Actor, appendEvent, type EntityState, lockChain, type Tx } from "../audit/events.js";
import { findUser } from "../auth/accounts.js";
import type { TrialBody } from "../contract/requests.js";
import { getEntity } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";

/** A trial as stored: the trial-format compound and trial (no data cut: a live trial's cut is today). */
export interface TrialDoc {
  compound: TrialBody["compound"];
  trial: TrialBody["trial"];
  conduct: TrialBody["conduct"];
}

export type CohortKind = "dose-finding" | "expansion" | "backfill" | "randomized";
export interface CohortDoc {
  number: number;
  /** The cohort's dose level; a randomized cohort's lowest arm (each patient's own is allocated at registration). */
  doseLevel: number;
  /** A randomized cohort: the dose levels patients are allocated among. */
  arms?: number[];
  capacity: number;
  kind: CohortKind;
  /** The signed decision that opened it (none for the first cohort). */
  decision: string | null;
}

/** The trial's design, with the trial's dose levels as its doses. */
export function designOf(doc: TrialDoc): Design {
  return createDesign({
    ...doc.trial.design,
    doses: doc.trial.doseLevels.map((level: TrialData["trial"]["doseLevels"][number]) => ({ label: doseLabel(level) })),
  });
}

export const state = (data: object, extra: Partial<Omit<EntityState, "data">> = {}): EntityState => ({
  siteId: null,
  parent: null,
  status: null,
  ...extra,
  data: data as Record<string, unknown>,
});

export function cohortState(cohort: CohortDoc, status: "open" | "full" | "closed"): EntityState {
  return state(cohort, { status, parent: cohort.kind });
}

export async function loadTrial(db: Kysely<Database> | Tx, trialId: string): Promise<TrialDoc> {
  const trial = await getEntity<TrialDoc>(db, trialId, "trial", trialId);
  if (!trial) throw notFound(`trial ${trialId}`);
  return trial.data;
}

/** Creates a trial with its sites and opens the first cohort at the design's start dose. */
export async function createTrial(db: Kysely<Database>, actor: Actor, body: TrialBody, now: Date): Promise<TrialDoc> {
  const doc: TrialDoc = { compound: body.compound, trial: body.trial, conduct: body.conduct };
  // The whole trial format's cross-checks (dose levels, DLT definition) and the design's own.
  try {
    parseTrialData({ compound: doc.compound, trial: { ...doc.trial, dataCutDate: now.toISOString().slice(0, 10) } });
  } catch (error) {
    if (error instanceof ValidationError) throw invalid(error.issues);
    throw error;
  }
  let design: Design;
  try {
    design = designOf(doc);
  } catch (error) {
    if (error instanceof ValidationError)
      throw invalid(error.issues.map((i) => ({ ...i, path: `trial.design${i.path ? `.${i.path}` : ""}` })));
    throw error;
  }
  const siteIds = body.sites.map((s) => s.id);
  const duplicate = siteIds.find((s, i) => siteIds.indexOf(s) !== i);
  if (duplicate) throw invalid([{ path: "sites", value: duplicate, message: "site ids must be unique" }]);
  const trialId = doc.trial.id;
  const first: CohortDoc = {
    number: 1,
    doseLevel: design.spec.startDose,
    capacity: design.spec.cohortSize,
    kind: "dose-finding",
    decision: null,
  };
  await db.transaction().execute(async (tx) => {
    // Checked under the trial's lock, so of concurrent creates of one trial ID exactly one succeeds.
    await lockChain(tx, trialId);
    if (await getEntity(tx, trialId, "trial", trialId)) throw conflict(`trial ${trialId} exists already`);
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "trial.created",
      at: now,
      changes: [
        { kind: "trial", trialId, id: trialId, after: state(doc, { status: "enrolling" }), expect: "new" },
        ...body.sites.map((site) => ({
          kind: "site",
          trialId,
          id: site.id,
          after: state(site, { siteId: site.id }),
          expect: "new" as const,
        })),
        { kind: "cohort", trialId, id: "1", after: cohortState(first, "open"), expect: "new" },
      ],
    });
  });
  return doc;
}

/** Adds a site to a running trial (a new centre opens); logged in the trial's chain. */
export async function addSite(
  db: Kysely<Database>,
  actor: Actor,
  trialId: string,
  site: { id: string; name: string },
  now: Date,
): Promise<{ id: string; name: string }> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    if (!(await getEntity(tx, trialId, "trial", trialId))) throw notFound(`trial ${trialId}`);
    if (await getEntity(tx, trialId, "site", site.id)) throw conflict(`site ${site.id} is already a site of trial ${trialId}`);
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "site.added",
      at: now,
      siteId: site.id,
      changes: [{ kind: "site", trialId, id: site.id, after: state(site, { siteId: site.id }), expect: "new" }],
    });
  });
  return site;
}

/** Grants a role in a trial (site roles need a site of the trial); logged in the trial's chain. */
export async function grantRole(
  db: Kysely<Database>,
  actor: Actor,
  trialId: string,
  input: { username: string; role: Role; siteId?: string | undefined },
  now: Date,
): Promise<Grant> {
  const user = await findUser(db, { username: input.username });
  if (!user) throw invalid([{ path: "username", value: input.username, message: "must be an existing user" }]);
  const siteRole = SITE_ROLES.has(input.role);
  if (siteRole && !input.siteId) throw invalid([{ path: "siteId", message: `is required for the site role ${input.role}` }]);
  if (!siteRole && input.siteId)
    throw invalid([{ path: "siteId", value: input.siteId, message: `must be absent: ${input.role} is not a site role` }]);
  const grant: Grant = { userId: user.id, trialId, role: input.role, siteId: input.siteId ?? null };
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    if (!(await getEntity(tx, trialId, "trial", trialId))) throw notFound(`trial ${trialId}`);
    if (grant.siteId && !(await getEntity(tx, trialId, "site", grant.siteId))) {
      throw invalid([{ path: "siteId", value: grant.siteId, message: `must be a site of trial ${trialId}` }]);
    }
    const id = grantId(grant);
    if (await getEntity(tx, trialId, "grant", id))
      throw conflict(`${input.username} already holds ${input.role}${grant.siteId ? ` at ${grant.siteId}` : ""}`);
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "role.granted",
      at: now,
      siteId: grant.siteId,
      changes: [
        {
          kind: "grant",
          trialId,
          id,
          after: state({ ...grant, username: user.username }, { parent: user.id, siteId: grant.siteId, status: "active" }),
          expect: "new",
        },
      ],
    });
  });
  return grant;
}

export async function revokeRole(
  db: Kysely<Database>,
  actor: Actor,
  trialId: string,
  id: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const grant = await getEntity<Grant>(tx, trialId, "grant", id);
    if (!grant) throw notFound(`grant ${id}`);
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "role.revoked",
      reason,
      at: now,
      siteId: grant.siteId,
      changes: [{ kind: "grant", trialId, id, after: null }],
    });
  });
}
