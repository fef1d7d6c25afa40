import type { Kysely } from "kysely";
import { sha256 } from "../auth/accounts.js";
import { type DecisionDoc, decisionRecordHash } from "../conduct/decisions.js";
import { seedDigest } from "../conduct/randomization.js";
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
  problems.push(...(await verifyLinkedTables(db)));
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

/**
 * The operational tables the log vouches for, checked against the (already verified) projection: each
 * stored password hash against its logged digest, each usable API token against its logged creation
 * (an inserted row, or one revoked in the log but not in the table, is found), each finished simulation
 * task's result against the digest logged when it finished, and each signature against the decision
 * record it signed (21 CFR 11.70).
 */
async function verifyLinkedTables(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const entities = async (kind: string) =>
    new Map(
      (await db.selectFrom("entities").selectAll().where("kind", "=", kind).execute()).map((row) => [
        row.id,
        { status: row.status, data: safeParse(row.data) as Record<string, unknown> },
      ]),
    );
  const credentials = await entities("credential");
  for (const row of await db.selectFrom("credentials").select(["user_id", "password_hash"]).execute()) {
    const logged = credentials.get(row.user_id);
    if (!logged) problems.push(`credential of user ${row.user_id}: no password was ever logged for this account`);
    else if (logged.data.passwordHashDigest !== sha256(row.password_hash))
      problems.push(`credential of user ${row.user_id}: the stored password hash is not the one logged`);
  }
  const tokens = await entities("token");
  for (const row of await db.selectFrom("api_tokens").selectAll().where("revoked_at", "is", null).execute()) {
    const logged = tokens.get(row.token_hash);
    if (!logged || logged.data.userId !== row.user_id)
      problems.push(`API token "${row.name}" of user ${row.user_id}: not created through the log`);
    else if (logged.status !== "active")
      problems.push(`API token "${row.name}" of user ${row.user_id}: revoked in the log but usable in the table`);
  }
  const results = await entities("simulation");
  const finished = db.selectFrom("jobs").select("id").where("status", "in", ["done", "failed", "cancelled"]);
  for (const task of await db
    .selectFrom("job_results")
    .select(["job_id", "task", "result"])
    .where("result", "is not", null)
    .where("job_id", "in", finished)
    .execute()) {
    const logged = results.get(task.job_id)?.data.results as Record<string, string> | undefined;
    if (logged && logged[String(task.task)] !== sha256(task.result ?? ""))
      problems.push(`simulation ${task.job_id}, task ${task.task}: the stored result is not the one logged`);
    else if (!logged) problems.push(`simulation ${task.job_id}, task ${task.task}: finished, but its result was never logged`);
  }
  // A randomization seed swapped after the stage opened would change every later allocation unseen.
  const randomizations = await entities("randomization");
  for (const row of await db.selectFrom("randomization_secrets").selectAll().execute()) {
    const logged = randomizations.get(row.trial_id);
    if (!logged) problems.push(`randomization of trial ${row.trial_id}: a seed is stored but no randomized stage was ever logged`);
    else if (logged.data.seedDigest !== seedDigest(row.trial_id, row.seed))
      problems.push(`randomization of trial ${row.trial_id}: the stored seed is not the one whose digest was logged`);
  }
  for (const row of await db.selectFrom("entities").selectAll().where("kind", "=", "decision").execute()) {
    const decision = safeParse(row.data) as DecisionDoc;
    for (const signature of decision.signatures ?? []) {
      if (signature.recordHash !== decisionRecordHash(decision))
        problems.push(`decision ${row.id} (trial ${row.trial_id}): ${signature.name}'s signature does not match the record it signed`);
    }
  }
  return problems;
}
