import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvent } from "./audit/events.js";
import { verifyAudit } from "./audit/verify.js";
import { state } from "./conduct/trials.js";
import { createTestServer, DIALECTS, httpSession, PASSWORD, patient, type TestServer, TRIAL_ID, trialBody } from "./test-support.js";

/**
 * Issue 14: no single patient's data can take a trial down, nothing is overwritten unseen, and bad
 * input is a 4xx. Every finding of the issue is a test here, on SQLite and on PostgreSQL.
 */
const T = `/api/trials/${TRIAL_ID}`;
const FIRST_DOSE = "2026-02-01"; // the test clock is 2026-03-01: every patient is past the 21-day window
const dose = { EXSTDY: 1, EXDOSE: 84 }; // 1.2 mg/kg × 70 kg
const ae = (over: Record<string, unknown> = {}) => ({
  AETERM: "Nausea",
  AETOXGR: 1,
  AEREL: "Y",
  AESTDY: 3,
  AECAT: "non-haematological",
  ...over,
});

/**
 * Writes an entity the way data stored before today's checks looks: through the event log (so the
 * audit trail stays whole) but past the API's validation.
 */
async function storeUnchecked(server: TestServer, kind: string, id: string, USUBJID: string, data: Record<string, unknown>, siteId = "A") {
  await server.store.db.transaction().execute((tx) =>
    appendEvent(tx, {
      chain: TRIAL_ID,
      actor: { id: "import", name: "Legacy import", role: "system" },
      type: `${kind}.imported`,
      subject: USUBJID,
      siteId,
      at: server.clock.now,
      changes: [
        {
          kind,
          trialId: TRIAL_ID,
          id,
          after: state(data, { siteId, parent: kind === "patient" ? "1" : USUBJID, status: kind === "patient" ? "on-study" : null }),
        },
      ],
    }),
  );
}

async function register(
  server: TestServer,
  USUBJID: string,
  site: "A" | "B" = "A",
  RFXSTDTC = FIRST_DOSE,
  over: Record<string, unknown> = {},
) {
  const client = site === "A" ? server.clients.invA : server.clients.invB;
  const slot = (await client.post(`${T}/slots`, { siteId: site })).json();
  return client.post(`${T}/slots/${slot.id}/confirm`, { patient: { ...patient(USUBJID, RFXSTDTC), ...over } });
}

describe.each(DIALECTS)("one patient's data cannot take the trial down (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("refuses impossible dates on every date field, and an adverse event that ends before it starts", async () => {
    const slot = (await server.clients.invA.post(`${T}/slots`, { siteId: "A" })).json();
    const confirm = (over: Record<string, unknown>) =>
      server.clients.invA.post(`${T}/slots/${slot.id}/confirm`, { patient: { ...patient("A-001", FIRST_DOSE), ...over } });
    const typo = await confirm({ RFXSTDTC: "2026-02-30" });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().issues).toContainEqual({
      path: "body.patient.RFXSTDTC",
      value: "2026-02-30",
      message: "must be a real calendar date",
    });
    expect((await confirm({ BRTHDTC: "1961-02-29" })).json().issues[0].path).toBe("body.patient.BRTHDTC");
    expect((await confirm({})).statusCode).toBe(201);
    const { invA } = server.clients;
    for (const [field, value] of [
      ["AESTDTC", "2026-02-30"],
      ["AEENDTC", "2026-04-31"],
    ] as const) {
      const response = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ [field]: value }));
      expect(response.statusCode, field).toBe(400);
      expect(response.json().issues[0]).toMatchObject({ path: `body.${field}`, value });
    }
    const backwards = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: 8, AEENDY: 5 }));
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().issues).toContainEqual({ path: "body.AEENDY", value: 5, message: "must not be before AESTDY (8)" });
  });

  it("refuses a PK time point that repeats one of the patient's samples", async () => {
    const { invA } = server.clients;
    expect((await invA.post(`${T}/patients/A-001/pk`, { PCELTM: 1, PCSTRESN: 50 })).statusCode).toBe(201);
    expect((await invA.post(`${T}/patients/A-001/pk`, { PCELTM: 4, PCSTRESN: 40 })).statusCode).toBe(201);
    const repeated = await invA.post(`${T}/patients/A-001/pk`, { PCELTM: 4, PCSTRESN: 38 });
    expect(repeated.statusCode).toBe(400);
    expect(repeated.json().issues[0]).toMatchObject({ path: "PCELTM", value: 4 });
  });

  it("keeps every read and the escalation meeting working around bad stored data, naming the patient and record to fix", async () => {
    const { invA, invB, stat, monitor, chair } = server.clients;
    expect((await register(server, "A-002")).statusCode).toBe(201);
    expect((await register(server, "B-001", "B")).statusCode).toBe(201);
    for (const [client, id] of [
      [invA, "A-001"],
      [invA, "A-002"],
      [invB, "B-001"],
    ] as const)
      expect((await client.post(`${T}/patients/${id}/administrations`, dose)).statusCode).toBe(201);
    // Stored before the checks existed: an impossible first-dose date, and a PK sample repeating a time point.
    const a002 = (await invA.get(`${T}/patients/A-002`)).json();
    await storeUnchecked(server, "patient", "A-002", "A-002", { ...a002.patient, RFXSTDTC: "2026-02-30" });
    await storeUnchecked(server, "pk", "00000000-0000-4000-8000-00000000beef", "A-001", {
      USUBJID: "A-001",
      PCELTM: 4,
      PCSTRESN: 38,
      PCSTRESU: "ug/mL",
    });

    for (const path of ["/patients", "/patients/A-001", "/patients/A-002", "/patients/B-001", "/analysis", "/data"]) {
      for (const client of [monitor, invA, invB]) {
        const response = await client.get(`${T}${path}`);
        const otherSite = (client === invB && path.includes("/A-")) || (client === invA && path.includes("/B-"));
        if (otherSite) expect(response.statusCode).toBe(404);
        else expect(response.statusCode, `${path}: ${response.body.slice(0, 300)}`).toBe(200);
      }
    }
    const windows = (await monitor.get(`${T}/patients`)).json() as { USUBJID: string; status: string; problems: { path: string }[] }[];
    expect(windows.map((w) => [w.USUBJID, w.status])).toEqual([
      ["A-001", "no DLT"],
      ["A-002", "not analysable"],
      ["B-001", "no DLT"],
    ]);
    expect(windows[1]!.problems).toEqual([
      {
        USUBJID: "A-002",
        collection: "patients",
        record: "A-002",
        path: "RFXSTDTC",
        value: "2026-02-30",
        message: "must be a real calendar date",
      },
    ]);
    expect(windows[0]!.problems).toEqual([
      expect.objectContaining({ collection: "pk", record: "00000000-0000-4000-8000-00000000beef", path: "PCELTM", value: 4 }),
    ]);
    // Site B sees nothing of site A's problems.
    expect(((await invB.get(`${T}/analysis`)).json().problems as unknown[]).length).toBe(0);
    // The meeting refuses while a registration it rests on is unreadable, and says what to fix; PK does not block it.
    const refused = await stat.post(`${T}/decisions`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/A-002 cannot be read/);
    expect(refused.json().issues).toEqual([
      { path: "patients.A-002.RFXSTDTC", value: "2026-02-30", message: "must be a real calendar date" },
    ]);
    // Corrected through the API, with a reason and the version edited: the meeting goes ahead.
    const fixed = await invA.put(`${T}/patients/A-002`, {
      patient: { AGE: 60, SEX: "F", WEIGHT: 70, HEIGHT: 165, RFXSTDTC: FIRST_DOSE },
      reason: "first-dose date mistyped",
      version: a002.version + 1,
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json().patient).toMatchObject({ RFXSTDTC: FIRST_DOSE, SITEID: "A", cohort: 1, doseLevel: 1 });
    const prepared = await stat.post(`${T}/decisions`);
    expect(prepared.statusCode, prepared.body).toBe(201);
    expect(prepared.json().basedOn.outcomes).toBe("1NNN");
    // The stray PK sample is deleted with a reason; the patient's problems are gone.
    expect((await invA.delete(`${T}/records/00000000-0000-4000-8000-00000000beef`, { reason: "duplicate entry" })).statusCode).toBe(200);
    expect((await chair.get(`${T}/patients/A-001`)).json().dltWindow.problems).toEqual([]);
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
  });

  it("keeps decisions consistent: an override's action agrees with its dose; a decided, unsigned decision can be revised", async () => {
    const { chair } = server.clients;
    const decision = (await chair.get(`${T}/decisions/1`)).json();
    expect(decision.recommendation).toMatchObject({ action: "escalate", dose: 2 });
    const contradictory = await chair.post(`${T}/decisions/1/resolution`, {
      outcome: "override",
      action: "escalate",
      dose: 1,
      reason: "r",
    });
    expect(contradictory.statusCode).toBe(400);
    expect(contradictory.json().issues[0]).toMatchObject({ path: "action", value: "escalate" });
    expect(contradictory.json().issues[0].message).toMatch(/cohort 1 was at dose 1, so dose 1 is stay/);
    const stopWithDose = await chair.post(`${T}/decisions/1/resolution`, { outcome: "override", action: "stop", dose: 2, reason: "r" });
    expect(stopWithDose.json().issues[0]).toMatchObject({ path: "dose", message: "must be absent when the action is stop" });
    expect((await chair.post(`${T}/decisions/1/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    // Revised before signing: a reason is required, and the revision is an event of its own.
    expect((await chair.post(`${T}/decisions/1/resolution`, { outcome: "override", action: "stay", dose: 1 })).statusCode).toBe(400);
    const revised = await chair.post(`${T}/decisions/1/resolution`, {
      outcome: "override",
      action: "stay",
      dose: 1,
      reason: "the committee wants three more patients at dose 1",
    });
    expect(revised.statusCode, revised.body).toBe(200);
    expect(revised.json()).toMatchObject({ status: "decided", resolution: { action: "stay", dose: 1 } });
    // Only the version read is resolved or signed: a revision made meanwhile is not overwritten, nor signed unseen.
    const seen = revised.json().version as number;
    const overwriting = await chair.post(`${T}/decisions/1/resolution`, { outcome: "accept", reason: "as recommended", version: seen - 1 });
    expect(overwriting.statusCode).toBe(409);
    const unseen = await chair.post(`${T}/decisions/1/signature`, { password: PASSWORD, meaning: "approval", version: seen - 1 });
    expect(unseen.statusCode).toBe(409);
    expect(unseen.json().message).toMatch(/changed by someone else/);
    const signed = await chair.post(`${T}/decisions/1/signature`, { password: PASSWORD, meaning: "approval", version: seen });
    expect(signed.statusCode).toBe(200);
    expect((await chair.post(`${T}/decisions/1/resolution`, { outcome: "accept", reason: "too late" })).statusCode).toBe(409);
    const types = (await server.clients.auditor.get(`${T}/audit`)).json().map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t.startsWith("decision."))).toEqual([
      "decision.prepared",
      "decision.accepted",
      "decision.revised",
      "decision.signed",
    ]);
  });
});

describe.each(DIALECTS)("data entry stores what the clinician meant (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
    await register(server, "A-001", "A", FIRST_DOSE, { WEIGHT: 68 });
  });
  afterAll(() => server?.close());

  it("asks to confirm a dose more than 10% from the protocol dose, showing the expected amount", async () => {
    const { invA, auditor } = server.clients;
    const tenfold = await invA.post(`${T}/patients/A-001/administrations`, { EXSTDY: 1, EXDOSE: 816 });
    expect(tenfold.statusCode).toBe(422);
    expect(tenfold.json()).toMatchObject({
      error: "confirmation-required",
      expected: { EXDOSE: 81.6, explanation: "1.2 mg/kg × 68 kg = 81.6 mg" },
      issues: [{ path: "EXDOSE", value: 816, message: "is +900% from the protocol dose 81.6 mg (1.2 mg/kg × 68 kg = 81.6 mg)" }],
    });
    // Within 10%: stored without a question. Confirmed with a reason: stored, and the reason is in the trail.
    expect((await invA.post(`${T}/patients/A-001/administrations`, { EXSTDY: 1, EXDOSE: 80 })).statusCode).toBe(201);
    const reduced = await invA.post(`${T}/patients/A-001/administrations`, {
      EXSTDY: 22,
      EXDOSE: 60,
      confirmation: "dose reduced after grade 2 neuropathy",
    });
    expect(reduced.statusCode).toBe(201);
    expect(reduced.json()).not.toHaveProperty("confirmation");
    const trail = (await auditor.get(`${T}/audit?patient=A-001`)).json() as { type: string; reason: string | null }[];
    expect(trail.at(-1)!.reason).toMatch(
      /^confirmed as entered \(EXDOSE 60 is -26% from the protocol dose 81.6 mg .*\): dose reduced after grade 2 neuropathy$/,
    );
    // A correction is checked the same way.
    const id = reduced.json().id;
    const corrected = await invA.put(`${T}/records/${id}`, { record: { EXSTDY: 22, EXDOSE: 600 }, reason: "typo", version: 1 });
    expect(corrected.statusCode).toBe(422);
  });

  it("refuses records dated after today, and asks to confirm those before the first dose", async () => {
    const { invA } = server.clients;
    // 2026-03-01 is study day 29 for a first dose on 2026-02-01.
    const future = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: 30 }));
    expect(future.statusCode).toBe(400);
    expect(future.json().issues[0]).toEqual({ path: "AESTDY", value: 30, message: "must not be after today (2026-03-01, study day 29)" });
    expect((await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: 3, AEENDY: 31 }))).statusCode).toBe(400);
    expect((await invA.post(`${T}/patients/A-001/labs`, { LBTESTCD: "PLAT", LBSTRESN: 90, LBSTRESU: "10^9/L", LBDY: 40 })).statusCode).toBe(
      400,
    );
    expect((await invA.post(`${T}/patients/A-001/pk`, { PCELTM: 24 * 29, PCSTRESN: 1 })).statusCode).toBe(400);
    const before = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: -3 }));
    expect(before.statusCode).toBe(422);
    expect(before.json().issues[0]).toMatchObject({ path: "AESTDY", value: -3, message: "is before the first dose (study day 1)" });
    expect(
      (await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: -3, confirmation: "baseline symptom, present at screening" })))
        .statusCode,
    ).toBe(201);
    expect((await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AESTDY: 29 }))).statusCode).toBe(201);
  });

  it("stores a blank as blank", async () => {
    const { invA } = server.clients;
    const { AGE: _age, SEX: _sex, ...withoutAge } = patient("A-002", FIRST_DOSE);
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    expect((await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: withoutAge })).statusCode).toBe(201);
    const stored = (await invA.get(`${T}/patients/A-002`)).json().patient;
    expect(stored).not.toHaveProperty("AGE");
    expect(stored).not.toHaveProperty("SEX");
  });

  it("refuses a stale edit with 409 and the current record: 30 parallel updates, one succeeds", async () => {
    const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
    const invA = await httpSession(address, "invA");
    type Lab = { id: string; version: number };
    const created = (await (
      await invA("POST", `${T}/patients/A-001/labs`, { LBTESTCD: "PLAT", LBSTRESN: 90, LBSTRESU: "10^9/L", LBDY: 8 })
    ).json()) as Lab;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        invA("PUT", `${T}/records/${created.id}`, {
          record: { LBTESTCD: "PLAT", LBSTRESN: 100 + i, LBSTRESU: "10^9/L", LBDY: 8 },
          reason: `re-read ${i}`,
          version: 1,
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(29);
    const winner = (await (await invA("GET", `${T}/records/${created.id}`)).json()) as Lab;
    expect(winner.version).toBe(2);
    const loser = (await responses.find((r) => r.status === 409)!.json()) as { message: string; current: Lab };
    expect(loser.message).toMatch(/changed by someone else: it is at version 2, you edited version 1/);
    expect(loser.current).toEqual(winner);
    // No version: refused before anything is read; If-Match carries it as well as the body does.
    const unversioned = await invA("PUT", `${T}/records/${created.id}`, {
      record: { LBTESTCD: "PLAT", LBSTRESN: 1, LBSTRESU: "10^9/L", LBDY: 8 },
      reason: "x",
    });
    expect(unversioned.status).toBe(400);
    expect(((await unversioned.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe("body.version");
    const viaHeader = await server.clients.invA.request(
      "PUT",
      `${T}/records/${created.id}`,
      { record: { LBTESTCD: "PLAT", LBSTRESN: 95, LBSTRESU: "10^9/L", LBDY: 8 }, reason: "checked the source" },
      { "if-match": '"2"' },
    );
    expect(viaHeader.statusCode, viaHeader.body).toBe(200);
    expect(viaHeader.json().version).toBe(3);
    const stale = await server.clients.invA.request("DELETE", `${T}/records/${created.id}`, { reason: "x" }, { "if-match": '"2"' });
    expect(stale.statusCode).toBe(409);
    await server.app.close();
  });
});

describe.each(DIALECTS)("uniqueness under concurrency (%s)", (dialect) => {
  it("gives 10 parallel creates of one username, trial ID, grant or token name exactly one 201 and nine 409", async () => {
    const server = await createTestServer(dialect);
    try {
      const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
      const admin = await httpSession(address, "admin");
      const stat = await httpSession(address, "stat");
      const tenTimes = async (send: () => Promise<Response>) => {
        const statuses = (await Promise.all(Array.from({ length: 10 }, send))).map((r) => r.status);
        return [statuses.filter((s) => s === 201).length, statuses.filter((s) => s === 409).length];
      };
      expect(await tenTimes(() => admin("POST", "/api/users", { username: "twin", name: "Twin", password: PASSWORD }))).toEqual([1, 9]);
      const body = trialBody();
      expect(await tenTimes(() => admin("POST", "/api/trials", { ...body, trial: { ...body.trial, id: "T-TWIN" } }))).toEqual([1, 9]);
      expect(await tenTimes(() => admin("POST", "/api/trials/T-TWIN/grants", { username: "twin", role: "monitor" }))).toEqual([1, 9]);
      expect(await tenTimes(() => stat("POST", "/api/auth/tokens", { name: "nightly" }))).toEqual([1, 9]);
      const trials = await server.store.db.selectFrom("events").select("type").where("chain", "=", "T-TWIN").execute();
      expect(trials.filter((e) => e.type === "trial.created")).toHaveLength(1);
      expect((await verifyAudit(server.store.db)).ok).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe.each(DIALECTS)("bad input is a 4xx, never a 500 (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
    await register(server, "A-001");
  });
  afterAll(() => server?.close());

  it("refuses a null or malformed Origin with a valid CSRF token as cross-site (403)", async () => {
    for (const origin of ["null", "http://", "::::", "http://[bad"]) {
      const response = await server.clients.invA.request("POST", `${T}/slots`, { siteId: "A" }, { origin });
      expect(response.statusCode, origin).toBe(403);
    }
  });

  it("answers a CR/LF in the audit CSV's patient filter without breaking its headers", async () => {
    const response = await server.clients.auditor.get(`${T}/audit?patient=${encodeURIComponent("A-001\r\nSet-Cookie: x=1")}&format=csv`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-disposition"]).toBe('attachment; filename="audit-T-001-A-001__Set-Cookie__x_1.csv"');
    expect(response.headers["set-cookie"]).toBeUndefined();
  });

  it("refuses JSON nested 100,000 deep, NUL characters and lone surrogates, naming the field", async () => {
    const { invA, admin } = server.clients;
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const nested = await server.app.inject({
      method: "POST",
      url: "/api/trials",
      payload: `{"compound":${deep}}`,
      headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, "content-type": "application/json" },
    });
    expect(nested.statusCode).toBe(400);
    expect(nested.json().issues[0].message).toBe("must not nest deeper than 32 levels");
    const nul = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AETERM: "Nau\u0000sea" }));
    expect(nul.statusCode).toBe(400);
    expect(nul.json().issues[0]).toEqual({ path: "body.AETERM", message: "must not contain NUL characters (U+0000)" });
    const surrogate = await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AETERM: "Nausea \ud800" }));
    expect(surrogate.statusCode).toBe(400);
    expect((await invA.get(`${T}/patients/A-001?x=%00`)).statusCode).toBe(400);
    expect((await invA.post(`${T}/patients/A-001/adverse-events`, ae({ AETERM: "x".repeat(900_000) }))).json().issues[0]).toMatchObject({
      path: "body.AETERM",
      message: "must be ≤ 200 characters",
    });
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
  });
});
