// Server reads as a trial grows: the patient list (every patient's DLT window, computed from the whole
// trial's analysis) and one patient's view, at 10,000 records, over loopback HTTP. The analysis is
// computed once per trial version: "after a write" is the first read after a change (it analyses the
// trial afresh), "steady" every read after it; the ratio is what computing once per version saves.
//   node bench/reads.js [records=10000]
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, createUser, openStore, SYSTEM_ACTOR } from "@escalate/server";
// The bench fills the trial through the event log directly (one transaction per patient): through the
// API, 10,000 fsynced writes would take most of a minute and measure the writes, not the reads.
import { appendEvent } from "../packages/server/dist/audit/events.js";

const PASSWORD = "read benchmark password";
const PATIENTS = 20;
const TRIAL = {
  compound: { name: "READ-1" },
  trial: {
    id: "READ-001",
    schedule: { cycleDays: 21, days: [1] },
    doseLevels: [1.2, 2.4, 3.6].map((amount, i) => ({ level: i + 1, amount, unit: "mg/kg" })),
    dlt: { windowDays: 21, requiredDoses: 1, rules: [{ category: "non-haematological", minGrade: 3 }] },
    design: { design: "boin", target: 0.3, cohortSize: 20, cohorts: 3 },
  },
  sites: [{ id: "A", name: "Site A" }],
};

interface Session {
  cookie: string;
  csrf: string;
}

async function send(base: string, session: Session, method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", cookie: session.cookie, "x-csrf-token": session.csrf },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

async function login(base: string, username: string): Promise<Session> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  return { cookie: response.headers.get("set-cookie")!.split(";")[0]!, csrf: ((await response.json()) as { csrfToken: string }).csrfToken };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface ReadTiming {
  afterWriteMs: number;
  steadyMs: number;
  bytes: number;
}
export interface ReadResult {
  records: number;
  patients: number;
  list: ReadTiming;
  view: ReadTiming;
}

export async function readBenchmark({ records = 10_000 }: { records?: number } = {}): Promise<ReadResult> {
  const folder = mkdtempSync(join(tmpdir(), "escalate-reads-"));
  const store = await openStore(join(folder, "reads.db"));
  const app = await buildApp({ store, loginRateLimit: 1_000_000 });
  try {
    await createUser(store.db, SYSTEM_ACTOR, { username: "admin", name: "Admin", password: PASSWORD, admin: true }, new Date());
    await createUser(store.db, SYSTEM_ACTOR, { username: "inv", name: "Investigator", password: PASSWORD }, new Date());
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const admin = await login(base, "admin");
    await send(base, admin, "POST", "/api/trials", TRIAL);
    const T = `/api/trials/${TRIAL.trial.id}`;
    await send(base, admin, "POST", `${T}/grants`, { username: "inv", role: "investigator", siteId: "A" });
    const inv = await login(base, "inv");
    const actor = { id: "bench", name: "Bench", role: "investigator@A" };
    const perPatient = Math.ceil(records / PATIENTS);
    for (let p = 1; p <= PATIENTS; p++) {
      const USUBJID = `A-${String(p).padStart(3, "0")}`;
      const slot = (await (await send(base, inv, "POST", `${T}/slots`, { siteId: "A" })).json()) as { id: string };
      await send(base, inv, "POST", `${T}/slots/${slot.id}/confirm`, {
        patient: { USUBJID, AGE: 60, SEX: "F", WEIGHT: 70, HEIGHT: 165, RFXSTDTC: "2026-01-05" },
      });
      await store.db.transaction().execute(async (tx) => {
        for (let i = 0; i < perPatient; i++) {
          const lab = i % 3 === 0;
          const data = lab
            ? { USUBJID, LBTESTCD: "PLAT", LBSTRESN: 90 + (i % 60), LBSTRESU: "10^9/L", LBSTNRLO: 150, LBDY: 1 + (i % 60) }
            : {
                USUBJID,
                AETERM: `Event ${i % 40}`,
                AETOXGR: 1 + (i % 2),
                AEREL: "N",
                AESER: "N",
                AESTDY: 2 + (i % 60),
                AECAT: "non-haematological",
              };
          await appendEvent(tx, {
            chain: TRIAL.trial.id,
            actor,
            type: lab ? "lab.recorded" : "adverseEvent.recorded",
            subject: USUBJID,
            siteId: "A",
            at: new Date(),
            changes: [
              {
                kind: lab ? "lab" : "adverseEvent",
                trialId: TRIAL.trial.id,
                id: randomUUID(),
                after: { siteId: "A", parent: USUBJID, status: null, data },
              },
            ],
          });
        }
      });
    }
    const time = async (path: string) => {
      const t0 = performance.now();
      const response = await send(base, inv, "GET", path);
      const bytes = (await response.arrayBuffer()).byteLength;
      return { ms: performance.now() - t0, bytes };
    };
    const timings: Record<"list" | "view", ReadTiming> = {} as Record<"list" | "view", ReadTiming>;
    for (const [name, path] of [
      ["list", `${T}/patients`],
      ["view", `${T}/patients/A-007`],
    ] as const) {
      const afterWrite: number[] = [];
      const steady: number[] = [];
      let bytes = 0;
      for (let round = 0; round < 7; round++) {
        // A write (a new trial version), then the first read, then steady reads of that version.
        await send(base, inv, "POST", `${T}/slots`, { siteId: "A" });
        afterWrite.push((await time(path)).ms);
        for (let i = 0; i < 5; i++) {
          const read = await time(path);
          steady.push(read.ms);
          bytes = read.bytes;
        }
      }
      timings[name] = { afterWriteMs: median(afterWrite.slice(1)), steadyMs: median(steady.slice(5)), bytes };
    }
    return { records: perPatient * PATIENTS, patients: PATIENTS, ...timings };
  } finally {
    await app.close();
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

export function formatReads(r: ReadResult): string {
  const row = (label: string, x: ReadTiming) =>
    `${label.padEnd(22)} ${x.afterWriteMs.toFixed(1).padStart(14)} ${x.steadyMs.toFixed(1).padStart(10)} ${(x.afterWriteMs / x.steadyMs).toFixed(0).padStart(6)}× ${(x.bytes / 1024).toFixed(0).padStart(7)} kB`;
  return [
    `SQLite, ${r.patients} patients, ${r.records.toLocaleString("en")} records (median ms per request)`,
    `${"read".padEnd(22)} ${"after a write".padStart(14)} ${"steady".padStart(10)}  ratio  response`,
    row("patient list", r.list),
    row("one patient's view", r.view),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [records = "10000"] = process.argv.slice(2);
  console.log(formatReads(await readBenchmark({ records: Number(records) })));
}
