import { randomUUID } from "node:crypto";
import argon2 from "argon2";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "./app.js";
import { verifyAudit } from "./audit/verify.js";
import { ADDRESS_FAILURES, addressGroup, LOCKOUT_FAILURES, LOCKOUT_MINUTES, sha256 } from "./auth/accounts.js";
import { startServer } from "./server.js";
import {
  Client,
  createTestDatabase,
  createTestServer,
  DIALECTS,
  PASSWORD,
  patient,
  preparedDecision,
  type TestServer,
  TRIAL_ID,
} from "./test-support.js";

/**
 * Issue 15: what an attacker tried, each a regression test on SQLite and PostgreSQL — login throttling,
 * signatures, accounts, what the audit trail vouches for, exports and hardening.
 */
const T = `/api/trials/${TRIAL_ID}`;

/** A login from a given client address (the connection's peer, as the server sees it). */
const loginFrom = (
  server: TestServer,
  username: string,
  password: string,
  remoteAddress = "127.0.0.1",
  headers: Record<string, string> = {},
) => server.app.inject({ method: "POST", url: "/api/auth/login", payload: { username, password }, remoteAddress, headers });

const systemEvents = async (server: TestServer) =>
  server.store.db
    .selectFrom("events")
    .select(["type", "reason", "role", "actor_name"])
    .where("chain", "=", "system")
    .orderBy("seq")
    .execute();

describe.each(DIALECTS)("sign-in throttling that holds (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { loginRateLimit: 1000 });
  });
  afterAll(() => server?.close());

  it("ignores a client's own X-Forwarded-For and logs the peer address", async () => {
    const limited = await createTestServer(dialect, { trial: false, loginRateLimit: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++)
        codes.push((await loginFrom(limited, "nobody", "x", "127.0.0.1", { "x-forwarded-for": `203.0.113.${i}` })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429, 429]);
      const roles = (await systemEvents(limited)).filter((e) => e.type.startsWith("login.")).map((e) => e.role);
      expect(new Set(roles)).toEqual(new Set(["client 127.0.0.1"]));
    } finally {
      await limited.close();
    }
  });

  it("believes X-Forwarded-For only from the proxies it is told to trust", async () => {
    const app = await buildApp({ store: server.store, trustProxy: ["127.0.0.1"], loginRateLimit: 1000 });
    try {
      await app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { username: "ghost", password: "x" },
        headers: { "x-forwarded-for": "198.51.100.9" },
      });
      const last = (await systemEvents(server)).at(-1)!;
      expect(last).toMatchObject({ type: "login.refused", role: "client 198.51.100.9" });
    } finally {
      await app.close();
    }
  });

  it("counts parallel guesses before checking them: of 20 at once (the last right), none gets in", async () => {
    const before = (await systemEvents(server)).length;
    const guesses = Array.from({ length: 20 }, (_, i) => (i === 19 ? PASSWORD : `wrong guess ${i}`));
    const answers = await Promise.all(guesses.map((password) => loginFrom(server, "monitor", password, "10.0.0.20")));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(401));
    const events = (await systemEvents(server)).slice(before);
    // Only the first LOCKOUT_FAILURES were checked; the rest were refused unchecked, and all were logged.
    expect(events.filter((e) => e.type === "login.failed")).toHaveLength(LOCKOUT_FAILURES);
    expect(events.filter((e) => e.type === "login.refused")).toHaveLength(20 - LOCKOUT_FAILURES);
    expect(events.filter((e) => e.type === "login.locked")).toHaveLength(1);
    expect(events.filter((e) => e.type === "login.succeeded")).toHaveLength(0);
  });

  it("locks an account only from the address that failed: the user logs in from their own", async () => {
    for (let i = 0; i < LOCKOUT_FAILURES; i++) expect((await loginFrom(server, "chair", "guess", "10.0.0.66")).statusCode).toBe(401);
    expect((await loginFrom(server, "chair", PASSWORD, "10.0.0.66")).statusCode).toBe(401);
    expect((await loginFrom(server, "chair", PASSWORD, "10.0.0.5")).statusCode).toBe(200);
    // The same refusal for a locked, an unknown and a disabled account as for a wrong password.
    const messages = new Set(
      await Promise.all([
        loginFrom(server, "chair", PASSWORD, "10.0.0.66"),
        loginFrom(server, "no-such-user", PASSWORD, "10.0.0.67"),
        loginFrom(server, "chair", "wrong", "10.0.0.68"),
      ]).then((answers) => answers.map((a) => a.json().message)),
    );
    expect(messages).toEqual(new Set(["wrong username or password, or the account is locked"]));
  });

  it("checks one password hash for every refusal — locked, unknown, disabled or wrong — so timing tells nothing", async () => {
    const verify = vi.spyOn(argon2, "verify");
    try {
      for (const [username, address] of [
        ["chair", "10.0.0.66"], // locked from there (above)
        ["no-such-user", "10.0.0.70"],
        ["chair", "10.0.0.71"], // wrong password
      ] as const) {
        verify.mockClear();
        expect((await loginFrom(server, username, "not it", address)).statusCode).toBe(401);
        expect(verify, username).toHaveBeenCalledTimes(1);
      }
    } finally {
      verify.mockRestore();
    }
  });

  it("lengthens each further lockout of the same account and address, and never counts attempts made while locked", async () => {
    const clock = server.clock;
    const start = clock.now;
    try {
      const lockedUntil = async () =>
        (
          await server.store.db
            .selectFrom("login_attempts")
            .select("locked_until")
            .where("key", "=", "pair:auditor|10.0.0.77")
            .executeTakeFirstOrThrow()
        ).locked_until!;
      for (let i = 0; i < LOCKOUT_FAILURES; i++) await loginFrom(server, "auditor", "guess", "10.0.0.77");
      const first = Date.parse(await lockedUntil()) - clock.now.getTime();
      expect(first).toBe(LOCKOUT_MINUTES * 60_000);
      // Attempts during the lockout are refused unchecked and do not extend it.
      for (let i = 0; i < 10; i++) await loginFrom(server, "auditor", "guess", "10.0.0.77");
      expect(Date.parse(await lockedUntil()) - clock.now.getTime()).toBe(first);
      clock.now = new Date(clock.now.getTime() + first + 1000);
      for (let i = 0; i < LOCKOUT_FAILURES; i++) await loginFrom(server, "auditor", "guess", "10.0.0.77");
      expect(Date.parse(await lockedUntil()) - clock.now.getTime()).toBe(2 * first);
    } finally {
      clock.now = start;
    }
  });

  it("does not count successful sign-ins against a busy address", async () => {
    for (let i = 0; i < ADDRESS_FAILURES + 10; i++) expect((await loginFrom(server, "stat", PASSWORD, "10.0.0.50")).statusCode).toBe(200);
  });

  it("counts an IPv6 client by its /64 network", async () => {
    expect(addressGroup("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(addressGroup("10.0.0.1")).toBe("10.0.0.1");
    // Rotating addresses within one /64 does not buy more guesses.
    for (let i = 0; i < LOCKOUT_FAILURES; i++) await loginFrom(server, "coordA", "guess", `2001:db8:7:7::${i + 1}`);
    expect((await loginFrom(server, "coordA", PASSWORD, "2001:db8:7:7::99")).statusCode).toBe(401);
    expect((await loginFrom(server, "coordA", PASSWORD, "2001:db8:7:8::1")).statusCode).toBe(200);
  });

  it("refuses an address that fails too often, over any accounts", async () => {
    for (let i = 0; i < ADDRESS_FAILURES; i++) await loginFrom(server, `stranger${i % 9}`, "x", "10.0.0.99");
    expect((await loginFrom(server, "stat", PASSWORD, "10.0.0.99")).statusCode).toBe(401);
    expect((await loginFrom(server, "stat", PASSWORD, "10.0.0.98")).statusCode).toBe(200);
    expect((await systemEvents(server)).some((e) => e.type === "login.address-locked")).toBe(true);
  });
});

describe.each(DIALECTS)("the first administrator's password (%s)", (dialect) => {
  it("refuses to start with a weak ESCALATE_ADMIN_PASSWORD, and never prints one given", async () => {
    const database = await createTestDatabase(dialect);
    const saved = process.env.ESCALATE_ADMIN_PASSWORD;
    try {
      process.env.ESCALATE_ADMIN_PASSWORD = "a";
      await expect(startServer({ db: database.location, port: 0 })).rejects.toThrow(
        /ESCALATE_ADMIN_PASSWORD must be at least 12 characters; the server did not start/,
      );
      process.env.ESCALATE_ADMIN_PASSWORD = "violet tractor under 9 moons";
      const server = await startServer({ db: database.location, port: 0 });
      try {
        expect(server.initialAdmin).toEqual({ username: "admin", password: null });
      } finally {
        await server.close();
      }
    } finally {
      if (saved === undefined) delete process.env.ESCALATE_ADMIN_PASSWORD;
      else process.env.ESCALATE_ADMIN_PASSWORD = saved;
      await database.drop();
    }
  });
});

describe.each(DIALECTS)("signatures, accounts and passwords (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  async function decidedDecision() {
    const id = await preparedDecision(server);
    expect((await server.clients.chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    return id;
  }

  it("counts wrong signature passwords toward the sign-in lockout and logs each one", async () => {
    const id = await decidedDecision();
    const { chair } = server.clients;
    for (let i = 0; i < LOCKOUT_FAILURES; i++) {
      const refused = await chair.post(`${T}/decisions/${id}/signature`, { password: `guess ${i}`, meaning: "approval" });
      expect(refused.statusCode).toBe(401);
    }
    // Locked now: the right password is refused too, at signing and at login from this address.
    expect((await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(401);
    expect((await loginFrom(server, "chair", PASSWORD)).statusCode).toBe(401);
    const events = await systemEvents(server);
    expect(events.filter((e) => e.type === "signature.failed")).toHaveLength(LOCKOUT_FAILURES);
    expect(events.filter((e) => e.type === "signature.locked")).toHaveLength(1);
    expect(events.filter((e) => e.type === "signature.refused")).toHaveLength(1);
    // From another address (the chair's own), signing works; the signature shows name, time and meaning.
    const signed = await chair.request("POST", `${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" });
    expect(signed.statusCode).toBe(401); // inject always comes from 127.0.0.1: still locked there
    await server.store.db.deleteFrom("login_attempts").execute(); // the lockout has passed
    const ok = (await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" })).json();
    expect(ok.signatures[0]).toMatchObject({ name: "User chair", meaning: "approval", at: server.clock.now.toISOString() });
    const csv = (await server.clients.auditor.get(`${T}/audit?format=csv`)).body;
    expect(csv).toMatch(/decision\.signed,signature meaning: approval/);
    expect(csv).toMatch(/User chair,medical-monitor,decision\.signed/);
  });

  it("never repeats a password, not even inside a body it refuses whole", async () => {
    const withExtra = await server.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "chair", password: "my secret passphrase", extra: 1 },
    });
    expect(withExtra.statusCode).toBe(400);
    expect(withExtra.body).not.toContain("my secret passphrase");
  });

  it("refuses common, short, repeated and username-based passwords, without repeating them", async () => {
    const { admin } = server.clients;
    for (const password of ["password1234", "            ", "mallorymallory1", "short"]) {
      const response = await admin.post("/api/users", { username: "mallory", name: "Mallory", password });
      expect(response.statusCode, password).toBe(400);
      const issue = response.json().issues[0];
      expect(issue.path).toMatch(/password$/);
      expect(issue).not.toHaveProperty("value");
      expect(response.body).not.toContain(password.trim() || "            ");
    }
    expect(
      (await admin.post("/api/users", { username: "mallory", name: "Mallory", password: "violet tractor under 9 moons" })).statusCode,
    ).toBe(201);
  });

  it("lets users change their password, and administrators reset one, disable an account and end its sessions — each logged", async () => {
    const { admin } = server.clients;
    const mallory = new Client(server.app, "mallory");
    expect((await mallory.login("violet tractor under 9 moons")).statusCode).toBe(200);
    const other = new Client(server.app, "mallory");
    await other.login("violet tractor under 9 moons");
    expect(
      (await mallory.post("/api/auth/password", { currentPassword: "wrong", newPassword: "amber harbour lights 77" })).statusCode,
    ).toBe(401);
    expect(
      (await mallory.post("/api/auth/password", { currentPassword: "violet tractor under 9 moons", newPassword: "password1234" }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await mallory.post("/api/auth/password", {
          currentPassword: "violet tractor under 9 moons",
          newPassword: "amber harbour lights 77",
        })
      ).statusCode,
    ).toBe(200);
    expect((await mallory.get("/api/auth/session")).json().user?.username).toBe("mallory"); // this session stays
    expect((await other.get("/api/auth/session")).json().user).toBeNull(); // the others end
    const id = (await admin.get("/api/users")).json().find((u: { username: string }) => u.username === "mallory").id;
    const token = (await mallory.post("/api/auth/tokens", { name: "laptop" })).json().token as string;
    expect((await admin.post(`/api/users/${id}/password`, { password: "copper kettle sings 12", reason: "forgotten" })).statusCode).toBe(
      200,
    );
    // A reset also revokes the user's API tokens: whoever knew the old password may have made them.
    const probe = await server.app.inject({ method: "GET", url: "/api/auth/session", headers: { authorization: `Bearer ${token}` } });
    expect(probe.json().user).toBeNull();
    expect((await mallory.get("/api/auth/session")).json().user).toBeNull();
    expect((await mallory.login("copper kettle sings 12")).statusCode).toBe(200);
    expect((await admin.post(`/api/users/${id}/sessions/end`, { reason: "laptop lost" })).json()).toEqual({ ended: 1 });
    expect((await admin.post(`/api/users/${id}/disable`, { reason: "left the company" })).statusCode).toBe(200);
    expect((await mallory.login("copper kettle sings 12")).statusCode).toBe(401);
    expect((await admin.post(`/api/users/${id}/enable`, { reason: "back" })).statusCode).toBe(200);
    expect((await mallory.login("copper kettle sings 12")).statusCode).toBe(200);
    expect((await mallory.post("/api/auth/logout", {})).statusCode).toBe(200);
    const types = (await systemEvents(server)).map((e) => e.type);
    for (const type of ["password.changed", "password.reset", "sessions.ended", "user.disabled", "user.enabled", "logout"])
      expect(types).toContain(type);
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });
});

describe.each(DIALECTS)("what the audit trail vouches for (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("keeps one anonymous request with a lone surrogate from breaking the log", async () => {
    const response = await loginFrom(server, "chair\ud800", "x");
    expect(response.statusCode).toBe(400);
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
  });

  it("finds a password hash copied onto another account, and refuses to sign in with it", async () => {
    const db = server.store.db;
    const hashes = await db.selectFrom("credentials").select(["user_id", "password_hash"]).execute();
    const users = await db.selectFrom("entities").select(["id", "parent"]).where("kind", "=", "user").execute();
    const chairId = users.find((u) => u.parent === "chair")!.id;
    const original = hashes.find((h) => h.user_id === chairId)!.password_hash;
    // The attacker knows their own password (that of "stat") and copies its hash onto the chair's account.
    await db
      .updateTable("credentials")
      .set({ password_hash: hashes.find((h) => h.user_id === users.find((u) => u.parent === "stat")!.id)!.password_hash })
      .where("user_id", "=", chairId)
      .execute();
    try {
      expect((await loginFrom(server, "chair", PASSWORD, "10.1.0.1")).statusCode).toBe(401);
      const report = await verifyAudit(db);
      expect(report.ok).toBe(false);
      expect(report.problems).toContain(`credential of user ${chairId}: the stored password hash is not the one logged`);
    } finally {
      await db.updateTable("credentials").set({ password_hash: original }).where("user_id", "=", chairId).execute();
    }
  });

  it("finds an API token row inserted behind the server's back, which does not authenticate", async () => {
    const db = server.store.db;
    const adminId = (
      await db.selectFrom("entities").select("id").where("kind", "=", "user").where("parent", "=", "admin").executeTakeFirstOrThrow()
    ).id;
    const token = `esc_${randomUUID()}`;
    await db
      .insertInto("api_tokens")
      .values({ token_hash: sha256(token), user_id: adminId, name: "backdoor", created_at: new Date().toISOString(), revoked_at: null })
      .execute();
    try {
      expect(
        (await server.app.inject({ method: "GET", url: "/api/users", headers: { authorization: `Bearer ${token}` } })).statusCode,
      ).toBe(401);
      expect((await verifyAudit(db)).problems).toContain(`API token "backdoor" of user ${adminId}: not created through the log`);
    } finally {
      await db.deleteFrom("api_tokens").where("name", "=", "backdoor").execute();
    }
    // A token made through the API works and verifies.
    const created = (await server.clients.stat.post("/api/auth/tokens", { name: "nightly" })).json();
    expect((await server.app.inject({ method: "GET", url: T, headers: { authorization: `Bearer ${created.token}` } })).statusCode).toBe(
      200,
    );
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it("neutralises spreadsheet formulas in the audit CSV", async () => {
    const { invA, auditor } = server.clients;
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("A-001", "2026-02-01") });
    await invA.post(`${T}/patients/A-001/adverse-events`, {
      AETERM: '=HYPERLINK("http://evil.example","click")',
      AETOXGR: 1,
      AEREL: "N",
      AESTDY: 2,
      AECAT: "non-haematological",
    });
    const csv = (await auditor.get(`${T}/audit?format=csv`)).body;
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(csv).toContain(`'=HYPERLINK`.replace("'", "")); // the text is kept, inside the JSON cell
    const reason = '=cmd|" /C calc"!A0';
    const grants = (await server.clients.admin.get(`${T}/grants`)).json() as { id: string; role: string }[];
    await server.clients.admin.delete(`${T}/grants/${encodeURIComponent(grants.find((g) => g.role === "coordinator")!.id)}`, { reason });
    const lines = (await auditor.get(`${T}/audit?format=csv`)).body.split("\n");
    expect(lines.find((l) => l.includes("role.revoked"))).toContain(`'=cmd`);
  });

  it("sends security headers, answers 401 before judging an anonymous body, and logs requests and 500s with their id", async () => {
    const lines: string[] = [];
    const app = await buildApp({ store: server.store, logger: { level: "info", stream: { write: (line) => lines.push(line) } } });
    app.get("/api/test/failure", { config: { public: true } }, async () => {
      throw new Error("boom");
    });
    try {
      const page = await app.inject({ method: "GET", url: "/api/health" });
      expect(page.headers["content-security-policy"]).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      expect(page.headers["content-security-policy"]).toMatch(/script-src 'self';/);
      expect(page.headers["content-security-policy"]).not.toMatch(/upgrade-insecure-requests/);
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      const anonymous = await app.inject({ method: "POST", url: `${T}/slots`, payload: { siteId: 42, extra: true } });
      expect(anonymous.statusCode).toBe(401);
      const failure = await app.inject({ method: "GET", url: "/api/test/failure", headers: { cookie: "escalate_session=secret-cookie" } });
      expect(failure.statusCode).toBe(500);
      expect(failure.json().message).not.toMatch(/boom/);
      const logged = lines.map((line) => JSON.parse(line) as { level: number; reqId?: string; msg?: string; err?: { message: string } });
      expect(logged.some((l) => l.level === 50 && l.err?.message === "boom" && l.reqId)).toBe(true);
      expect(logged.filter((l) => l.msg === "request completed").length).toBeGreaterThanOrEqual(3);
      expect(lines.join("\n")).not.toContain("secret-cookie");
    } finally {
      await app.close();
    }
  });

  it("logs simulation results, so a changed result is found", async () => {
    const { stat } = server.clients;
    const queued = await stat.post("/api/simulations", {
      designs: [{ design: "boin", target: 0.3, doses: 3, cohortSize: 3, cohorts: 4 }],
      scenarios: [{ name: "s", truth: [0.1, 0.2, 0.3] }],
      trials: 50,
      seed: 1,
    });
    expect(queued.statusCode).toBe(202);
    const { startSimulationQueue } = await import("./simulation/queue.js");
    const runner = await startSimulationQueue(server.store, { threads: 1, pollMs: 50 });
    try {
      await expect
        .poll(async () => (await stat.get(`/api/simulations/${queued.json().id}`)).json().status, { timeout: 20_000 })
        .toBe("done");
    } finally {
      await runner.stop();
    }
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
    await sql`update job_results set result = replace(result, '"noMtd":', '"noMtd":0.5,"was":')`.execute(server.store.db);
    expect((await verifyAudit(server.store.db)).problems).toEqual([
      expect.stringMatching(/simulation .*, task 0: the stored result is not the one logged/),
    ]);
  });
});
