import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "./audit/verify.js";
import { createTestServer, DIALECTS, PASSWORD, patient, preparedDecision, type TestServer, TRIAL_ID } from "./test-support.js";

const T = `/api/trials/${TRIAL_ID}`;
const DAY = 86_400_000;

describe.each(DIALECTS)("conducting a trial (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { reservationHours: 24 });
  });
  afterAll(() => server?.close());

  /** Moves the clock; sessions last hours, so everyone logs in again. */
  const advance = async (days: number) => {
    server.clock.now = new Date(server.clock.now.getTime() + days * DAY);
    for (const client of Object.values(server.clients)) await client.login();
  };

  it("opens cohort 1 at the start dose with the design's cohort size", async () => {
    const trial = (await server.clients.chair.get(T)).json();
    expect(trial.status).toBe("enrolling");
    expect(trial.cohorts).toEqual([
      expect.objectContaining({ number: 1, doseLevel: 1, capacity: 3, kind: "dose-finding", status: "open", reserved: 0 }),
    ]);
    expect(trial.protocolText).toMatch(/3\+3/);
  });

  it("reserves places while the cohort has room, then waitlists; lapsed reservations pass to the waitlist", async () => {
    const { invA, invB } = server.clients;
    const a1 = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    const a2 = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    const b1 = (await invB.post(`${T}/slots`, { siteId: "B" })).json();
    const b2 = await invB.post(`${T}/slots`, { siteId: "B" });
    expect([a1.status, a2.status, b1.status]).toEqual(["reserved", "reserved", "reserved"]);
    expect(b2.statusCode).toBe(201);
    expect(b2.json().status).toBe("waitlisted");
    // An investigator asks only for their own site.
    expect((await invA.post(`${T}/slots`, { siteId: "B" })).statusCode).toBe(404);
    // Sites A and B confirm a patient each; A's second reservation lapses after 24 h and site B's waitlisted request gets it.
    expect((await invA.post(`${T}/slots/${a1.id}/confirm`, { patient: patient("A-001") })).statusCode).toBe(201);
    expect((await invB.post(`${T}/slots/${b1.id}/confirm`, { patient: patient("B-001") })).json()).toMatchObject({
      USUBJID: "B-001",
      doseLevel: 1,
      cohort: 1,
      SITEID: "B",
    });
    await advance(1.5);
    const before = (await server.clients.chair.get(`${T}/slots`)).json() as { id: string; status: string }[];
    expect(before.find((s) => s.id === a2.id)?.status).toBe("reserved"); // settled on the next slot operation, in its transaction
    expect((await invA.post(`${T}/slots/${a2.id}/confirm`, { patient: patient("A-002") })).statusCode).toBe(409);
    const after = (await server.clients.chair.get(`${T}/slots`)).json() as { id: string; status: string }[];
    expect(after.find((s) => s.id === a2.id)?.status).toBe("expired");
    expect(after.find((s) => s.id === b2.json().id)?.status).toBe("reserved");
    // The promoted reservation is confirmed and fills the cohort.
    expect((await invB.post(`${T}/slots/${b2.json().id}/confirm`, { patient: patient("B-002") })).statusCode).toBe(201);
    const cohorts = (await server.clients.chair.get(`${T}/cohorts`)).json();
    expect(cohorts[0]).toMatchObject({ status: "full", confirmed: 3 });
    // A full cohort waitlists further requests.
    expect((await invA.post(`${T}/slots`, { siteId: "A" })).json().status).toBe("waitlisted");
  });

  it("isolates sites: investigators see and write only their own site's patients", async () => {
    const { invA, invB, monitor, stat } = server.clients;
    expect(((await invA.get(`${T}/patients`)).json() as { USUBJID: string }[]).map((p) => p.USUBJID)).toEqual(["A-001"]);
    expect(((await invB.get(`${T}/patients`)).json() as { USUBJID: string }[]).map((p) => p.USUBJID).sort()).toEqual(["B-001", "B-002"]);
    expect(((await monitor.get(`${T}/patients`)).json() as unknown[]).length).toBe(3);
    expect((await invA.get(`${T}/patients/B-001`)).statusCode).toBe(404);
    // The trial data for reports: site A's patients only, the whole trial for the monitor.
    expect(((await invA.get(`${T}/data`)).json().patients as { USUBJID: string }[]).map((p) => p.USUBJID)).toEqual(["A-001"]);
    expect((await monitor.get(`${T}/data`)).json().patients).toHaveLength(3);
    // …and so are their records.
    expect((await invB.post(`${T}/patients/B-001/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(201);
    const dosed = async (client: typeof invA) =>
      ((await client.get(`${T}/data`)).json().administrations as { USUBJID: string }[]).map((a) => a.USUBJID);
    expect(await dosed(invA)).not.toContain("B-001");
    expect(await dosed(monitor)).toContain("B-001");
    expect((await invA.post(`${T}/patients/B-001/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(404);
    // Statisticians do not enter patient data.
    expect((await stat.post(`${T}/patients/A-001/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(403);
  });

  it("keeps patients pending until the DLT window ends, never 'no DLT' early; a decision waits for them", async () => {
    const { invA, invB, stat } = server.clients;
    for (const [client, id] of [
      [invA, "A-001"],
      [invB, "B-001"],
      [invB, "B-002"],
    ] as const) {
      expect((await client.post(`${T}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(201);
    }
    await advance(7); // day 8 of 21: everyone is still in the window
    const grade3 = { AETERM: "Nausea", AETOXGR: 3, AEREL: "Y", AESTDY: 8, AECAT: "non-haematological" };
    const ae = (await invB.post(`${T}/patients/B-002/adverse-events`, grade3)).json();
    const windows = (await stat.get(`${T}/patients`)).json() as {
      USUBJID: string;
      status: string;
      windowEnd: string;
      daysLeft: number;
      unadjudicated: string[];
    }[];
    expect(windows.find((w) => w.USUBJID === "A-001")).toMatchObject({ status: "pending", windowEnd: "2026-03-22" });
    expect(windows.find((w) => w.USUBJID === "B-002")).toMatchObject({ status: "DLT", unadjudicated: [ae.id] });
    const early = await stat.post(`${T}/decisions`);
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/adjudication|DLT window/);
  });

  it("decides from adjudicated data: recommendation, override needs a reason, signature opens the next cohort", async () => {
    const { chair, stat, invA } = server.clients;
    await advance(14); // past every window
    const pending = await stat.post(`${T}/decisions`);
    expect(pending.statusCode).toBe(409);
    expect(pending.json().issues[0].message).toBe("awaits DLT adjudication");
    const [ae] = (await chair.get(`${T}/patients/B-002`)).json().records["adverse-events"] as { id: string }[];
    expect((await invA.post(`${T}/adverse-events/${ae!.id}/adjudication`, { dlt: true, reason: "x" })).statusCode).toBe(403);
    expect((await chair.post(`${T}/adverse-events/${ae!.id}/adjudication`, { dlt: true, reason: "meets the definition" })).statusCode).toBe(
      200,
    );
    const prepared = await stat.post(`${T}/decisions`);
    expect(prepared.statusCode).toBe(201);
    const decision = prepared.json();
    // 3+3 with 1 DLT in 3 at dose 1: stay for 3 more.
    expect(decision.basedOn.outcomes).toBe("1NNT");
    expect(decision.recommendation).toMatchObject({ action: "stay", dose: 1 });
    expect(decision.recommendation.reasons.length).toBeGreaterThan(0);
    expect(decision.pathways).not.toBeNull();
    // Site A's investigator sees the decision but only site A's patients in it.
    const seenByA = (await invA.get(`${T}/decisions/${decision.id}`)).json();
    expect(seenByA.basedOn.patients.map((p: { USUBJID: string }) => p.USUBJID)).toEqual(["A-001"]);
    const noReason = await chair.post(`${T}/decisions/${decision.id}/resolution`, { outcome: "override", action: "escalate", dose: 2 });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().issues).toContainEqual({ path: "reason", message: "is required to override the recommendation" });
    expect((await chair.post(`${T}/decisions/${decision.id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(409);
    expect((await chair.post(`${T}/decisions/${decision.id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    const wrong = await chair.post(`${T}/decisions/${decision.id}/signature`, { password: "not my password", meaning: "approval" });
    expect(wrong.statusCode).toBe(401);
    const signed = await chair.post(`${T}/decisions/${decision.id}/signature`, { password: PASSWORD, meaning: "approval" });
    expect(signed.statusCode).toBe(200);
    const signature = signed.json().signatures[0];
    expect(signature).toMatchObject({ name: "User chair", meaning: "approval" });
    expect(signature.recordHash).toMatch(/^[0-9a-f]{64}$/);
    const cohorts = (await chair.get(`${T}/cohorts`)).json();
    expect(cohorts.map((c: { number: number; doseLevel: number; status: string }) => [c.number, c.doseLevel, c.status])).toEqual([
      [1, 1, "closed"],
      [2, 1, "open"],
    ]);
    // The waitlisted request of the closed cohort does not carry over; new requests go to cohort 2.
    expect((await invA.post(`${T}/slots`, { siteId: "A" })).json()).toMatchObject({ status: "reserved", cohort: 2 });
  });

  it("lets monitors query data, the site answer, and monitors close — within the sites' walls", async () => {
    const { monitor, invA, invB, coordA, stat } = server.clients;
    const records = (await invB.get(`${T}/patients/B-002`)).json().records;
    const dose = records.administrations[0];
    const raised = await monitor.post(`${T}/queries`, {
      USUBJID: "B-002",
      recordId: dose.id,
      field: "EXDOSE",
      text: "Dose differs from the pharmacy log",
    });
    expect(raised.statusCode).toBe(201);
    const query = raised.json();
    expect(query).toMatchObject({ status: "open", USUBJID: "B-002", recordId: dose.id, field: "EXDOSE" });
    // The query must point at real data, and only monitors raise queries.
    const stray = await monitor.post(`${T}/queries`, { USUBJID: "B-002", recordId: "00000000-0000-4000-8000-000000000000", text: "?" });
    expect(stray.json().issues[0].path).toBe("recordId");
    expect((await monitor.post(`${T}/queries`, { USUBJID: "Z-999", text: "?" })).json().issues[0].path).toBe("USUBJID");
    expect((await invB.post(`${T}/queries`, { USUBJID: "B-002", text: "?" })).statusCode).toBe(403);
    expect((await stat.post(`${T}/queries`, { USUBJID: "B-002", text: "?" })).statusCode).toBe(403);
    // Site A neither sees nor answers site B's query.
    expect((await invA.get(`${T}/queries`)).json()).toEqual([]);
    expect((await coordA.post(`${T}/queries/${query.id}/answer`, { text: "x" })).statusCode).toBe(404);
    expect((await invB.get(`${T}/queries?status=open`)).json().map((q: { id: string }) => q.id)).toEqual([query.id]);
    // Answer → sent back → answered again → closed; a closed query cannot be answered.
    expect((await invB.post(`${T}/queries/${query.id}/answer`, { text: "Transcription error; corrected" })).json().status).toBe("answered");
    expect((await invB.post(`${T}/queries/${query.id}/answer`, { text: "again" })).statusCode).toBe(409);
    expect((await monitor.post(`${T}/queries/${query.id}/reopen`, { text: "The record still shows the old dose" })).json().status).toBe(
      "open",
    );
    await invB.post(`${T}/queries/${query.id}/answer`, { text: "Now corrected" });
    const closed = (await monitor.post(`${T}/queries/${query.id}/close`, {})).json();
    expect(closed.status).toBe("closed");
    expect(closed.messages.map((m: { role: string }) => m.role)).toEqual(["monitor", "investigator@B", "monitor", "investigator@B"]);
    expect((await invB.post(`${T}/queries/${query.id}/answer`, { text: "late" })).statusCode).toBe(409);
    expect((await monitor.get(`${T}/queries?status=closed&USUBJID=B-002`)).json()).toHaveLength(1);
    const trail = (await server.clients.auditor.get(`${T}/audit?patient=B-002`)).json() as { type: string }[];
    expect(trail.map((e) => e.type).filter((t) => t.startsWith("query."))).toEqual([
      "query.raised",
      "query.answered",
      "query.reopened",
      "query.answered",
      "query.closed",
    ]);
  });

  it("keeps the whole history in a verifiable log", async () => {
    const report = await verifyAudit(server.store.db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const trail = (await server.clients.auditor.get(`${T}/audit?patient=B-002`)).json() as { type: string; role: string }[];
    expect(trail.map((e) => e.type).filter((t) => !t.startsWith("query."))).toEqual([
      "patient.registered",
      "administration.recorded",
      "adverseEvent.recorded",
      "dlt.adjudicated",
    ]);
    expect(trail[0]!.role).toBe("investigator@B");
    expect(trail[3]!.role).toBe("medical-monitor");
    expect((await server.clients.invA.get(`${T}/audit`)).statusCode).toBe(403);
  });
});

describe.each(DIALECTS)("a trial whose decisions need two signatures (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { signaturesRequired: 2 });
    // A second person who may sign: the monitor becomes a medical monitor too.
    const granted = await server.clients.admin.post(`${T}/grants`, { username: "monitor", role: "medical-monitor" });
    if (granted.statusCode !== 201) throw new Error(granted.body);
    server.clock.now = new Date("2026-03-01T09:00:00Z");
  });
  afterAll(() => server?.close());

  it("takes effect with the second signature, from a different person; the first opens nothing", async () => {
    const { chair, monitor, admin } = server.clients;
    const id = await preparedDecision(server);
    expect((await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    const first = await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "decided", signatures: [{ name: "User chair" }] });
    expect((await chair.get(`${T}/cohorts`)).json().map((c: { status: string }) => c.status)).toEqual(["full"]);
    const twice = await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "review" });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().message).toMatch(/signed decision \d+ already/);
    const second = await monitor.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "responsibility" });
    expect(second.statusCode).toBe(200);
    expect(second.json().status).toBe("signed");
    expect(second.json().signatures.map((s: { name: string; meaning: string }) => [s.name, s.meaning])).toEqual([
      ["User chair", "approval"],
      ["User monitor", "responsibility"],
    ]);
    // Both signed the same record.
    expect(new Set(second.json().signatures.map((s: { recordHash: string }) => s.recordHash)).size).toBe(1);
    expect((await chair.get(`${T}/cohorts`)).json().map((c: { status: string }) => c.status)).toEqual(["closed", "open"]);
    const reasons = (await admin.get(`${T}/audit?type=decision.signed`)).json().map((e: { reason: string }) => e.reason);
    expect(reasons).toEqual(["signature 1 of 2, meaning: approval", "signature 2 of 2, meaning: responsibility"]);
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });
});

describe.each(DIALECTS)("a site opened during the trial (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("is opened by an administrator, once, named in the trial, and can then take a site role", async () => {
    const { admin, chair } = server.clients;
    const site = { id: "C", name: "Site C" };
    expect((await chair.post(`${T}/sites`, site)).statusCode).toBe(403);
    const bad = await admin.post(`${T}/sites`, { id: "C!", name: "Site C" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0]).toMatchObject({ path: "body.id", value: "C!" });
    expect((await admin.post(`${T}/sites`, site)).statusCode).toBe(201);
    expect((await admin.post(`${T}/sites`, site)).statusCode).toBe(409);
    expect((await admin.get(T)).json().sites.map((s: { id: string }) => s.id)).toEqual(["A", "B", "C"]);
    expect((await admin.post(`${T}/grants`, { username: "invB", role: "investigator", siteId: "C" })).statusCode).toBe(201);
    const events = (await admin.get(`${T}/audit?type=site`)).json();
    expect(events.map((e: { type: string; siteId: string }) => [e.type, e.siteId])).toEqual([["site.added", "C"]]);
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });
});
