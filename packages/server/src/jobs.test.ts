import { createDesign, simulate } from "@escalate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "./audit/verify.js";
import { claimTask, runTask, startJobRunner, TASK_LEASE_MS } from "./simulation/jobs.js";
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
  trials: 1500,
  seed: 20261123,
};

async function finished(server: TestServer, id: string) {
  for (let i = 0; i < 600; i++) {
    const job = (await server.clients.stat.get(`/api/simulations/${id}`)).json();
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the simulation job did not finish");
}

describe.each(DIALECTS)("simulation jobs (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("runs designs × scenarios from the seed, reproducibly, shared by several runners", async () => {
    const queued = await server.clients.stat.post("/api/simulations", STUDY);
    expect(queued.statusCode).toBe(202);
    // Two runners (as two worker processes would) share the tasks; each task runs exactly once.
    const runners = [
      startJobRunner(server.store.db, { threads: 1, pollMs: 20, worker: "one" }),
      startJobRunner(server.store.db, { threads: 1, pollMs: 20, worker: "two" }),
    ];
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
        expect(task.result).toEqual(JSON.parse(JSON.stringify(expected)));
        expect(["one", "two"]).toContain(task.worker);
      }
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  });

  it("closes every job when runners finish its last tasks at the same moment", async () => {
    const tiny = {
      ...STUDY,
      designs: [STUDY.designs[1]!],
      scenarios: Array.from({ length: 12 }, (_, i) => ({ name: `s${i}`, truth: [0.05, 0.1 + i / 100, 0.3] })),
      trials: 20,
    };
    const runners = [1, 2, 3, 4].map((n) => startJobRunner(server.store.db, { threads: 1, pollMs: 5, worker: `r${n}` }));
    try {
      const ids = [];
      for (let j = 0; j < 5; j++) ids.push((await server.clients.stat.post("/api/simulations", { ...tiny, seed: j })).json().id);
      for (const id of ids) expect((await finished(server, id)).status).toBe("done");
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  });

  it("takes over a task whose runner died, once its lease has expired", async () => {
    const small = { ...STUDY, designs: [STUDY.designs[0]!], scenarios: [STUDY.scenarios[0]!], trials: 200 };
    const id = (await server.clients.stat.post("/api/simulations", small)).json().id;
    const claim = (ageMs: number) =>
      server.store.db
        .updateTable("job_tasks")
        .set({ status: "running", worker: "dead", claimed_at: new Date(Date.now() - ageMs).toISOString() })
        .where("job_id", "=", id)
        .execute();
    // A runner that claimed the task moments ago is alive: nobody else may take it.
    await claim(1000);
    const runner = startJobRunner(server.store.db, { threads: 1, pollMs: 20, worker: "alive" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await server.clients.stat.get(`/api/simulations/${id}`)).json().tasks[0]).toMatchObject({
        status: "running",
        worker: "dead",
      });
      // One that has not been heard of for longer than the lease is gone: its task is run again.
      await claim(TASK_LEASE_MS + 1000);
      const job = await finished(server, id);
      expect(job.status).toBe("done");
      expect(job.tasks[0].worker).toBe("alive");
      expect(job.tasks[0].result.trials).toBe(200);
    } finally {
      await runner.stop();
    }
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
    // A runner finds nothing to do in it, and the log records who cancelled it.
    const runner = startJobRunner(server.store.db, { threads: 1, pollMs: 10, worker: "late" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await runner.stop();
    expect((await stat.get(`/api/simulations/${id}`)).json().status).toBe("cancelled");
    const events = await server.store.db
      .selectFrom("events")
      .select(["type", "actor_name"])
      .where("type", "=", "simulation.cancelled")
      .execute();
    expect(events.map((e) => e.actor_name)).toContain("User stat");
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });

  it("discards the result of a task that finishes after its study was cancelled", async () => {
    const small = { ...STUDY, designs: [STUDY.designs[0]!], scenarios: [STUDY.scenarios[0]!], trials: 200 };
    const id = (await server.clients.stat.post("/api/simulations", small)).json().id;
    // A runner has claimed the task and is computing it when the statistician cancels the study.
    let claimed = await claimTask(server.store.db, "busy", new Date());
    while (claimed && claimed.job_id !== id) claimed = await claimTask(server.store.db, "busy", new Date());
    expect(claimed).not.toBeNull();
    const cancel = await server.clients.stat.post(`/api/simulations/${id}/cancel`, {});
    expect(cancel.statusCode, cancel.body).toBe(200);
    await runTask(server.store.db, "busy", claimed!, 1);
    const job = (await server.clients.stat.get(`/api/simulations/${id}`)).json();
    expect(job.status).toBe("cancelled");
    expect(job.tasks[0]).toMatchObject({ status: "cancelled", result: null });
    expect((await verifyAudit(server.store.db)).problems).toEqual([]);
  });

  it("stops a running task at its next block when its study is cancelled, rather than running it to the end", async () => {
    // A million CRM trials of 20 cohorts take many seconds on one thread; the cancellation is seen within half a second.
    const slow = {
      designs: [{ design: "crm", target: 0.3, doses: 5, cohortSize: 3, cohorts: 20, skeleton: [0.05, 0.1, 0.2, 0.3, 0.45] }],
      scenarios: [{ name: "safe", truth: [0.05, 0.1, 0.2, 0.3, 0.4] }],
      trials: 1_000_000,
      seed: 1,
    };
    const id = (await server.clients.stat.post("/api/simulations", slow)).json().id;
    let claimed = await claimTask(server.store.db, "busy", new Date());
    while (claimed && claimed.job_id !== id) claimed = await claimTask(server.store.db, "busy", new Date());
    const running = runTask(server.store.db, "busy", claimed!, 1);
    expect((await server.clients.stat.post(`/api/simulations/${id}/cancel`, {})).statusCode).toBe(200);
    expect(await running).toEqual({ stoppedEarly: true });
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
