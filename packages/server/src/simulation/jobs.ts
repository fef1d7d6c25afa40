import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { checkTruth, createDesign, type OperatingCharacteristics, ValidationError } from "@escalate/core";
import type { Kysely } from "kysely";
import { SYSTEM_ACTOR } from "../access.js";
import { type Actor, appendEvent, SYSTEM_CHAIN, type Tx } from "../audit/events.js";
import { sha256 } from "../auth/accounts.js";
import type { JobStatus, SimulationSummary as JobSummary, SimulationJob } from "../contract/index.js";
import type { SimulationBody } from "../contract/requests.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";
import { simulateInParallel } from "./parallel.js";

/**
 * Simulation studies as jobs: designs × scenarios, one task per pair, all with the study's seed (common
 * random numbers, so designs are compared on the same simulated patients). Tasks live in the database
 * and any number of runners — in this process, or `escalate worker` processes on other machines sharing
 * a PostgreSQL database — claim them one at a time with an atomic update. A result is a pure function of
 * (design, scenario, trials, seed), so a re-run task gives the same numbers.
 */
export type JobView = SimulationJob;

export async function createJob(db: Kysely<Database>, actor: Actor, body: SimulationBody, now: Date): Promise<string> {
  const issues = [];
  for (const [d, spec] of body.designs.entries()) {
    try {
      const design = createDesign(spec);
      for (const [s, scenario] of body.scenarios.entries()) {
        try {
          checkTruth(scenario.truth, design.doseCount);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          issues.push({
            path: `scenarios.${s}.truth`,
            value: scenario.truth,
            message: `${error.issues[0]?.message ?? error.message} (design ${d + 1} has ${design.doseCount} doses)`,
          });
        }
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues.map((i) => ({ ...i, path: `designs.${d}${i.path ? `.${i.path}` : ""}` })));
    }
  }
  if (issues.length > 0) throw invalid(issues);
  const id = randomUUID();
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto("jobs")
      .values({
        id,
        trial_id: body.trialId ?? null,
        owner: actor.id,
        request: JSON.stringify(body),
        status: "queued",
        created_at: now.toISOString(),
        finished_at: null,
      })
      .execute();
    const tasks = body.designs.flatMap((_, d) =>
      body.scenarios.map((_, s) => ({
        job_id: id,
        task: d * body.scenarios.length + s,
        status: "queued",
        worker: null,
        claimed_at: null,
        result: null,
        error: null,
      })),
    );
    await tx.insertInto("job_tasks").values(tasks).execute();
    await appendEvent(tx, {
      chain: body.trialId ?? SYSTEM_CHAIN,
      actor,
      type: "simulation.requested",
      reason: `job ${id}: ${body.designs.length} design(s) × ${body.scenarios.length} scenario(s) × ${body.trials} trials, seed ${body.seed}`,
      at: now,
      changes: [],
    });
  });
  return id;
}

export async function getJob(db: Kysely<Database>, id: string): Promise<JobView> {
  const job = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!job) throw notFound(`simulation ${id}`);
  const request = JSON.parse(job.request) as SimulationBody;
  const tasks = await db.selectFrom("job_tasks").selectAll().where("job_id", "=", id).orderBy("task").execute();
  return {
    id,
    status: job.status as JobStatus,
    trialId: job.trial_id,
    createdAt: job.created_at,
    finishedAt: job.finished_at,
    request,
    tasks: tasks.map((t) => ({
      design: Math.floor(t.task / request.scenarios.length) + 1,
      scenario: request.scenarios[t.task % request.scenarios.length]!.name,
      status: t.status,
      worker: t.worker,
      error: t.error,
      result: t.result === null ? null : (JSON.parse(t.result) as OperatingCharacteristics),
    })),
  };
}

/** Studies for the list: those `owner` asked for, or every study (null, for administrators); newest first. */
export async function listJobs(db: Kysely<Database>, owner: string | null): Promise<JobSummary[]> {
  let query = db.selectFrom("jobs").selectAll().orderBy("created_at", "desc").limit(200);
  if (owner !== null) query = query.where("owner", "=", owner);
  const jobs = await query.execute();
  if (jobs.length === 0) return [];
  const tasks = await db
    .selectFrom("job_tasks")
    .select(["job_id", "status"])
    .where(
      "job_id",
      "in",
      jobs.map((j) => j.id),
    )
    .execute();
  return jobs.map((job) => {
    const request = JSON.parse(job.request) as SimulationBody;
    const mine = tasks.filter((t) => t.job_id === job.id);
    return {
      id: job.id,
      status: job.status as JobStatus,
      trialId: job.trial_id,
      createdAt: job.created_at,
      finishedAt: job.finished_at,
      designs: request.designs.length,
      scenarios: request.scenarios.map((s) => s.name),
      trials: request.trials,
      seed: request.seed,
      tasks: {
        total: mine.length,
        done: mine.filter((t) => t.status === "done").length,
        failed: mine.filter((t) => t.status === "failed").length,
      },
    };
  });
}

/**
 * Cancels a study that has not finished: its tasks not yet done are cancelled (a runner still computing
 * one finishes it, but the study stays cancelled), and the cancellation is an audit event with the
 * results finished so far as digests.
 */
export async function cancelJob(db: Kysely<Database>, actor: Actor, id: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // The job's row lock, as a runner closing the job takes it: cancelling and closing never interleave.
    await tx
      .updateTable("jobs")
      .set({ status: (eb) => eb.ref("status") })
      .where("id", "=", id)
      .execute();
    const job = await tx.selectFrom("jobs").select("status").where("id", "=", id).executeTakeFirst();
    if (!job) throw notFound(`simulation ${id}`);
    if (job.status !== "queued" && job.status !== "running")
      throw conflict(`simulation ${id} is ${job.status}: only a queued or running study can be cancelled`);
    await tx
      .updateTable("job_tasks")
      .set({ status: "cancelled" })
      .where("job_id", "=", id)
      .where("status", "in", ["queued", "running"])
      .execute();
    await tx.updateTable("jobs").set({ status: "cancelled", finished_at: now.toISOString() }).where("id", "=", id).execute();
    await logSimulationResults(tx, id, "cancelled", now, "simulation.cancelled", actor);
  });
}

/**
 * How long a running task may go without a heartbeat before another runner takes it over: a runner
 * that crashed or lost its machine must not strand its study. Re-running is harmless — the result is a
 * pure function of the task.
 */
export const TASK_LEASE_MS = 120_000;
const HEARTBEAT_MS = TASK_LEASE_MS / 4;
/** How often a running task looks whether its study was cancelled. */
const CANCELLATION_CHECK_MS = 500;

/**
 * Claims the oldest queued task, or a running one whose lease expired, or null. Safe with many runners:
 * the update re-checks the status and claim time it read, so only one runner wins.
 */
export async function claimTask(db: Kysely<Database>, worker: string, now: Date): Promise<{ job_id: string; task: number } | null> {
  const expired = new Date(now.getTime() - TASK_LEASE_MS).toISOString();
  for (let attempt = 0; attempt < 5; attempt++) {
    const next = await db
      .selectFrom("job_tasks")
      .select(["job_id", "task", "status", "claimed_at"])
      .where((eb) => eb.or([eb("status", "=", "queued"), eb.and([eb("status", "=", "running"), eb("claimed_at", "<", expired)])]))
      .orderBy("job_id")
      .orderBy("task")
      .limit(1)
      .executeTakeFirst();
    if (!next) return null;
    const claimed = await db
      .updateTable("job_tasks")
      .set({ status: "running", worker, claimed_at: now.toISOString() })
      .where("job_id", "=", next.job_id)
      .where("task", "=", next.task)
      .where("status", "=", next.status)
      .where((eb) => (next.claimed_at === null ? eb("claimed_at", "is", null) : eb("claimed_at", "=", next.claimed_at)))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return next;
  }
  return null;
}

export async function runTask(
  db: Kysely<Database>,
  worker: string,
  claimed: { job_id: string; task: number },
  threads: number | undefined,
): Promise<{ stoppedEarly: boolean }> {
  const job = await db.selectFrom("jobs").select(["request", "status"]).where("id", "=", claimed.job_id).executeTakeFirstOrThrow();
  const request = JSON.parse(job.request) as SimulationBody;
  if (job.status === "queued")
    await db.updateTable("jobs").set({ status: "running" }).where("id", "=", claimed.job_id).where("status", "=", "queued").execute();
  const spec = createDesign(request.designs[Math.floor(claimed.task / request.scenarios.length)]!).spec;
  const scenario = request.scenarios[claimed.task % request.scenarios.length]!;
  let update: { status: string; result: string | null; error: string | null };
  const heartbeat = setInterval(() => {
    db.updateTable("job_tasks")
      .set({ claimed_at: new Date().toISOString() })
      .where("job_id", "=", claimed.job_id)
      .where("task", "=", claimed.task)
      .where("worker", "=", worker)
      .where("status", "=", "running")
      .execute()
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  // A study cancelled while this task runs stops it at the next block, rather than after the whole run.
  const cancelled = new AbortController();
  const cancellation = setInterval(() => {
    db.selectFrom("job_tasks")
      .select("status")
      .where("job_id", "=", claimed.job_id)
      .where("task", "=", claimed.task)
      .executeTakeFirst()
      .then((task) => {
        if (task?.status === "cancelled") cancelled.abort(new Error("the study was cancelled"));
      })
      .catch(() => undefined);
  }, CANCELLATION_CHECK_MS);
  try {
    const result = await simulateInParallel({
      spec,
      truth: scenario.truth,
      trials: request.trials,
      seed: request.seed,
      ...(threads ? { threads } : {}),
      signal: cancelled.signal,
    });
    update = { status: "done", result: JSON.stringify(result), error: null };
  } catch (error) {
    update = { status: "failed", result: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearInterval(heartbeat);
    clearInterval(cancellation);
  }
  await db.transaction().execute(async (tx) => {
    // Lock the job's row first (an update takes the row lock on PostgreSQL). Without it, two runners
    // finishing the last two tasks at once each see the other's task still running, and neither
    // closes the job.
    await tx
      .updateTable("jobs")
      .set({ status: (eb) => eb.ref("status") })
      .where("id", "=", claimed.job_id)
      .execute();
    const status = (await tx.selectFrom("jobs").select("status").where("id", "=", claimed.job_id).executeTakeFirstOrThrow()).status;
    // A study cancelled meanwhile stays cancelled, with only the results logged at its cancellation.
    if (status === "cancelled") return;
    await tx.updateTable("job_tasks").set(update).where("job_id", "=", claimed.job_id).where("task", "=", claimed.task).execute();
    const open = await tx
      .selectFrom("job_tasks")
      .select("status")
      .where("job_id", "=", claimed.job_id)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    if (!open) {
      const failed = await tx
        .selectFrom("job_tasks")
        .select("task")
        .where("job_id", "=", claimed.job_id)
        .where("status", "=", "failed")
        .executeTakeFirst();
      const finishedAt = new Date();
      await tx
        .updateTable("jobs")
        .set({ status: failed ? "failed" : "done", finished_at: finishedAt.toISOString() })
        .where("id", "=", claimed.job_id)
        .execute();
      // The results go into the audit log as digests, so a result changed in the table is found by verify.
      await logSimulationResults(tx, claimed.job_id, failed ? "failed" : "done", finishedAt);
    }
  });
  return { stoppedEarly: cancelled.signal.aborted };
}

export interface JobRunner {
  /** Wakes the runner (a job was just queued). */
  poke(): void;
  stop(): Promise<void>;
}

/** Runs queued tasks one after another (each across `threads` threads) until stopped. */
export function startJobRunner(
  db: Kysely<Database>,
  options: { threads?: number | undefined; pollMs?: number; worker?: string } = {},
): JobRunner {
  const worker = options.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      const claimed = await claimTask(db, worker, new Date()).catch(() => null);
      if (claimed) await runTask(db, worker, claimed, options.threads).catch(() => undefined);
      else await sleep(options.pollMs ?? 1000);
    }
  })();
  return {
    poke: () => wake?.(),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/**
 * Logs a finished simulation's results as digests (SHA-256 of each task's stored result) in its trial's
 * chain, or the system chain: `verifyAudit` then finds a result changed in the table.
 */
export async function logSimulationResults(
  tx: Tx,
  jobId: string,
  status: "done" | "failed" | "cancelled",
  at: Date,
  type = `simulation.${status === "done" ? "completed" : "failed"}`,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  const job = await tx.selectFrom("jobs").select("trial_id").where("id", "=", jobId).executeTakeFirstOrThrow();
  const tasks = await tx
    .selectFrom("job_tasks")
    .select(["task", "result"])
    .where("job_id", "=", jobId)
    .where("status", "=", "done")
    .execute();
  await appendEvent(tx, {
    chain: job.trial_id ?? SYSTEM_CHAIN,
    actor,
    type,
    at,
    changes: [
      {
        kind: "simulation",
        trialId: job.trial_id ?? "",
        id: jobId,
        after: {
          siteId: null,
          parent: null,
          status,
          data: { results: Object.fromEntries(tasks.map((t) => [String(t.task), sha256(t.result ?? "")])) },
        },
      },
    ],
  });
}
