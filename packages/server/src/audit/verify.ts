import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { canonicalJson } from "./canonical-json.js";
import { type EntityState, eventHash, GENESIS, rowToEvent } from "./events.js";

export interface ChainReport {
  chain: string;
  events: number;
  /** The last event's hash: record it elsewhere to anchor the log (it changes with every event). */
  head: string;
}

export interface AuditReport {
  ok: boolean;
  events: number;
  chains: ChainReport[];
  /** Every break found: a changed, removed, inserted or reordered event, or a projection that disagrees. */
  problems: string[];
}

/**
 * Checks the whole log: every event's hash against its content and predecessor, contiguous positions
 * in each chain, each chain's recorded head; then replays the log and compares the result with the
 * stored current state, so an edit to either the log or the state is found.
 */
export async function verifyAudit(db: Kysely<Database>): Promise<AuditReport> {
  const problems: string[] = [];
  const rows = await db.selectFrom("events").selectAll().orderBy("seq").execute();
  const heads = new Map((await db.selectFrom("chains").selectAll().execute()).map((c) => [c.chain, c]));
  const progress = new Map<string, { seq: number; hash: string }>();
  const replayed = new Map<string, EntityState & { version: number }>();
  for (const row of rows) {
    let event: ReturnType<typeof rowToEvent>;
    try {
      event = rowToEvent(row);
    } catch {
      problems.push(`event ${row.seq}: its changes are not valid JSON`);
      continue;
    }
    const previous = progress.get(event.chain) ?? { seq: 0, hash: GENESIS };
    const where = `chain ${event.chain}, event ${event.chainSeq} (seq ${event.seq}, ${event.type})`;
    if (event.chainSeq !== previous.seq + 1) problems.push(`${where}: expected position ${previous.seq + 1}`);
    if (event.prevHash !== previous.hash) problems.push(`${where}: does not follow its predecessor's hash`);
    if (eventHash(event.prevHash, event) !== event.hash) problems.push(`${where}: content does not match its hash`);
    progress.set(event.chain, { seq: event.chainSeq, hash: event.hash });
    for (const change of event.changes) {
      const key = `${change.kind}\u0000${change.trialId}\u0000${change.id}`;
      const current = replayed.get(key);
      if (change.after === null) replayed.delete(key);
      else replayed.set(key, { ...change.after, version: (current?.version ?? 0) + 1 });
    }
  }
  for (const [chain, head] of heads) {
    const reached = progress.get(chain) ?? { seq: 0, hash: GENESIS };
    if (reached.seq !== head.seq || reached.hash !== head.head) {
      problems.push(`chain ${chain}: the log ends at event ${reached.seq} but the chain's head records event ${head.seq}`);
    }
  }
  for (const chain of progress.keys()) if (!heads.has(chain)) problems.push(`chain ${chain}: has no recorded head`);
  const stored = await db.selectFrom("entities").selectAll().execute();
  for (const row of stored) {
    const key = `${row.kind}\u0000${row.trial_id}\u0000${row.id}`;
    const expected = replayed.get(key);
    replayed.delete(key);
    const actual = { siteId: row.site_id, parent: row.parent, status: row.status, data: safeParse(row.data), version: row.version };
    if (!expected) problems.push(`state ${row.kind} ${row.id}${row.trial_id ? ` (trial ${row.trial_id})` : ""}: not produced by the log`);
    else if (canonicalJson(expected) !== canonicalJson(actual)) {
      problems.push(`state ${row.kind} ${row.id}${row.trial_id ? ` (trial ${row.trial_id})` : ""}: differs from the log`);
    }
  }
  for (const key of replayed.keys()) {
    const [kind, trialId, id] = key.split("\u0000");
    problems.push(`state ${kind} ${id}${trialId ? ` (trial ${trialId})` : ""}: in the log but missing from the current state`);
  }
  const chains = [...progress].map(([chain, p]) => ({ chain, events: p.seq, head: p.hash })).sort((a, b) => a.chain.localeCompare(b.chain));
  return { ok: problems.length === 0, events: rows.length, chains, problems };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
