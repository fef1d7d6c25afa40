import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpSession, PASSWORD, POSTGRES_URL, serveChild, TRIAL_ID, trialBody } from "./test-support.js";

/**
 * Issue 14: PostgreSQL going away (its postmaster killed mid-burst) fails requests with 503; the server
 * process stays up, serves again once PostgreSQL is back, and no acknowledged write is lost. Runs on a
 * private PostgreSQL cluster of its own, so killing it disturbs no other test. Wherever the suite runs
 * on PostgreSQL (CI always does), the PostgreSQL binaries are there too.
 */
const T = `/api/trials/${TRIAL_ID}`;

function postgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, "bin") : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A throw-away PostgreSQL cluster on loopback (run as the postgres user when we are root, as initdb requires). */
class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly folder: string,
    readonly port: number,
  ) {}

  static async start(bin: string): Promise<PrivatePostgres> {
    const folder = mkdtempSync(join(tmpdir(), "escalate-pg-"));
    if (process.getuid?.() === 0) chownSync(folder, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
    const cluster = new PrivatePostgres(bin, folder, await freePort());
    cluster.run(`'${bin}/initdb' -D '${folder}/data' -A trust -U postgres`);
    await cluster.startServer();
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(command: string): void {
    const asRoot = process.getuid?.() === 0;
    execFileSync(asRoot ? "su" : "sh", asRoot ? ["postgres", "-s", "/bin/sh", "-c", command] : ["-c", command], { stdio: "ignore" });
  }

  /** Starts the server; right after a kill, until the old backends have gone, PostgreSQL refuses, so it is retried. */
  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k '${this.folder}' -c listen_addresses=127.0.0.1 -c fsync=on`;
    for (let attempt = 0; ; attempt++) {
      try {
        this.run(`'${this.bin}/pg_ctl' -D '${this.folder}/data' -l '${this.folder}/server.log' -o "${options}" -w -t 30 start`);
        return;
      } catch (error) {
        if (attempt >= 20)
          throw new Error(`PostgreSQL did not start: ${readFileSync(`${this.folder}/server.log`, "utf8").slice(-2000)}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** kill -9 of the postmaster: no shutdown, its backends die with it. */
  killPostmaster(): void {
    const pid = Number(readFileSync(`${this.folder}/data/postmaster.pid`, "utf8").split("\n")[0]);
    process.kill(pid, "SIGKILL");
  }

  stop(): void {
    try {
      this.run(`'${this.bin}/pg_ctl' -D '${this.folder}/data' -m immediate stop`);
    } catch {
      // already stopped
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}

const bin = POSTGRES_URL ? postgresBinaries() : null;
if (POSTGRES_URL && !bin)
  throw new Error("the suite runs on PostgreSQL, but no PostgreSQL binaries (initdb, pg_ctl) were found under /usr/lib/postgresql");

describe.runIf(bin)("a PostgreSQL outage during a write burst", () => {
  let cluster: PrivatePostgres;
  beforeAll(async () => {
    cluster = await PrivatePostgres.start(bin!);
  }, 60_000);
  afterAll(() => cluster?.stop());

  it("answers 503 while PostgreSQL is down, keeps the server up, serves again when it is back, and loses no acknowledged write", {
    timeout: 120_000,
  }, async () => {
    const { child, base } = await serveChild(cluster.url);
    try {
      const admin = await httpSession(base, "admin");
      expect(
        (await admin("POST", "/api/trials", trialBody({ design: { design: "boin", target: 0.3, cohortSize: 3, cohorts: 10 } }))).status,
      ).toBe(201);
      expect((await admin("POST", "/api/users", { username: "inv", name: "Investigator", password: PASSWORD })).status).toBe(201);
      expect((await admin("POST", `${T}/grants`, { username: "inv", role: "investigator", siteId: "A" })).status).toBe(201);
      const inv = await httpSession(base, "inv");

      // Four writers request places (each one a logged, fsynced event) until PostgreSQL has been killed,
      // restarted, and each of them has had a write acknowledged again.
      const acknowledged: string[] = [];
      const statuses = new Map<number, number>();
      let phase: "before" | "down" | "back" = "before";
      let after = 0;
      const writer = async () => {
        for (;;) {
          const response = await inv("POST", `${T}/slots`, { siteId: "A" });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 201) {
            acknowledged.push(((await response.json()) as { id: string }).id);
            if (phase === "back" && ++after >= 8) return;
          } else {
            await response.text();
          }
          if (phase === "before" && acknowledged.length >= 40) {
            phase = "down";
            cluster.killPostmaster();
          }
        }
      };
      const burst = Promise.all(Array.from({ length: 4 }, writer));
      // Down for a while: every request meanwhile fails with 503 (or waits for a connection, then 503).
      while (phase === "before") await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const health = await fetch(`${base}/api/health`, { headers: { connection: "close" } });
      expect(health.status).toBe(200); // the process is up and answering
      await cluster.startServer();
      phase = "back";
      await burst;

      expect(child.exitCode).toBeNull();
      expect([...statuses.keys()].sort()).toEqual([201, 503]);
      expect(statuses.get(503)).toBeGreaterThan(0);
      // Every acknowledged write is there, and the log verifies.
      const slots = (await (await inv("GET", `${T}/slots`)).json()) as { id: string }[];
      const stored = new Set(slots.map((s) => s.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      const report = (await (await admin("GET", "/api/audit/verify")).json()) as { ok: boolean; problems: string[] };
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
