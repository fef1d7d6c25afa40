import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDesign, simulate } from "@escalate/core";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "./access.js";
import { verifyAudit } from "./audit/verify.js";
import { openStore } from "./db/database.js";
import { migrateTo } from "./db/migrations.js";
import { getJob, logSimulationDigests, recordShardFailure, resultDigests, runShard, SHARD_BLOCKS, shardsOf } from "./simulation/jobs.js";
import { startSimulationQueue } from "./simulation/queue.js";
import { createTestServer, DIALECTS, type TestServer } from "./test-support.js";

const STUDY = {
  designs: [
    { design: "boin", target: 0.3, doses: 3, cohortSize: 3, cohorts: 6 },
    { design: "three-plus-three", doses: 3 },
  ],
  scenarios: [
    { name: "safe", truth: [0.05, 0.1, 0.2] },
    { name: "toxic", truth: [0.3, 0.45, 0.6] },
  ],
  // Three shards per task: two of 10,000 trials and one of 5,000.
  trials: 25_000,
  seed: 20261123,
};

async function finished(server: TestServer, id: string) {
  for (let i = 0; i < 1200; i++) {
    const job = (await server.clients.stat.get(`/api/simulations/${id}`)).json();
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the simulation study did not finish");
}

async function queues(server: TestServer, names: string[]) {
  const started = [];
  for (const worker of names) started.push(await startSimulationQueue(server.store, { threads: 1, worker, pollMs: 20 }));
  return started;
}

describe.each(DIALECTS)("simulation studies (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("runs designs × scenarios in shards over two workers, with exactly the single-process result", async () => {
    const queued = await server.clients.stat.post("/api/simulations", STUDY);
    expect(queued.statusCode).toBe(202);
    // Two workers (as two machines would be) share the shards; on PostgreSQL through pg-boss.
    const workers = await queues(server, ["one", "two"]);
    try {
      const job = await finished(server, queued.json().id);
      expect(job.status).toBe("done");
      expect(job.tasks.map((t: { design: number; scenario: string }) => `${t.design}/${t.scenario}`)).toEqual([
        "1/safe",
        "1/toxic",
        "2/safe",
        "2/toxic",
      ]);
      for (const task of job.tasks) {
        const expected = simulate(createDesign(STUDY.designs[task.design - 1]!), {
          truth: STUDY.scenarios.find((s) => s.name === task.scenario)!.truth,
          trials: STUDY.trials,
          seed: STUDY.seed,
        });
        // Bit for bit: every block's sums added in block order, whichever worker ran which shard.
        expect(task.result).toEqual(JSON.parse(JSON.stringify(expected)));
        expect(task.shards).toEqual({ done: 3, total: 3 });
        expect(["one", "two"]).toContain(task.worker);
      }
      // Finished tasks keep their result only: their shards' block sums are gone.
      expect(await server.store.db.selectFrom("job_shards").selectAll().where("job_id", "=", queued.json().id).execute()).toEqual([]);
      expect((await verifyAudit(server.store.db)).problems).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 60_000);

  it("closes every study when workers finish its last shards at the same moment", async () => {
    const tiny = {
      ...STUDY,
      designs: [STUDY.designs[1]!],
      scenarios: Array.from({ length: 12 }, (_, i) => ({ name: `s${i}`, truth: [0.05, 0.1 + i / 100, 0.3] })),
      trials: 20,
    };
    const ids = [];
    for (let j = 0; j < 5; j++) ids.push((await server.clients.stat.post("/api/simulations", { ...tiny, seed: j })).json().id);
    const workers = await queues(server, ["r1", "r2", "r3", "r4"]);
    try {
      for (const id of ids) expect((await finished(server, id)).status).toBe("done");
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 60_000);

  it("fails a task whose shard failed for good, with its error, and the study once every task is finished", async () => {
    const small = { ...STUDY, designs: [STUDY.designs[0]!], trials: 200 };
    const id = (await server.clients.stat.post("/api/simulations", small)).json().id;
    const [broken, fine] = shardsOf(id, small);
    await recordShardFailure(server.store.db, broken!, "w", "out of memory");
    expect(await runShard(server.store.db, broken!, "w", 1)).toBe("skipped"); // its task is finished: failed
    expect(await runShard(server.store.db, fine!, "w", 1)).toBe("done");
    const job = (await server.clients.stat.get(`/api/simulations/${id}`)).json();
    expect(job.status).toBe("failed");
    expect(job.tasks.map((t: { status: string; error: string | null }) => [t.status, t.error])).toEqual([
      ["failed", "out of memory"],
      ["done", null],
    ]);
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });

  it("lists the caller's studies with their progress, cancels a queued one, and keeps it cancelled", async () => {
    const { stat, invA, admin } = server.clients;
    const id = (await stat.post("/api/simulations", STUDY)).json().id;
    const listed = (await stat.get("/api/simulations")).json();
    expect(listed.find((j: { id: string }) => j.id === id)).toMatchObject({
      id,
      status: "queued",
      designs: 2,
      scenarios: ["safe", "toxic"],
      tasks: { total: 4, done: 0 },
    });
    expect((await invA.get("/api/simulations")).json()).toEqual([]);
    expect((await admin.get("/api/simulations")).json().map((j: { id: string }) => j.id)).toContain(id);
    expect((await invA.post(`/api/simulations/${id}/cancel`, {})).statusCode).toBe(403);
    const cancelled = await stat.post(`/api/simulations/${id}/cancel`, {});
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe("cancelled");
    expect(new Set(cancelled.json().tasks.map((t: { status: string }) => t.status))).toEqual(new Set(["cancelled"]));
    const again = await stat.post(`/api/simulations/${id}/cancel`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/cancelled: only a queued or running study/);
    // A worker finds nothing to do in it, and the log records who cancelled it.
    const workers = await queues(server, ["late"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(workers.map((w) => w.stop()));
    expect((await stat.get(`/api/simulations/${id}`)).json().status).toBe("cancelled");
    const events = await server.store.db
      .selectFrom("events")
      .select(["type", "actor_name"])
      .where("type", "=", "simulation.cancelled")
      .execute();
    expect(events.map((e) => e.actor_name)).toContain("User stat");
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  }, 30_000);

  it("stores nothing from a shard of a study cancelled before it finished", async () => {
    const small = { ...STUDY, designs: [STUDY.designs[0]!], scenarios: [STUDY.scenarios[0]!], trials: 200 };
    const id = (await server.clients.stat.post("/api/simulations", small)).json().id;
    const cancel = await server.clients.stat.post(`/api/simulations/${id}/cancel`, {});
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(await runShard(server.store.db, shardsOf(id, small)[0]!, "busy", 1)).toBe("skipped");
    const job = (await server.clients.stat.get(`/api/simulations/${id}`)).json();
    expect(job.status).toBe("cancelled");
    expect(job.tasks[0]).toMatchObject({ status: "cancelled", result: null, shards: { done: 0, total: 1 } });
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });

  it("stops a running shard at its next block when its study is cancelled, rather than running it to the end", async () => {
    // A shard of 10,000 TITE-CRM trials of 30 patients takes seconds on one thread; the cancellation is seen within half a second.
    const slow = {
      designs: [
        { design: "tite-crm", target: 0.25, doses: 6, cohortSize: 1, cohorts: 30, skeleton: [0.05, 0.1, 0.2, 0.3, 0.45, 0.6], window: 90 },
      ],
      scenarios: [{ name: "safe", truth: [0.05, 0.1, 0.2, 0.3, 0.45, 0.6] }],
      trials: SHARD_BLOCKS * 1000,
      seed: 1,
    };
    const id = (await server.clients.stat.post("/api/simulations", slow)).json().id;
    const started = Date.now();
    const running = runShard(server.store.db, shardsOf(id, slow)[0]!, "busy", 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await server.clients.stat.post(`/api/simulations/${id}/cancel`, {})).statusCode).toBe(200);
    expect(await running).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await server.clients.stat.get(`/api/simulations/${id}`)).json().tasks[0]).toMatchObject({ status: "cancelled", result: null });
  }, 20_000);

  it("refuses a study whose scenarios do not fit its designs, naming the field", async () => {
    const bad = await server.clients.stat.post("/api/simulations", { ...STUDY, scenarios: [{ name: "short", truth: [0.1, 0.2] }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe("scenarios.0.truth");
    expect((await server.clients.invA.post("/api/simulations", STUDY)).statusCode).toBe(403);
  });

  it("serves the OpenAPI document built from the shared schemas", async () => {
    const document = (await server.app.inject({ method: "GET", url: "/api/docs/json" })).json();
    expect(document.openapi).toMatch(/^3\./);
    const confirm = document.paths["/api/trials/{trialId}/slots/{slotId}/confirm"].post;
    const patient = confirm.requestBody.content["application/json"].schema.properties.patient;
    expect(patient.required).toEqual(expect.arrayContaining(["USUBJID", "WEIGHT", "HEIGHT", "RFXSTDTC"]));
    expect((await server.app.inject({ method: "GET", url: "/api/docs" })).statusCode).toBeLessThan(400);
    expect((await server.app.inject({ method: "GET", url: "/" })).headers.location).toBe("/api/docs");
  });
});

describe("studies from before shards", () => {
  it("keep their results and errors when the task table is retired, and still verify", async () => {
    const folder = mkdtempSync(join(tmpdir(), "escalate-migrate-"));
    try {
      const file = join(folder, "old.db");
      // A database as version 0006 left it: one study done, its two tasks in the task table.
      const old = new Kysely<never>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
      await migrateTo(old, "0006-randomization-secrets");
      const request = { ...STUDY, designs: [STUDY.designs[0]!], trials: 100 };
      const result = JSON.stringify(
        simulate(createDesign(request.designs[0]!), { truth: request.scenarios[0]!.truth, trials: 100, seed: request.seed }),
      );
      // biome-ignore lint/suspicious/noExplicitAny: the retired table is no longer in the schema's types.
      const db = old as unknown as Kysely<any>;
      await db
        .insertInto("jobs")
        .values({
          id: "00000000-0000-4000-8000-000000000001",
          trial_id: null,
          owner: "u",
          request: JSON.stringify(request),
          status: "failed",
          created_at: "2026-01-01T00:00:00Z",
          finished_at: "2026-01-01T00:01:00Z",
        })
        .execute();
      await db
        .insertInto("job_tasks")
        .values([
          {
            job_id: "00000000-0000-4000-8000-000000000001",
            task: 0,
            status: "done",
            worker: "old-worker",
            claimed_at: null,
            result,
            error: null,
          },
          {
            job_id: "00000000-0000-4000-8000-000000000001",
            task: 1,
            status: "failed",
            worker: "old-worker",
            claimed_at: null,
            result: null,
            error: "it broke",
          },
        ])
        .execute();
      await db.transaction().execute((tx) =>
        logSimulationDigests(tx, {
          jobId: "00000000-0000-4000-8000-000000000001",
          trialId: null,
          status: "failed",
          at: new Date("2026-01-01T00:01:00Z"),
          type: "simulation.failed",
          actor: SYSTEM_ACTOR,
          digests: resultDigests([{ task: 0, result }]),
        }),
      );
      await old.destroy();
      const store = await openStore(file);
      try {
        const job = await getJob(store.db, "00000000-0000-4000-8000-000000000001");
        expect(job.tasks.map((t) => [t.status, t.worker, t.error])).toEqual([
          ["done", "old-worker", null],
          ["failed", "old-worker", "it broke"],
        ]);
        expect(JSON.stringify(job.tasks[0]!.result)).toBe(result);
        expect((await verifyAudit(store.db)).problems).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
