import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Access } from "../access.js";
import { appendEvent, lockChain } from "../audit/events.js";
import type { DataQuery } from "../contract/index.js";
import type { QueryBody } from "../contract/requests.js";
import { recordKinds } from "../contract/requests.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";
import { state } from "./trials.js";

/**
 * Data queries: a monitor (or the medical monitor) questions a patient's data, the site answers, the
 * monitor closes the query or sends it back. Each step is an event on the trial's chain, so the
 * conversation is part of the audit trail. Status: open → answered → closed (or back to open).
 */
export type QueryStatus = "open" | "answered" | "closed";

export interface QueryMessage {
  at: string;
  by: string;
  role: string;
  text: string;
}

export interface QueryDoc {
  USUBJID: string;
  recordId: string | null;
  field: string | null;
  messages: QueryMessage[];
}

export type QueryView = DataQuery;

const view = (query: Entity<QueryDoc>): QueryView => ({ id: query.id, status: (query.status ?? "open") as QueryStatus, ...query.data });
const message = (access: Access, now: Date, text: string): QueryMessage => ({
  at: now.toISOString(),
  by: access.actor.name,
  role: access.actor.role,
  text,
});

export async function raiseQuery(db: Kysely<Database>, access: Access, trialId: string, body: QueryBody, now: Date): Promise<QueryView> {
  const patient = await getEntity(db, trialId, "patient", body.USUBJID, { sites: access.sites });
  if (!patient) throw invalid([{ path: "USUBJID", value: body.USUBJID, message: "no such patient in this trial" }]);
  if (body.recordId !== undefined) {
    let found = false;
    for (const kind of recordKinds) found ||= (await getEntity(db, trialId, kind, body.recordId, { parent: body.USUBJID })) !== null;
    if (!found) throw invalid([{ path: "recordId", value: body.recordId, message: `no record of patient ${body.USUBJID} has this id` }]);
  }
  const id = randomUUID();
  const data: QueryDoc = {
    USUBJID: body.USUBJID,
    recordId: body.recordId ?? null,
    field: body.field ?? null,
    messages: [message(access, now, body.text)],
  };
  await db.transaction().execute((tx) =>
    appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "query.raised",
      subject: body.USUBJID,
      siteId: patient.siteId,
      at: now,
      changes: [{ kind: "query", trialId, id, after: state(data, { siteId: patient.siteId, parent: body.USUBJID, status: "open" }) }],
    }),
  );
  return { id, status: "open", ...data };
}

export async function listQueries(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  filter: { status?: QueryStatus | undefined; USUBJID?: string | undefined },
): Promise<QueryView[]> {
  const queries = await listEntities<QueryDoc>(db, trialId, "query", {
    sites: access.sites,
    parent: filter.USUBJID,
    status: filter.status ? [filter.status] : undefined,
  });
  return queries.map(view);
}

/** The allowed moves: from which statuses, to which, and the event each logs (who may make each: the routes). */
const MOVES = {
  answer: { from: ["open"], to: "answered", type: "query.answered" },
  reopen: { from: ["answered"], to: "open", type: "query.reopened" },
  close: { from: ["open", "answered"], to: "closed", type: "query.closed" },
} as const satisfies Record<string, { from: readonly QueryStatus[]; to: QueryStatus; type: string }>;

export async function moveQuery(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  queryId: string,
  move: keyof typeof MOVES,
  text: string | undefined,
  now: Date,
): Promise<QueryView> {
  const { from, to, type } = MOVES[move];
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const query = await getEntity<QueryDoc>(tx, trialId, "query", queryId, { sites: access.sites });
    if (!query) throw notFound(`query ${queryId}`);
    const status = (query.status ?? "open") as QueryStatus;
    if (!(from as readonly QueryStatus[]).includes(status))
      throw conflict(
        `query ${queryId} is ${status}; it can be ${move === "reopen" ? "reopened" : `${move}ed`} only when ${from.join(" or ")}`,
      );
    const messages = text === undefined ? query.data.messages : [...query.data.messages, message(access, now, text)];
    const data: QueryDoc = { ...query.data, messages };
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type,
      subject: query.data.USUBJID,
      siteId: query.siteId,
      at: now,
      changes: [{ kind: "query", trialId, id: queryId, after: state(data, { siteId: query.siteId, parent: query.parent, status: to }) }],
    });
    return { id: queryId, status: to, ...data };
  });
}
