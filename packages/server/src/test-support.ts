import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { SYSTEM_ACTOR } from "./access.js";
import { buildApp } from "./app.js";
import { createUser } from "./auth/accounts.js";
import { openStore, type Store } from "./db/database.js";

/**
 * The databases the server suite runs against: SQLite always; PostgreSQL when
 * ESCALATE_TEST_POSTGRES_URL names a server (`.ci/run` starts one and sets it, with
 * ESCALATE_REQUIRE_POSTGRES=1 so a missing server fails the run instead of skipping).
 */
export const POSTGRES_URL = process.env.ESCALATE_TEST_POSTGRES_URL;
if (process.env.ESCALATE_REQUIRE_POSTGRES === "1" && !POSTGRES_URL)
  throw new Error("ESCALATE_REQUIRE_POSTGRES=1 but ESCALATE_TEST_POSTGRES_URL is not set");
export const DIALECTS: ("sqlite" | "postgres")[] = POSTGRES_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  location: string;
  drop(): Promise<void>;
}

/** A new empty database: an SQLite file in a temporary folder, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: "sqlite" | "postgres"): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const folder = mkdtempSync(join(tmpdir(), "escalate-test-"));
    return { location: join(folder, "escalate.db"), drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const name = `escalate_test_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return {
    location: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export const PASSWORD = "correct horse battery staple";

/** Users of the test trial: one per role; investigators and the coordinator at sites A and B. */
export const USERS = {
  admin: { role: null, site: undefined },
  stat: { role: "statistician", site: undefined },
  chair: { role: "medical-monitor", site: undefined },
  invA: { role: "investigator", site: "A" },
  coordA: { role: "coordinator", site: "A" },
  invB: { role: "investigator", site: "B" },
  monitor: { role: "monitor", site: undefined },
  auditor: { role: "auditor", site: undefined },
} as const;
export type Username = keyof typeof USERS;

export const TRIAL_ID = "T-001";
export const trialBody = (
  overrides: { design?: Record<string, unknown>; reservationHours?: number; signaturesRequired?: number } = {},
) => ({
  compound: { name: "ESC-101", antibody: "anti-HER2", target: "HER2", payload: "DM1" },
  trial: {
    id: TRIAL_ID,
    title: "Test dose escalation",
    schedule: { cycleDays: 21, days: [1] },
    doseLevels: [
      { level: 1, amount: 1.2, unit: "mg/kg" },
      { level: 2, amount: 2.4, unit: "mg/kg" },
      { level: 3, amount: 3.6, unit: "mg/kg" },
    ],
    dlt: {
      windowDays: 21,
      requiredDoses: 1,
      rules: [{ category: "non-haematological", minGrade: 3, label: "grade ≥ 3 non-haematological" }],
    },
    design: overrides.design ?? { design: "three-plus-three" },
  },
  sites: [
    { id: "A", name: "Site A" },
    { id: "B", name: "Site B" },
  ],
  conduct: { reservationHours: overrides.reservationHours ?? 48, signaturesRequired: overrides.signaturesRequired ?? 1 },
});

/** A client that logs in like a browser: keeps the session cookie and sends the CSRF token on writes. */
export class Client {
  cookie = "";
  csrf = "";
  constructor(
    readonly app: FastifyInstance,
    readonly username: string,
  ) {}

  async login(password = PASSWORD) {
    const response = await this.app.inject({ method: "POST", url: "/api/auth/login", payload: { username: this.username, password } });
    if (response.statusCode === 200) {
      this.cookie = String(response.headers["set-cookie"]).split(";")[0]!;
      this.csrf = response.json().csrfToken;
    }
    return response;
  }

  request(method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown, headers: Record<string, string> = {}) {
    return this.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      headers: {
        cookie: this.cookie,
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...(method === "GET" ? {} : { "x-csrf-token": this.csrf }),
        ...headers,
      },
    });
  }
  get = (url: string) => this.request("GET", url);
  post = (url: string, payload: unknown = {}) => this.request("POST", url, payload);
  put = (url: string, payload: unknown) => this.request("PUT", url, payload);
  delete = (url: string, payload: unknown) => this.request("DELETE", url, payload);
}

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  /** The database: an SQLite file or a postgres:// URL. */
  location: string;
  clock: { now: Date };
  clients: Record<Username, Client>;
  close(): Promise<void>;
}

/** A server with the test users and (unless `trial: false`) the test trial with their grants. */
export async function createTestServer(
  dialect: "sqlite" | "postgres",
  options: {
    trial?: boolean;
    design?: Record<string, unknown>;
    reservationHours?: number;
    signaturesRequired?: number;
    loginRateLimit?: number;
    /** Serve the built web app too (for looking at screens). */
    webRoot?: string;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase(dialect);
  const store = await openStore(database.location);
  const clock = { now: new Date("2026-03-01T09:00:00Z") };
  const app = await buildApp({ store, now: () => clock.now, loginRateLimit: options.loginRateLimit ?? 1000, webRoot: options.webRoot });
  for (const username of Object.keys(USERS) as Username[]) {
    await createUser(
      store.db,
      SYSTEM_ACTOR,
      { username, name: `User ${username}`, password: PASSWORD, admin: username === "admin" },
      clock.now,
    );
  }
  const clients = Object.fromEntries((Object.keys(USERS) as Username[]).map((u) => [u, new Client(app, u)])) as Record<Username, Client>;
  if (options.trial !== false) {
    await clients.admin.login();
    const created = await clients.admin.post("/api/trials", trialBody(options));
    if (created.statusCode !== 201) throw new Error(`test trial: ${created.body}`);
    for (const [username, spec] of Object.entries(USERS)) {
      if (!spec.role) continue;
      const granted = await clients.admin.post(`/api/trials/${TRIAL_ID}/grants`, {
        username,
        role: spec.role,
        ...(spec.site ? { siteId: spec.site } : {}),
      });
      if (granted.statusCode !== 201) throw new Error(`grant: ${granted.body}`);
    }
    for (const [username, client] of Object.entries(clients)) if (username !== "admin") await client.login();
  }
  return {
    app,
    store,
    location: database.location,
    clock,
    clients,
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}

export const patient = (USUBJID: string, RFXSTDTC = "2026-03-02") => ({ USUBJID, AGE: 60, SEX: "F", WEIGHT: 70, HEIGHT: 165, RFXSTDTC });

/**
 * Fills cohort 1 of the test trial (A-001, A-002 at site A, B-001 at B, first dose 2026-02-01, each
 * dosed on day 1, no DLT) and prepares the escalation meeting; returns the decision's id.
 */
export async function preparedDecision(server: TestServer): Promise<string> {
  const { invA, invB, stat } = server.clients;
  for (const [client, id, site] of [
    [invA, "A-001", "A"],
    [invA, "A-002", "A"],
    [invB, "B-001", "B"],
  ] as const) {
    const slot = (await client.post(`/api/trials/${TRIAL_ID}/slots`, { siteId: site })).json();
    await client.post(`/api/trials/${TRIAL_ID}/slots/${slot.id}/confirm`, { patient: patient(id, "2026-02-01") });
    await client.post(`/api/trials/${TRIAL_ID}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: 84 });
  }
  const prepared = await stat.post(`/api/trials/${TRIAL_ID}/decisions`);
  if (prepared.statusCode !== 201) throw new Error(`decision: ${prepared.body}`);
  return String(prepared.json().id);
}

/**
 * BOIN with one cohort at dose 2: it stops after cohort 1 and selects dose 2, so doses 1 and 2 are
 * randomized (minimization on ECOG, an interim at one patient per arm).
 */
export const RANDOMIZED_DESIGN = {
  design: "boin",
  target: 0.3,
  doses: 3,
  startDose: 2,
  cohorts: 1,
  rules: [
    {
      type: "randomized",
      perArm: 2,
      boundary: 0,
      interim: { perArm: 1, boundary: 0 },
      allocation: { method: "minimization", factors: { ecog: ["0", "1"] } },
    },
  ],
};

/** A randomization secret stored before the stage opens (the server keeps it), so allocations are reproducible. */
export const TEST_RANDOMIZATION_SECRET = "5eed".repeat(16);

export async function storeRandomizationSecret(server: TestServer): Promise<void> {
  await server.store.db
    .insertInto("randomization_secrets")
    .values({ trial_id: TRIAL_ID, seed: TEST_RANDOMIZATION_SECRET, created_at: "2026-03-01T09:00:00Z" })
    .execute();
}

/**
 * Treats cohort 1 of a RANDOMIZED_DESIGN trial at dose 2 (A-001…A-003 at site A, first dose 2026-01-10,
 * 168 mg = 2.4 mg/kg × 70 kg, no DLT) and prepares the meeting; returns the decision's id.
 */
export async function treatCohortOneAtDoseTwo(server: TestServer): Promise<string> {
  const { invA, stat } = server.clients;
  for (const id of ["A-001", "A-002", "A-003"]) {
    const slot = (await invA.post(`/api/trials/${TRIAL_ID}/slots`, { siteId: "A" })).json();
    const registered = await invA.post(`/api/trials/${TRIAL_ID}/slots/${slot.id}/confirm`, { patient: patient(id, "2026-01-10") });
    if (registered.statusCode !== 201) throw new Error(`register ${id}: ${registered.body}`);
    const dosed = await invA.post(`/api/trials/${TRIAL_ID}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: 168 });
    if (dosed.statusCode !== 201) throw new Error(`dose ${id}: ${dosed.body}`);
  }
  const prepared = await stat.post(`/api/trials/${TRIAL_ID}/decisions`);
  if (prepared.statusCode !== 201) throw new Error(`decision: ${prepared.body}`);
  return String(prepared.json().id);
}

/**
 * A logged-in HTTP session against a real listening server. Every request asks for its own connection
 * (`connection: close`): when a server is closed or killed, fetch has no pooled keep-alive socket for
 * it to tear down under the client, which on a loaded machine surfaced as unhandled socket errors.
 */
export async function httpSession(base: string, username: string, password = PASSWORD) {
  const response = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", connection: "close" },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        cookie,
        "x-csrf-token": csrfToken,
        connection: "close",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));

/** Starts `escalate serve` in a child process and resolves with its address once it listens. */
export function serveChild(db: string): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=source", CLI, "serve", "--db", db, "--port", "0", "--threads", "1"],
      {
        env: { ...process.env, ESCALATE_ADMIN_PASSWORD: PASSWORD },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk;
      const match = output.match(/Escalate server on (http:\/\/\S+)/);
      if (match) resolve({ child, base: match[1]! });
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
}
