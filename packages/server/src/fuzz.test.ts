import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, DIALECTS, PASSWORD, patient, type TestServer, TRIAL_ID, trialBody } from "./test-support.js";

const T = `/api/trials/${TRIAL_ID}`;
const UUID = "00000000-0000-4000-8000-000000000000";

/** A valid body for every route that takes one: the fuzzer breaks each in every way it can. */
const VALID: Record<string, { url: string; as: string; body: Record<string, unknown> }> = {
  "POST /api/auth/login": { url: "/api/auth/login", as: "admin", body: { username: "nobody", password: "x" } },
  "POST /api/auth/tokens": { url: "/api/auth/tokens", as: "stat", body: { name: "t" } },
  "POST /api/users": { url: "/api/users", as: "admin", body: { username: "newuser", name: "New User", password: PASSWORD } },
  "POST /api/auth/password": {
    url: "/api/auth/password",
    as: "stat",
    body: { currentPassword: "not the password", newPassword: "another long passphrase" },
  },
  "POST /api/users/:userId/password": { url: `/api/users/${UUID}/password`, as: "admin", body: { password: PASSWORD, reason: "r" } },
  "POST /api/users/:userId/disable": { url: `/api/users/${UUID}/disable`, as: "admin", body: { reason: "r" } },
  "POST /api/users/:userId/enable": { url: `/api/users/${UUID}/enable`, as: "admin", body: { reason: "r" } },
  "POST /api/users/:userId/sessions/end": { url: `/api/users/${UUID}/sessions/end`, as: "admin", body: { reason: "r" } },
  "POST /api/trials": { url: "/api/trials", as: "admin", body: { ...trialBody(), trial: { ...trialBody().trial, id: "T-NEW" } } },
  "POST /api/trials/:trialId/grants": { url: `${T}/grants`, as: "admin", body: { username: "stat", role: "monitor" } },
  "POST /api/trials/:trialId/sites": { url: `${T}/sites`, as: "admin", body: { id: "Z", name: "Site Z" } },
  "DELETE /api/trials/:trialId/grants/:grantId": { url: `${T}/grants/x`, as: "admin", body: { reason: "r" } },
  "POST /api/trials/:trialId/slots": { url: `${T}/slots`, as: "invA", body: { siteId: "A" } },
  "POST /api/trials/:trialId/slots/:slotId/confirm": { url: `${T}/slots/${UUID}/confirm`, as: "invA", body: { patient: patient("A-9") } },
  "POST /api/trials/:trialId/slots/:slotId/release": { url: `${T}/slots/${UUID}/release`, as: "invA", body: { reason: "r" } },
  "POST /api/trials/:trialId/patients/:usubjid/administrations": {
    url: `${T}/patients/A-001/administrations`,
    as: "invA",
    body: { EXSTDY: 1, EXDOSE: 80 },
  },
  "POST /api/trials/:trialId/patients/:usubjid/adverse-events": {
    url: `${T}/patients/A-001/adverse-events`,
    as: "invA",
    body: { AETERM: "Nausea", AETOXGR: 2, AEREL: "Y", AESTDY: 3, AECAT: "non-haematological" },
  },
  "POST /api/trials/:trialId/patients/:usubjid/labs": {
    url: `${T}/patients/A-001/labs`,
    as: "invA",
    body: { LBTESTCD: "PLAT", LBSTRESN: 90, LBSTRESU: "10^9/L", LBDY: 8 },
  },
  "POST /api/trials/:trialId/patients/:usubjid/tumours": {
    url: `${T}/patients/A-001/tumours`,
    as: "invA",
    body: { TRLNKID: "T01", TRGRPID: "TARGET", TRDY: 1, TRSTRESN: 30, TRLOC: "liver" },
  },
  "POST /api/trials/:trialId/patients/:usubjid/pk": { url: `${T}/patients/A-001/pk`, as: "invA", body: { PCELTM: 1, PCSTRESN: 40 } },
  "PUT /api/trials/:trialId/records/:recordId": {
    url: `${T}/records/${UUID}`,
    as: "invA",
    body: { record: { EXSTDY: 1, EXDOSE: 80 }, reason: "r", version: 1 },
  },
  "DELETE /api/trials/:trialId/records/:recordId": { url: `${T}/records/${UUID}`, as: "invA", body: { reason: "r" } },
  "PUT /api/trials/:trialId/patients/:usubjid": {
    url: `${T}/patients/A-404`,
    as: "invA",
    body: { patient: { WEIGHT: 70, HEIGHT: 165, RFXSTDTC: "2026-02-20" }, reason: "r", version: 1 },
  },
  "DELETE /api/trials/:trialId/patients/:usubjid": { url: `${T}/patients/A-404`, as: "invA", body: { reason: "r" } },
  "POST /api/trials/:trialId/adverse-events/:recordId/adjudication": {
    url: `${T}/adverse-events/${UUID}/adjudication`,
    as: "chair",
    body: { dlt: true, reason: "r" },
  },
  "POST /api/trials/:trialId/decisions/:decisionId/resolution": {
    url: `${T}/decisions/1/resolution`,
    as: "chair",
    body: { outcome: "accept" },
  },
  "POST /api/trials/:trialId/decisions/:decisionId/signature": {
    url: `${T}/decisions/1/signature`,
    as: "chair",
    body: { password: PASSWORD, meaning: "approval" },
  },
  "POST /api/trials/:trialId/queries": { url: `${T}/queries`, as: "monitor", body: { USUBJID: "A-001", text: "Please check the weight" } },
  "POST /api/trials/:trialId/queries/:queryId/answer": { url: `${T}/queries/${UUID}/answer`, as: "invA", body: { text: "Corrected" } },
  "POST /api/trials/:trialId/queries/:queryId/reopen": { url: `${T}/queries/${UUID}/reopen`, as: "monitor", body: { text: "Not yet" } },
  "POST /api/trials/:trialId/queries/:queryId/close": { url: `${T}/queries/${UUID}/close`, as: "monitor", body: { text: "Thanks" } },
  "POST /api/simulations": {
    url: "/api/simulations",
    as: "stat",
    body: {
      designs: [{ design: "boin", target: 0.3, doses: 3, cohortSize: 3, cohorts: 4 }],
      scenarios: [{ name: "s", truth: [0.1, 0.2, 0.3] }],
      trials: 10,
      seed: 1,
    },
  },
};

/** A value of another JSON type than `value`, so the field is certainly invalid. */
const otherType = (value: unknown) =>
  typeof value === "string"
    ? fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }))
    : typeof value === "number"
      ? fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.constant({}))
      : typeof value === "boolean"
        ? fc.oneof(fc.string(), fc.integer(), fc.constant(null))
        : Array.isArray(value)
          ? fc.oneof(fc.string(), fc.integer(), fc.constant({}))
          : fc.oneof(fc.string(), fc.integer(), fc.constant([]), fc.constant(null));

/** Bad variants of a valid body: a field of the wrong type, an unknown field, or no object at all. */
const badBodies = (valid: Record<string, unknown>) =>
  fc.oneof(
    fc.constantFrom(...Object.keys(valid)).chain((key) => otherType(valid[key]).map((bad) => ({ ...valid, [key]: bad }))),
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((key) => !(key in valid) && key !== "__proto__")
      .chain((key) => fc.jsonValue().map((v) => ({ ...valid, [key]: v }))),
    fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.jsonValue(), { maxLength: 3 })),
  );

describe.each(DIALECTS)("bad input on every endpoint (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
    const slot = (await server.clients.invA.post(`${T}/slots`, { siteId: "A" })).json();
    await server.clients.invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("A-001", "2026-02-20") });
  });
  afterAll(() => server?.close());

  it("has a valid example for every route that takes a body (from the OpenAPI document)", () => {
    // A new endpoint with a body and no entry in VALID fails here, so the fuzzer always covers the whole API.
    const document = server.app.swagger() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const withBodies = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody !== undefined)
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(withBodies.sort()).toEqual(Object.keys(VALID).sort());
  });

  it("answers 4xx with field errors and stores nothing", async () => {
    const counts = async () => {
      const events = await server.store.db
        .selectFrom("events")
        .select(({ fn }) => fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const entities = await server.store.db
        .selectFrom("entities")
        .select(({ fn }) => fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const jobs = await server.store.db
        .selectFrom("jobs")
        .select(({ fn }) => fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return [Number(events.n), Number(entities.n), Number(jobs.n)];
    };
    const before = await counts();
    for (const [key, example] of Object.entries(VALID)) {
      const method = key.split(" ")[0] as "POST" | "PUT" | "DELETE";
      const client = server.clients[example.as as keyof typeof server.clients];
      await fc.assert(
        fc.asyncProperty(badBodies(example.body), async (body) => {
          const response = await client.request(method, example.url, body);
          expect(response.statusCode, `${key} ${JSON.stringify(body)}`).toBe(400);
          const answer = response.json();
          expect(answer.error).toBe("invalid");
          expect(answer.issues.length).toBeGreaterThan(0);
          for (const issue of answer.issues) expect(typeof issue.path).toBe("string");
        }),
        { numRuns: 40, seed: 7 },
      );
    }
    const after = await counts();
    expect(after).toEqual(before);
  });

  it("accepts each valid example, so the 400s above come from the breakage alone", async () => {
    for (const [key, example] of Object.entries(VALID)) {
      const method = key.split(" ")[0] as "POST" | "PUT" | "DELETE";
      const response = await server.clients[example.as as keyof typeof server.clients].request(method, example.url, example.body);
      // Examples may name resources that do not exist (404), be refused by state (409) or fail a login (401): not 400.
      expect([200, 201, 202, 401, 404, 409], `${key}: ${response.body}`).toContain(response.statusCode);
    }
  });

  it("never fails with a 5xx on arbitrary path parameters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.constantFrom("", "/patients", "/slots", "/decisions", "/audit", "/cohorts", "/analysis"),
        async (id, tail) => {
          const response = await server.clients.monitor.get(`/api/trials/${encodeURIComponent(id)}${tail}`);
          expect(response.statusCode, `${id}${tail}`).toBeLessThan(500);
          expect(response.statusCode).toBeGreaterThanOrEqual(200);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});
