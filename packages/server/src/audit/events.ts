import { createHash } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, EventTable } from "../db/schema.js";
import { canonicalJson } from "./canonical-json.js";

/** Who did it, as recorded in the log. */
export interface Actor {
  id: string;
  name: string;
  /** Role at the time, e.g. "investigator@site-01", "medical-monitor", "admin", "system". */
  role: string;
}

/** An entity of the projection: its indexed columns and its document. */
export interface EntityState {
  siteId: string | null;
  parent: string | null;
  status: string | null;
  data: Record<string, unknown>;
}

export interface EntityKey {
  kind: string;
  /** "" outside any trial. */
  trialId: string;
  id: string;
}

/** One entity changed by an event: null `after` deletes it, null `before` creates it. */
export interface Change extends EntityKey {
  before: EntityState | null;
  after: EntityState | null;
}

/**
 * What the writer expects to find, checked under the chain lock: "new" (the entity must not exist: a
 * create never overwrites), or the version it read (an edit never overwrites a change it did not see).
 */
export type Expectation = "new" | { version: number };

/** The expectation of an edit that may say which version it read (none said: no check). */
export const readVersion = (version: number | undefined): Expectation | undefined => (version === undefined ? undefined : { version });

export interface NewEvent {
  /** A trial id, or "system". */
  chain: string;
  actor: Actor;
  type: string;
  reason?: string | null | undefined;
  subject?: string | null | undefined;
  siteId?: string | null | undefined;
  at: Date;
  changes: (EntityKey & { after: EntityState | null; expect?: Expectation | undefined })[];
}

/** An expectation that did not hold: the entity exists already, or is at another version (`current` null: deleted). */
export class StaleWrite extends Error {
  constructor(
    readonly key: EntityKey,
    readonly expected: Expectation,
    readonly current: (EntityState & { version: number }) | null,
  ) {
    super(
      expected === "new"
        ? `${key.kind} ${key.id} exists already`
        : current
          ? `${key.kind} ${key.id} was changed by someone else: it is at version ${current.version}, you edited version ${expected.version}`
          : `${key.kind} ${key.id} was deleted by someone else`,
    );
  }
}

export interface RecordedEvent {
  seq: number;
  chain: string;
  chainSeq: number;
  at: string;
  actor: string;
  actorName: string;
  role: string;
  type: string;
  reason: string | null;
  subject: string | null;
  siteId: string | null;
  changes: Change[];
  prevHash: string;
  hash: string;
}

export const SYSTEM_CHAIN = "system";
export const GENESIS = "0".repeat(64);

/** The hash of an event: SHA-256 over its predecessor's hash and its canonical content. */
export function eventHash(prevHash: string, event: Omit<RecordedEvent, "seq" | "hash" | "prevHash">): string {
  const body = canonicalJson({
    chain: event.chain,
    chainSeq: event.chainSeq,
    at: event.at,
    actor: event.actor,
    actorName: event.actorName,
    role: event.role,
    type: event.type,
    reason: event.reason,
    subject: event.subject,
    siteId: event.siteId,
    changes: event.changes,
  });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

export type Tx = Transaction<Database>;

/**
 * Appends an event to its chain and applies its changes to the projection, inside the caller's
 * transaction. The chain's head row is locked first (PostgreSQL: row lock until commit; SQLite: one
 * writer at a time), so writes to one trial are serialised: a check made after `lockChain` (such as
 * a cohort's free capacity) still holds when the event commits.
 */
export async function appendEvent(tx: Tx, event: NewEvent): Promise<RecordedEvent> {
  const head = await lockChain(tx, event.chain);
  const changes: Change[] = [];
  for (const change of event.changes) {
    const current = await readVersioned(tx, change);
    if (change.expect === "new" && current !== null) throw new StaleWrite(change, change.expect, current);
    if (change.expect !== undefined && change.expect !== "new" && current?.version !== change.expect.version)
      throw new StaleWrite(change, change.expect, current);
    const before = current && { siteId: current.siteId, parent: current.parent, status: current.status, data: current.data };
    if (before === null && change.after === null) continue;
    changes.push({ kind: change.kind, trialId: change.trialId, id: change.id, before, after: change.after });
  }
  const recorded: Omit<RecordedEvent, "seq" | "hash" | "prevHash"> = {
    chain: event.chain,
    chainSeq: head.seq + 1,
    at: event.at.toISOString(),
    actor: event.actor.id,
    actorName: event.actor.name,
    role: event.actor.role,
    type: event.type,
    reason: event.reason ?? null,
    subject: event.subject ?? null,
    siteId: event.siteId ?? null,
    changes,
  };
  const hash = eventHash(head.head, recorded);
  const { seq } = await tx
    .insertInto("events")
    .values({
      chain: recorded.chain,
      chain_seq: recorded.chainSeq,
      at: recorded.at,
      actor: recorded.actor,
      actor_name: recorded.actorName,
      role: recorded.role,
      type: recorded.type,
      reason: recorded.reason,
      subject: recorded.subject,
      site_id: recorded.siteId,
      changes: JSON.stringify(changes),
      prev_hash: head.head,
      hash,
    })
    .returning("seq")
    .executeTakeFirstOrThrow();
  await tx.updateTable("chains").set({ seq: recorded.chainSeq, head: hash }).where("chain", "=", event.chain).execute();
  for (const change of changes) await applyChange(tx, change, seq);
  return { ...recorded, seq, prevHash: head.head, hash };
}

export async function lockChain(tx: Tx, chain: string): Promise<{ seq: number; head: string }> {
  // One statement creates the chain's row if needed and, by updating it (a no-op on the values), takes
  // its row lock on PostgreSQL — a plain select would not; SQLite has one writer at a time anyway.
  return tx
    .insertInto("chains")
    .values({ chain, seq: 0, head: GENESIS })
    .onConflict((c) => c.column("chain").doUpdateSet({ seq: (eb) => eb.ref("chains.seq") }))
    .returning(["seq", "head"])
    .executeTakeFirstOrThrow();
}

async function readVersioned(db: Kysely<Database> | Tx, key: EntityKey): Promise<(EntityState & { version: number }) | null> {
  const row = await db
    .selectFrom("entities")
    .select(["site_id", "parent", "status", "data", "version"])
    .where("kind", "=", key.kind)
    .where("trial_id", "=", key.trialId)
    .where("id", "=", key.id)
    .executeTakeFirst();
  return row ? { siteId: row.site_id, parent: row.parent, status: row.status, data: JSON.parse(row.data), version: row.version } : null;
}

async function applyChange(tx: Tx, change: Change, seq: number): Promise<void> {
  if (change.after === null) {
    await tx
      .deleteFrom("entities")
      .where("kind", "=", change.kind)
      .where("trial_id", "=", change.trialId)
      .where("id", "=", change.id)
      .execute();
    return;
  }
  const columns = {
    site_id: change.after.siteId,
    parent: change.after.parent,
    status: change.after.status,
    data: JSON.stringify(change.after.data),
    seq,
  };
  if (change.before === null) {
    await tx
      .insertInto("entities")
      .values({ kind: change.kind, trial_id: change.trialId, id: change.id, version: 1, ...columns })
      .execute();
  } else {
    await tx
      .updateTable("entities")
      .set((eb) => ({ ...columns, version: eb("version", "+", 1) }))
      .where("kind", "=", change.kind)
      .where("trial_id", "=", change.trialId)
      .where("id", "=", change.id)
      .execute();
  }
}

export function rowToEvent(row: Selectable<EventTable>): RecordedEvent {
  return {
    seq: row.seq,
    chain: row.chain,
    chainSeq: row.chain_seq,
    at: row.at,
    actor: row.actor,
    actorName: row.actor_name,
    role: row.role,
    type: row.type,
    reason: row.reason,
    subject: row.subject,
    siteId: row.site_id,
    changes: JSON.parse(row.changes) as Change[],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
