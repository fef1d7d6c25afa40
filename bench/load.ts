// Server load: N concurrent clients (investigators at two sites, each with a session over keep-alive
// HTTP on loopback) record adverse events for a fixed time. Every write appends to the trial's hash
// chain, so this measures the serialised path a busy trial takes. Reports throughput and p50/p99
// latency for SQLite and, when ESCALATE_BENCH_POSTGRES_URL names a server, for PostgreSQL.
//   node bench/load.js [clients=16] [seconds=10]
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, createUser, openStore, SYSTEM_ACTOR, verifyAudit } from "@escalate/server";
import pg from "pg";

const PASSWORD = "load benchmark password";
const TRIAL = {
  compound: { name: "LOAD-1", antibody: "anti-HER2", target: "HER2", payload: "DM1" },
  trial: {
    id: "LOAD-001",
    title: "Load benchmark",
    schedule: { cycleDays: 21, days: [1] },
    doseLevels: [1.2, 2.4, 3.6].map((amount, i) => ({ level: i + 1, amount, unit: "mg/kg" })),
    dlt: { windowDays: 21, requiredDoses: 1, rules: [{ category: "non-haematological", minGrade: 3, label: "grade ≥ 3" }] },
    design: { design: "three-plus-three" },
  },
  sites: [
    { id: "A", name: "Site A" },
    { id: "B", name: "Site B" },
  ],
};

class Session {
  cookie = "";
  csrf = "";
  constructor(readonly base: string) {}
  async login(username: string): Promise<void> {
    const response = await this.send("POST", "/api/auth/login", { username, password: PASSWORD });
    this.cookie = response.headers.get("set-cookie")!.split(";")[0]!;
    this.csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
  }
  async send(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { "content-type": "application/json", cookie: this.cookie, "x-csrf-token": this.csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }
}

/** A fresh scratch database on the PostgreSQL server, dropped afterwards. */
async function scratchPostgres(url: string): Promise<{ location: string; drop(): Promise<void> }> {
  const name = `escalate_bench_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const location = new URL(url);
  location.pathname = `/${name}`;
  return {
    location: location.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface LoadOptions {
  clients?: number;
  seconds?: number;
}

export interface LoadResult {
  name: string;
  dialect: string;
  clients: number;
  seconds: number;
  writes: number;
  failures: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  auditVerified: boolean;
  /** Baselines measured on the same server in the same run: the same clients' session requests per second (the lightest authenticated request), and one client's write latency alone. */
  readThroughput: number;
  singleClientP50Ms: number;
}

/** Every session sends `request` in a loop until `seconds` have passed; returns the sorted latencies, failures and elapsed seconds. */
async function hammer<T>(
  sessions: T[],
  seconds: number,
  request: (session: T, client: number, i: number) => Promise<unknown>,
): Promise<{ latencies: number[]; failures: number; elapsed: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    sessions.map(async (session, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        try {
          await request(session, client, i);
          latencies.push(performance.now() - t0);
        } catch {
          failures++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { latencies, failures, elapsed: (performance.now() - start) / 1000 };
}

export async function loadBenchmark(
  location: string,
  dialect: string,
  { clients = 16, seconds = 10 }: LoadOptions = {},
): Promise<LoadResult> {
  const store = await openStore(location);
  const app = await buildApp({ store, loginRateLimit: 1_000_000 });
  try {
    await createUser(store.db, SYSTEM_ACTOR, { username: "admin", name: "Admin", password: PASSWORD, admin: true }, new Date());
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const admin = new Session(base);
    await admin.login("admin");
    await admin.send("POST", "/api/trials", TRIAL);
    const T = `/api/trials/${TRIAL.trial.id}`;
    const sessions: { session: Session; site: string }[] = [];
    for (let c = 0; c < clients; c++) {
      const username = `inv${c}`;
      const site = c % 2 === 0 ? "A" : "B";
      await admin.send("POST", "/api/users", { username, name: `Investigator ${c}`, password: PASSWORD });
      await admin.send("POST", `${T}/grants`, { username, role: "investigator", siteId: site });
      const session = new Session(base);
      await session.login(username);
      sessions.push({ session, site });
    }
    // One patient per site in the first cohort; every client writes for its site's patient.
    for (const site of new Set(sessions.map((s) => s.site))) {
      const { session } = sessions.find((s) => s.site === site)!;
      const slot = (await (await session.send("POST", `${T}/slots`, { siteId: site })).json()) as { id: string };
      await session.send("POST", `${T}/slots/${slot.id}/confirm`, {
        patient: { USUBJID: `${site}-001`, AGE: 60, SEX: "F", WEIGHT: 70, HEIGHT: 165, RFXSTDTC: "2026-03-02" },
      });
    }
    const writeAdverseEvent = ({ session, site }: (typeof sessions)[number], c: number, i: number) =>
      session.send("POST", `${T}/patients/${site}-001/adverse-events`, {
        AETERM: "Nausea",
        AETOXGR: 1 + ((c + i) % 2),
        AEREL: "Y",
        AESTDY: 1 + (i % 20),
        AECAT: "non-haematological",
      });
    const { latencies, failures, elapsed } = await hammer(sessions, seconds, writeAdverseEvent);
    // Baselines in the same run: the same clients sending the lightest authenticated request (their
    // session: HTTP, cookie, session lookup), and one client writing with nobody else.
    const baselineSeconds = Math.max(1, seconds / 5);
    const reads = await hammer(sessions, baselineSeconds, ({ session }) =>
      session.send("GET", "/api/auth/session").then((response) => response.arrayBuffer()),
    );
    const alone = await hammer(sessions.slice(0, 1), baselineSeconds, writeAdverseEvent);
    const audit = await verifyAudit(store.db);
    return {
      name: `Server load, ${dialect}: ${clients} clients recording adverse events for ${seconds} s`,
      dialect,
      clients,
      seconds: elapsed,
      writes: latencies.length,
      failures,
      throughput: latencies.length / elapsed,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      auditVerified: audit.ok,
      readThroughput: reads.latencies.length / reads.elapsed,
      singleClientP50Ms: percentile(alone.latencies, 50),
    };
  } finally {
    await app.close();
    await store.close();
  }
}

/** Runs the load benchmark on SQLite and, if configured, PostgreSQL. */
export async function loadBenchmarks(options: LoadOptions): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const folder = mkdtempSync(join(tmpdir(), "escalate-load-"));
  try {
    results.push(await loadBenchmark(join(folder, "load.db"), "SQLite", options));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const url = process.env.ESCALATE_BENCH_POSTGRES_URL;
  if (url) {
    const database = await scratchPostgres(url);
    try {
      results.push(await loadBenchmark(database.location, "PostgreSQL", options));
    } finally {
      await database.drop();
    }
  }
  return results;
}

export function formatLoad(results: LoadResult[]): string {
  const lines = ["database     clients  writes   writes/s  ÷ bare/s   p50 ms  ÷ 1 client   p99 ms  failures  audit"];
  for (const r of results)
    lines.push(
      [
        r.dialect.padEnd(11),
        String(r.clients).padStart(8),
        String(r.writes).padStart(7),
        r.throughput.toFixed(0).padStart(10),
        `${(r.throughput / r.readThroughput).toFixed(2)}×`.padStart(9),
        r.p50Ms.toFixed(1).padStart(8),
        `${(r.p50Ms / r.singleClientP50Ms).toFixed(1)}×`.padStart(11),
        r.p99Ms.toFixed(1).padStart(8),
        String(r.failures).padStart(9),
        r.auditVerified ? "  verifies" : "  BROKEN",
      ].join(" "),
    );
  lines.push(
    "(÷ bare/s: write throughput as a ratio of the same clients' lightest authenticated request, their session, on the same server in the same run; ÷ 1 client: the median write latency as a ratio of one client writing alone)",
  );
  if (!process.env.ESCALATE_BENCH_POSTGRES_URL) lines.push("(set ESCALATE_BENCH_POSTGRES_URL=postgres://… to include PostgreSQL)");
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [clients = "16", seconds = "10"] = process.argv.slice(2);
  console.log(formatLoad(await loadBenchmarks({ clients: Number(clients), seconds: Number(seconds) })));
}
