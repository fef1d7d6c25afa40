import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorHeads, generateAnchorKeys, verifyAnchors } from "./audit/anchors.js";
import { type Change, eventHash, GENESIS, rowToEvent, SYSTEM_CHAIN } from "./audit/events.js";
import { verifyAudit } from "./audit/verify.js";
import type { Database } from "./db/schema.js";
import { createTestServer, DIALECTS, PASSWORD, preparedDecision, type TestServer, TRIAL_ID } from "./test-support.js";

/**
 * Issue 15: what the hash chains alone cannot show — a history rewritten with recomputed hashes, a tail
 * cut off consistently — and what signed anchors and the signature links do show.
 */
const T = `/api/trials/${TRIAL_ID}`;

async function allowEdits(db: Kysely<Database>, dialect: string) {
  if (dialect === "sqlite") {
    await sql`drop trigger if exists events_no_update`.execute(db);
    await sql`drop trigger if exists events_no_delete`.execute(db);
  } else await sql`alter table events disable trigger events_no_update`.execute(db);
}

/**
 * What an attacker with write access to the database can do: change event `at` of `chain` and
 * recompute every later hash and the chain's head, so the chain is internally consistent again.
 */
async function rewriteHistory(
  db: Kysely<Database>,
  chain: string,
  at: number,
  edit: (changes: Change[], reason: string | null) => { changes: Change[]; reason: string | null },
) {
  const rows = await db.selectFrom("events").selectAll().where("chain", "=", chain).orderBy("chain_seq").execute();
  let previous = at === 1 ? GENESIS : rows[at - 2]!.hash;
  for (const row of rows.slice(at - 1)) {
    const event = rowToEvent(row);
    const content = row.chain_seq === at ? edit(event.changes, event.reason) : { changes: event.changes, reason: event.reason };
    const hash = eventHash(previous, { ...event, ...content });
    await db
      .updateTable("events")
      .set({ changes: JSON.stringify(content.changes), reason: content.reason, prev_hash: previous, hash })
      .where("seq", "=", row.seq)
      .execute();
    previous = hash;
  }
  await db.updateTable("chains").set({ head: previous }).where("chain", "=", chain).execute();
}

describe.each(DIALECTS)("anchors and signature links (%s)", (dialect) => {
  let server: TestServer;
  const keys = generateAnchorKeys();
  beforeAll(async () => {
    server = await createTestServer(dialect);
    const { chair } = server.clients;
    const decision = { id: await preparedDecision(server) };
    await chair.post(`${T}/decisions/${decision.id}/resolution`, { outcome: "accept" });
    expect((await chair.post(`${T}/decisions/${decision.id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(200);
    await allowEdits(server.store.db, dialect);
  });
  afterAll(() => server?.close());

  it("finds a rewritten history that the chains alone cannot, once the heads were anchored", async () => {
    const { db } = server.store;
    const anchor = await anchorHeads(db, keys.privateKey, new Date());
    expect(await verifyAnchors(db, [anchor], keys.publicKey)).toEqual([]);
    // Rewrite the first successful login of the system chain, with every later hash recomputed.
    const first = await db
      .selectFrom("events")
      .select("chain_seq")
      .where("chain", "=", SYSTEM_CHAIN)
      .where("type", "=", "login.succeeded")
      .orderBy("chain_seq")
      .executeTakeFirstOrThrow();
    await rewriteHistory(db, SYSTEM_CHAIN, first.chain_seq, (changes) => ({ changes, reason: "rewritten" }));
    expect((await verifyAudit(db)).problems).toEqual([]); // consistent: the chains alone cannot tell
    expect(await verifyAnchors(db, [anchor], keys.publicKey)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^chain system: event \\d+ is not the one anchored on ${anchor.at.replaceAll(".", "\\.")} \\(the history was rewritten\\)$`,
        ),
      ),
    ]);
  });

  it("finds a tail cut off consistently, and refuses anchors signed with another key", async () => {
    const { db } = server.store;
    const anchor = await anchorHeads(db, keys.privateKey, new Date());
    const last = await db
      .selectFrom("events")
      .select(["seq", "chain_seq", "prev_hash"])
      .where("chain", "=", SYSTEM_CHAIN)
      .orderBy("chain_seq", "desc")
      .executeTakeFirstOrThrow();
    const lastEvent = await db.selectFrom("events").select("changes").where("seq", "=", last.seq).executeTakeFirstOrThrow();
    expect(lastEvent.changes).toBe("[]"); // a login: it changed no state, so cutting it leaves the state consistent
    await db.deleteFrom("events").where("seq", "=", last.seq).execute();
    await db
      .updateTable("chains")
      .set({ seq: last.chain_seq - 1, head: last.prev_hash })
      .where("chain", "=", SYSTEM_CHAIN)
      .execute();
    expect((await verifyAudit(db)).problems).toEqual([]);
    expect(await verifyAnchors(db, [anchor], keys.publicKey)).toEqual([
      `chain system: event ${last.chain_seq}, anchored on ${anchor.at}, is gone (the chain was cut short)`,
    ]);
    const forged = await anchorHeads(db, generateAnchorKeys().privateKey, new Date());
    expect(await verifyAnchors(db, [forged], keys.publicKey)).toEqual([
      `anchor of ${forged.at}: its signature does not verify with this public key`,
    ]);
  });

  it("finds a signed decision whose record was changed after signing, even with every hash recomputed", async () => {
    const { db } = server.store;
    const signed = await db
      .selectFrom("events")
      .select("chain_seq")
      .where("chain", "=", TRIAL_ID)
      .where("type", "=", "decision.signed")
      .executeTakeFirstOrThrow();
    let edited: Record<string, unknown> | null = null;
    await rewriteHistory(db, TRIAL_ID, signed.chain_seq, (changes, reason) => ({
      reason,
      changes: changes.map((change) => {
        if (change.kind !== "decision" || !change.after) return change;
        const data = { ...change.after.data, recommendation: { ...(change.after.data.recommendation as object), dose: 3 } };
        edited = data;
        return { ...change, after: { ...change.after, data } };
      }),
    }));
    // The projection is brought in line too, so the replay matches the stored state.
    await db
      .updateTable("entities")
      .set({ data: JSON.stringify(edited) })
      .where("kind", "=", "decision")
      .execute();
    const report = await verifyAudit(db);
    expect(report.problems).toEqual([`decision 1 (trial ${TRIAL_ID}): User chair's signature does not match the record it signed`]);
  });
});
