import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "./audit/verify.js";
import { LOCKOUT_FAILURES } from "./auth/accounts.js";
import { Client, createTestServer, DIALECTS, PASSWORD, patient, type TestServer, TRIAL_ID } from "./test-support.js";

const T = `/api/trials/${TRIAL_ID}`;

describe.each(DIALECTS)("security (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("sets an HttpOnly, SameSite=Strict session cookie and hashes passwords with argon2id", async () => {
    const response = await new Client(server.app, "monitor").login();
    const cookie = String(response.headers["set-cookie"]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const row = await server.store.db.selectFrom("credentials").select("password_hash").limit(1).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    // The session id is stored only as a hash.
    const id = cookie.match(/escalate_session=([^;]+)/)![1]!;
    const stored = await server.store.db.selectFrom("sessions").select("id_hash").execute();
    expect(stored.some((s) => s.id_hash === id)).toBe(false);
  });

  it("refuses anonymous calls and writes without the CSRF token or from another origin", async () => {
    expect((await server.app.inject({ method: "GET", url: T })).statusCode).toBe(401);
    const { invA } = server.clients;
    const noToken = await invA.request("POST", `${T}/slots`, { siteId: "A" }, { "x-csrf-token": "" });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().message).toMatch(/CSRF/);
    const otherOrigin = await invA.request("POST", `${T}/slots`, { siteId: "A" }, { origin: "https://evil.example" });
    expect(otherOrigin.statusCode).toBe(403);
    const slots = await server.store.db.selectFrom("entities").select("id").where("kind", "=", "slot").execute();
    expect(slots).toEqual([]);
  });

  it("locks an account after repeated failures, and logs every attempt", async () => {
    const client = new Client(server.app, "auditor");
    for (let i = 0; i < LOCKOUT_FAILURES; i++) expect((await client.login("wrong password")).statusCode).toBe(401);
    // Locked: even the right password is refused, with the same message (no hint which).
    const locked = await client.login(PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(locked.json().message).toBe("wrong username or password, or the account is locked");
    server.clock.now = new Date(server.clock.now.getTime() + 16 * 60_000);
    expect((await client.login(PASSWORD)).statusCode).toBe(200);
    const types = (await server.store.db.selectFrom("events").select("type").where("chain", "=", "system").execute()).map((e) => e.type);
    expect(types.filter((t) => t === "login.failed").length).toBe(LOCKOUT_FAILURES);
    expect(types).toContain("login.locked");
    expect(types).toContain("login.refused");
    for (const c of Object.values(server.clients)) await c.login();
  });

  it("keeps roles to their permissions and sites", async () => {
    const { invA, invB, coordA, stat, monitor, auditor, chair } = server.clients;
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    expect((await coordA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("A-001", "2026-02-20") })).statusCode).toBe(201);
    // Another site's investigator cannot see, confirm, release or record for site A.
    expect((await invB.post(`${T}/slots/${slot.id}/release`, { reason: "x" })).statusCode).toBe(404);
    expect((await invB.get(`${T}/patients/A-001`)).statusCode).toBe(404);
    expect(
      (
        await invB.post(`${T}/patients/A-001/adverse-events`, {
          AETERM: "Nausea",
          AETOXGR: 1,
          AEREL: "N",
          AESTDY: 2,
          AECAT: "non-haematological",
        })
      ).statusCode,
    ).toBe(404);
    // Read-only roles cannot write; only the safety chair signs; only admins manage roles.
    expect((await monitor.post(`${T}/slots`, { siteId: "A" })).statusCode).toBe(403);
    expect((await auditor.post(`${T}/patients/A-001/administrations`, { EXSTDY: 1, EXDOSE: 80 })).statusCode).toBe(403);
    expect((await stat.post(`${T}/grants`, { username: "stat", role: "admin" })).statusCode).toBe(403);
    expect((await invA.post(`${T}/decisions/1/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(403);
    expect((await chair.post("/api/users", { username: "mallory", name: "M", password: "a long enough password" })).statusCode).toBe(403);
    // A user without a grant does not learn that the trial exists.
    const created = await server.clients.admin.post("/api/users", { username: "outsider", name: "Out Sider", password: PASSWORD });
    expect(created.statusCode).toBe(201);
    const outsider = new Client(server.app, "outsider");
    await outsider.login();
    expect((await outsider.get(T)).statusCode).toBe(404);
    expect((await outsider.get("/api/trials/NOPE")).statusCode).toBe(404);
    expect((await outsider.get("/api/trials")).json()).toEqual([]);
  });

  it("revoking a grant takes effect at once and is logged with its reason", async () => {
    const { admin, coordA } = server.clients;
    const grants = (await admin.get(`${T}/grants`)).json() as { id: string; role: string }[];
    const coordinator = grants.find((g) => g.role === "coordinator")!;
    expect((await admin.delete(`${T}/grants/${encodeURIComponent(coordinator.id)}`, {})).statusCode).toBe(400);
    expect((await admin.delete(`${T}/grants/${encodeURIComponent(coordinator.id)}`, { reason: "left the site" })).statusCode).toBe(200);
    expect((await coordA.get(`${T}/patients`)).statusCode).toBe(404);
    const revoked = await server.store.db
      .selectFrom("events")
      .select(["reason", "type"])
      .where("type", "=", "role.revoked")
      .executeTakeFirstOrThrow();
    expect(revoked.reason).toBe("left the site");
  });

  it("treats injection strings as data and refuses oversize bodies", async () => {
    const { invA, monitor } = server.clients;
    const nasty = ["'; drop table events; --", "A-001' or '1'='1", "<script>alert(1)</script>", "../../etc/passwd"];
    for (const text of nasty) {
      const response = await invA.post(`${T}/patients/A-001/adverse-events`, {
        AETERM: text,
        AETOXGR: 1,
        AEREL: "N",
        AESTDY: 2,
        AECAT: "non-haematological",
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().AETERM).toBe(text);
      expect((await monitor.get(`/api/trials/${encodeURIComponent(text)}/patients`)).statusCode).toBeGreaterThanOrEqual(400);
    }
    const huge = await invA.post(`${T}/patients/A-001/adverse-events`, {
      AETERM: "x".repeat(2 * 1024 * 1024),
      AETOXGR: 1,
      AEREL: "N",
      AESTDY: 2,
      AECAT: "non-haematological",
    });
    expect(huge.statusCode).toBe(413);
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
  });

  it("authenticates scripts with API tokens (no CSRF needed) until revoked", async () => {
    const { stat } = server.clients;
    const created = await stat.post("/api/auth/tokens", { name: "nightly" });
    expect(created.statusCode).toBe(201);
    const token = created.json().token as string;
    const headers = { authorization: `Bearer ${token}` };
    expect((await server.app.inject({ method: "GET", url: T, headers })).statusCode).toBe(200);
    expect((await server.app.inject({ method: "GET", url: T, headers: { authorization: "Bearer esc_forged" } })).statusCode).toBe(401);
    expect((await stat.delete("/api/auth/tokens/nightly", {})).statusCode).toBe(200);
    expect((await server.app.inject({ method: "GET", url: T, headers })).statusCode).toBe(401);
    const stored = await server.store.db.selectFrom("api_tokens").select("token_hash").execute();
    expect(stored.some((t) => t.token_hash === token)).toBe(false);
  });

  it("rate-limits logins per client address", async () => {
    const limited = await createTestServer(dialect, { trial: false, loginRateLimit: 3 });
    try {
      const client = new Client(limited.app, "nobody");
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await client.login("x")).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
