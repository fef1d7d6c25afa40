import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { type Access, checkSite, SYSTEM_ACTOR } from "../access.js";
import { appendEvent, lockChain, type Tx } from "../audit/events.js";
import type { Registration } from "../contract/index.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";
import { allocatePatient } from "./randomization.js";
import { type CohortDoc, cohortState, loadTrial, state } from "./trials.js";

export type SlotStatus = "reserved" | "waitlisted" | "confirmed" | "released" | "expired";
export interface SlotDoc {
  cohort: number;
  siteId: string;
  requestedBy: string;
  requestedAt: string;
  /** When a reservation lapses unless confirmed. */
  expiresAt: string | null;
  USUBJID: string | null;
}
const HOLDING: SlotStatus[] = ["reserved", "confirmed"];

/**
 * Lapses reservations past their time and gives freed places to the waitlist, oldest request first.
 * Runs at the start of every slot transaction, after the chain lock, so time-based changes are
 * applied (and logged) before any decision that depends on them.
 */
export async function settleSlots(tx: Tx, trialId: string, now: Date): Promise<void> {
  const reservationHours = (await loadTrial(tx, trialId)).conduct.reservationHours;
  const reserved = await listEntities<SlotDoc>(tx, trialId, "slot", { status: ["reserved"] });
  for (const slot of reserved) {
    if (slot.data.expiresAt && Date.parse(slot.data.expiresAt) <= now.getTime()) {
      await appendEvent(tx, {
        chain: trialId,
        actor: SYSTEM_ACTOR,
        type: "slot.expired",
        reason: `not confirmed by ${slot.data.expiresAt}`,
        siteId: slot.siteId,
        at: now,
        changes: [
          { kind: "slot", trialId, id: slot.id, after: state(slot.data, { siteId: slot.siteId, parent: slot.parent, status: "expired" }) },
        ],
      });
    }
  }
  for (const cohort of await listEntities<CohortDoc>(tx, trialId, "cohort", { status: ["open"] })) {
    const holding = await listEntities<SlotDoc>(tx, trialId, "slot", { parent: cohort.id, status: HOLDING });
    let free = cohort.data.capacity - holding.length;
    if (free <= 0) continue;
    for (const waiting of await listEntities<SlotDoc>(tx, trialId, "slot", { parent: cohort.id, status: ["waitlisted"] })) {
      if (free-- <= 0) break;
      const data = { ...waiting.data, expiresAt: new Date(now.getTime() + reservationHours * 3_600_000).toISOString() };
      await appendEvent(tx, {
        chain: trialId,
        actor: SYSTEM_ACTOR,
        type: "slot.reserved",
        reason: "a place became free: first on the waitlist",
        siteId: waiting.siteId,
        at: now,
        changes: [
          {
            kind: "slot",
            trialId,
            id: waiting.id,
            after: state(data, { siteId: waiting.siteId, parent: waiting.parent, status: "reserved" }),
          },
        ],
      });
    }
  }
}

/**
 * Settles time-based slot changes in a transaction of their own, so they persist even when the request
 * that triggered them is refused (a refusal rolls back only its own writes).
 */
async function settle(db: Kysely<Database>, trialId: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    await settleSlots(tx, trialId, now);
  });
}

/** The cohort a request is for: the given number, or the open dose-finding/expansion cohort. */
async function targetCohort(tx: Tx, trialId: string, number: number | undefined): Promise<Entity<CohortDoc>> {
  const cohorts = await listEntities<CohortDoc>(tx, trialId, "cohort");
  const cohort =
    number === undefined
      ? cohorts.filter((c) => c.data.kind !== "backfill" && c.status !== "closed").at(-1)
      : cohorts.find((c) => c.data.number === number);
  if (!cohort) {
    if (number === undefined) throw conflict("no cohort is enrolling: the next one opens when the escalation decision is signed");
    throw invalid([{ path: "cohort", value: number, message: `must be a cohort of trial ${trialId} (1..${cohorts.length})` }]);
  }
  if (cohort.status === "closed") throw conflict(`cohort ${cohort.data.number} is closed`);
  return cohort;
}

/**
 * Requests a place in a cohort for a site: reserved while the cohort has room, else waitlisted. The
 * count and the reservation happen in one transaction holding the trial's chain lock, so concurrent
 * requests from any number of sites never reserve more places than the cohort has.
 */
export async function requestSlot(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  input: { siteId: string; cohort?: number | undefined },
  now: Date,
): Promise<Entity<SlotDoc>> {
  checkSite(access, input.siteId, `site ${input.siteId}`);
  await settle(db, trialId, now);
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const trial = await loadTrial(tx, trialId);
    if (!(await getEntity(tx, trialId, "site", input.siteId))) throw notFound(`site ${input.siteId}`);
    const cohort = await targetCohort(tx, trialId, input.cohort);
    const holding = await listEntities<SlotDoc>(tx, trialId, "slot", { parent: cohort.id, status: HOLDING });
    const reserve = cohort.status === "open" && holding.length < cohort.data.capacity;
    const status: SlotStatus = reserve ? "reserved" : "waitlisted";
    const data: SlotDoc = {
      cohort: cohort.data.number,
      siteId: input.siteId,
      requestedBy: access.actor.name,
      requestedAt: now.toISOString(),
      expiresAt: reserve ? new Date(now.getTime() + trial.conduct.reservationHours * 3_600_000).toISOString() : null,
      USUBJID: null,
    };
    const id = randomUUID();
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `slot.${status}`,
      siteId: input.siteId,
      at: now,
      changes: [{ kind: "slot", trialId, id, after: state(data, { siteId: input.siteId, parent: cohort.id, status }) }],
    });
    return { id, siteId: input.siteId, parent: cohort.id, status, version: 1, data };
  });
}

export async function listSlots(db: Kysely<Database>, access: Access, trialId: string): Promise<Entity<SlotDoc>[]> {
  return listEntities<SlotDoc>(db, trialId, "slot", { sites: access.sites });
}

/**
 * Confirms a reservation by registering its patient: the patient takes the cohort's dose level, and the
 * cohort closes to new reservations once all its places are confirmed.
 */
export async function confirmSlot(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  slotId: string,
  patient: Record<string, unknown> & { USUBJID: string },
  now: Date,
  /** Minimization factors, for a randomized cohort. */
  factors?: Record<string, string>,
): Promise<Registration> {
  await settle(db, trialId, now);
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const slot = await getEntity<SlotDoc>(tx, trialId, "slot", slotId, { sites: access.sites });
    if (!slot) throw notFound(`slot ${slotId}`);
    if (slot.status !== "reserved" || Date.parse(slot.data.expiresAt!) <= now.getTime()) {
      throw conflict(`slot ${slotId} is ${slot.status === "reserved" ? "expired" : slot.status}, not reserved`);
    }
    if (await getEntity(tx, trialId, "patient", patient.USUBJID)) {
      throw invalid([{ path: "patient.USUBJID", value: patient.USUBJID, message: "must be unique in the trial" }]);
    }
    const cohort = (await getEntity<CohortDoc>(tx, trialId, "cohort", slot.parent!))!;
    // A randomized cohort allocates the arm now, inside the registration: the site sees it only in the answer.
    const allocation =
      cohort.data.kind === "randomized" ? await allocatePatient(tx, await loadTrial(tx, trialId), patient.USUBJID, factors) : null;
    if (allocation === null && factors !== undefined)
      throw invalid([
        { path: "factors", message: `apply to randomized cohorts only; cohort ${cohort.data.number} is ${cohort.data.kind}` },
      ]);
    const record = {
      ...patient,
      SITEID: slot.siteId,
      doseLevel: allocation?.doc.doseLevel ?? cohort.data.doseLevel,
      cohort: cohort.data.number,
      // The trial file says which patients are backfill (they count at their dose without moving dose finding).
      ...(cohort.data.kind === "backfill" ? { backfill: true } : {}),
      ...(allocation ? { randomizedArm: allocation.doc.arm } : {}),
    };
    const confirmed = (await listEntities(tx, trialId, "slot", { parent: cohort.id, status: ["confirmed"] })).length + 1;
    const full = confirmed >= cohort.data.capacity;
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "patient.registered",
      subject: patient.USUBJID,
      siteId: slot.siteId,
      at: now,
      changes: [
        {
          kind: "slot",
          trialId,
          id: slot.id,
          after: state(
            { ...slot.data, USUBJID: patient.USUBJID, expiresAt: null },
            { siteId: slot.siteId, parent: slot.parent, status: "confirmed" },
          ),
        },
        {
          kind: "patient",
          trialId,
          id: patient.USUBJID,
          after: state(record, { siteId: slot.siteId, parent: cohort.id, status: "on-study" }),
        },
        ...(full && cohort.status === "open" ? [{ kind: "cohort", trialId, id: cohort.id, after: cohortState(cohort.data, "full") }] : []),
      ],
    });
    if (allocation !== null) {
      await appendEvent(tx, {
        chain: trialId,
        actor: access.actor,
        type: "patient.randomized",
        subject: patient.USUBJID,
        siteId: slot.siteId,
        at: now,
        reason: `allocation ${allocation.doc.number}: arm ${allocation.doc.arm} (dose level ${allocation.doc.doseLevel}) by ${allocation.doc.method}`,
        changes: [allocation.change],
      });
      return { ...record, allocation: allocation.doc.number };
    }
    return record;
  });
}

export async function releaseSlot(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  slotId: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const slot = await getEntity<SlotDoc>(tx, trialId, "slot", slotId, { sites: access.sites });
    if (!slot) throw notFound(`slot ${slotId}`);
    if (slot.status !== "reserved" && slot.status !== "waitlisted")
      throw conflict(`slot ${slotId} is ${slot.status}; only a reserved or waitlisted slot can be released`);
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "slot.released",
      reason,
      siteId: slot.siteId,
      at: now,
      changes: [
        {
          kind: "slot",
          trialId,
          id: slot.id,
          after: state({ ...slot.data, expiresAt: null }, { siteId: slot.siteId, parent: slot.parent, status: "released" }),
        },
      ],
    });
    await settleSlots(tx, trialId, now);
  });
}
