import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson } from "./audit/canonical-json.js";
import { verifyAudit } from "./audit/verify.js";
import { createTestServer, DIALECTS, patient, type TestServer, TRIAL_ID } from "./test-support.js";

const T = `/api/trials/${TRIAL_ID}`;

describe("canonical JSON", () => {
  it("sorts keys at every level and drops undefined, so equal values hash equally", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe.each(DIALECTS)("audit trail (%s)", (dialect) => {
  let server: TestServer;
  let aeId: string;
  beforeEach(async () => {
    server = await createTestServer(dialect);
    const { invA } = server.clients;
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("A-001", "2026-02-20") });
    aeId = (
      await invA.post(`${T}/patients/A-001/adverse-events`, {
        AETERM: "Nausea",
        AETOXGR: 2,
        AEREL: "Y",
        AESTDY: 3,
        AECAT: "non-haematological",
      })
    ).json().id;
  });
  afterEach(() => server?.close());

  /** Edits the database behind the server's back, as someone with file or superuser access could. */
  async function tamper(statement: ReturnType<typeof sql>) {
    const db = server.store.db;
    if (dialect === "sqlite") {
      await sql`drop trigger if exists events_no_update`.execute(db);
      await sql`drop trigger if exists events_no_delete`.execute(db);
    } else {
      await sql`alter table events disable trigger events_no_update`.execute(db);
    }
    await statement.execute(db);
  }

  it("refuses updates and deletes of events through the database itself", async () => {
    await expect(sql`update events set reason = 'edited'`.execute(server.store.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from events`.execute(server.store.db)).rejects.toThrow(/append-only/);
  });

  it("filters the trail by event type or family and by day, in JSON and CSV, and names a bad filter", async () => {
    const { invA, auditor } = server.clients;
    server.clock.now = new Date("2026-03-04T10:00:00Z");
    // Sessions lapse when idle for days: sign in again on the later day.
    await invA.login();
    await auditor.login();
    const record = { AETERM: "Nausea", AETOXGR: 3, AEREL: "Y", AESTDY: 3, AECAT: "non-haematological" };
    await invA.put(`${T}/records/${aeId}`, { record, reason: "grade misread", version: 1 });
    const types = async (query: string) => {
      const answer = await auditor.get(`${T}/audit?${query}`);
      if (answer.statusCode !== 200) throw new Error(answer.body);
      return answer.json().map((e: { type: string }) => e.type);
    };
    expect(await types("type=adverseEvent.corrected")).toEqual(["adverseEvent.corrected"]);
    expect(await types("type=adverseEvent")).toEqual(["adverseEvent.recorded", "adverseEvent.corrected"]);
    expect(await types("from=2026-03-02")).toEqual(["adverseEvent.corrected"]);
    expect(await types("to=2026-03-01")).not.toContain("adverseEvent.corrected");
    expect(await types("to=2026-03-01")).toContain("patient.registered");
    const csv = await auditor.get(`${T}/audit?type=adverseEvent.corrected&format=csv`);
    expect(csv.headers["content-disposition"]).toContain("audit-T-001-adverseEvent.corrected.csv");
    expect(csv.body.trim().split("\n")).toHaveLength(2);
    const bad = await auditor.get(`${T}/audit?from=yesterday`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0]).toMatchObject({ path: "querystring.from", value: "yesterday" });
  });

  it("records corrections with reason, old and new values; verifies clean", async () => {
    const { invA, auditor } = server.clients;
    const record = { AETERM: "Nausea", AETOXGR: 3, AEREL: "Y", AESTDY: 3, AECAT: "non-haematological" };
    expect((await invA.put(`${T}/records/${aeId}`, { record, version: 1 })).statusCode).toBe(400); // no reason
    const corrected = await invA.put(`${T}/records/${aeId}`, { record, reason: "grade misread from the source document", version: 1 });
    expect(corrected.json()).toMatchObject({ AETOXGR: 3, version: 2 });
    const trail = (await auditor.get(`${T}/audit?patient=A-001`)).json() as {
      type: string;
      reason: string;
      changes: { before: { data: { AETOXGR: number } }; after: { data: { AETOXGR: number } } }[];
    }[];
    const correction = trail.find((e) => e.type === "adverseEvent.corrected")!;
    expect(correction.reason).toBe("grade misread from the source document");
    expect(correction.changes[0]!.before.data.AETOXGR).toBe(2);
    expect(correction.changes[0]!.after.data.AETOXGR).toBe(3);
    const csv = await auditor.get(`${T}/audit?patient=A-001&format=csv`);
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    expect(csv.body.split("\n")[0]).toBe("seq,at,actor,role,type,reason,patient,site,entity,before,after,hash");
    expect(csv.body).toContain("grade misread from the source document");
    const report = await verifyAudit(server.store.db);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.chains.map((c) => c.chain).sort()).toEqual(["T-001", "system"]);
  });

  it("detects an edited event", async () => {
    await tamper(sql`update events set changes = replace(changes, '"AETOXGR":2', '"AETOXGR":1') where type = 'adverseEvent.recorded'`);
    const report = await verifyAudit(server.store.db);
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toMatch(/adverseEvent.recorded\): content does not match its hash/);
  });

  it("detects a deleted event, in the middle or at the end of a chain", async () => {
    await tamper(sql`delete from events where type = 'patient.registered'`);
    const middle = await verifyAudit(server.store.db);
    expect(middle.problems.join("\n")).toMatch(/expected position/);
    await tamper(sql`delete from events where type = 'adverseEvent.recorded'`);
    const end = await verifyAudit(server.store.db);
    expect(end.problems.join("\n")).toMatch(/chain's head records event/);
  });

  it("detects current state changed without an event", async () => {
    await sql`update entities set data = replace(data, '"AETOXGR":2', '"AETOXGR":1') where kind = 'adverseEvent'`.execute(server.store.db);
    const report = await verifyAudit(server.store.db);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([`state adverseEvent ${aeId} (trial T-001): differs from the log`]);
  });
});
