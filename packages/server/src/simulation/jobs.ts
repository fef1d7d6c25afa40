import { createHash, randomUUID } from "node:crypto";
import { blockCount, checkTruth, createDesign, type OperatingCharacteristics, summariseBlocks, ValidationError } from "@escalate/core";
import type { Kysely } from "kysely";
import { SYSTEM_ACTOR } from "../access.js";
import { type Actor, appendEvent, SYSTEM_CHAIN, type Tx } from "../audit/events.js";
import { sha256 } from "../auth/accounts.js";
import type { JobStatus, SimulationSummary as JobSummary, SimulationJob } from "../contract/index.js";
import type { SimulationBody } from "../contract/requests.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound } from "../errors.js";
import { simulateBlocks } from "./parallel.js";

/**
 * Simulation studies: designs × scenarios, one task per pair, all with the study's seed (common random
 * numbers, so designs are compared on the same simulated patients). A task's trials are split into
 * shards of SHARD_BLOCKS blocks, the unit a queue hands to a worker (queue.ts): pg-boss on PostgreSQL,
 * with workers on any number of machines; the server's own process on SQLite. A shard's result is its
 * blocks' sums, a pure function of (design, scenario, trials, seed, blocks), so running one twice is
 * harmless; a task's result is every block's sums added in block order, the same numbers as one process
 * simulating the whole task, bit for bit.
 */
export type JobView = SimulationJob;

/** Blocks per shard: 10,000 trials. */
export const SHARD_BLOCKS = 10;

/** One shard: blocks [shard × SHARD_BLOCKS, (shard + 1) × SHARD_BLOCKS) of a task of a study. */
export interface Shard {
  job: string;
  task: number;
  shard: number;
}

/** Shards per task of a study of `trials` trials. */
export const shardsPerTask = (trials: number) => Math.ceil(blockCount(trials) / SHARD_BLOCKS);

/** Every shard of a study, task by task. */
export function shardsOf(job: string, request: SimulationBody): Shard[] {
  const tasks = request.designs.length * request.scenarios.length;
  const perTask = shardsPerTask(request.trials);
  return Array.from({ length: tasks * perTask }, (_, i) => ({ job, task: Math.floor(i / perTask), shard: i % perTask }));
}

/** A shard's identity as a UUID (for the queue): queuing a shard twice queues it once, and a cancelled study's shards are found by it. */
export function shardId({ job, task, shard }: Shard): string {
  const hex = createHash("sha256").update(`escalate-shard:${job}:${task}:${shard}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Where a study's shards wait for workers (queue.ts). */
export interface SimulationQueue {
  /** Queues shards, in the transaction `tx` that creates their study where the queue lives in the same database. */
  enqueue(shards: Shard[], tx: Tx): Promise<void>;
  /** After the study's transaction committed: the runners in this process look for work at once. */
  wake(): void;
  /** Drops the shards of a cancelled study that are still waiting. */
  cancel(shards: Shard[]): Promise<void>;
  stop(): Promise<void>;
}

export async function createJob(
  db: Kysely<Database>,
  actor: Actor,
  body: SimulationBody,
  now: Date,
  queue: SimulationQueue | null = null,
): Promise<string> {
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
    await appendEvent(tx, {
      chain: body.trialId ?? SYSTEM_CHAIN,
      actor,
      type: "simulation.requested",
      reason: `job ${id}: ${body.designs.length} design(s) × ${body.scenarios.length} scenario(s) × ${body.trials} trials, seed ${body.seed}`,
      at: now,
      changes: [],
    });
    await queue?.enqueue(shardsOf(id, body), tx);
  });
  queue?.wake();
  return id;
}

export async function getJob(db: Kysely<Database>, id: string): Promise<JobView> {
  const job = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  if (!job) throw notFound(`simulation ${id}`);
  const request = JSON.parse(job.request) as SimulationBody;
  const results = new Map(
    (await db.selectFrom("job_results").selectAll().where("job_id", "=", id).execute()).map((r) => [r.task, r] as const),
  );
  const shardsDone = new Map<number, number>();
  for (const row of await db.selectFrom("job_shards").select("task").where("job_id", "=", id).execute())
    shardsDone.set(row.task, (shardsDone.get(row.task) ?? 0) + 1);
  const perTask = shardsPerTask(request.trials);
  return {
    id,
    status: job.status as JobStatus,
    trialId: job.trial_id,
    createdAt: job.created_at,
    finishedAt: job.finished_at,
    request,
    tasks: Array.from({ length: request.designs.length * request.scenarios.length }, (_, task) => {
      const finished = results.get(task);
      const done = finished ? perTask : (shardsDone.get(task) ?? 0);
      return {
        design: Math.floor(task / request.scenarios.length) + 1,
        scenario: request.scenarios[task % request.scenarios.length]!.name,
        status: taskStatus(finished, job.status, done),
        worker: finished?.worker ?? null,
        error: finished?.error ?? null,
        result: finished?.result ? (JSON.parse(finished.result) as OperatingCharacteristics) : null,
        shards: { done, total: perTask },
      };
    }),
  };
}

/** A task's status: from its result when it has one, else from its study and its shards done. */
function taskStatus(finished: { result: string | null } | undefined, jobStatus: string, shardsDone: number): string {
  if (finished) return finished.result !== null ? "done" : "failed";
  if (jobStatus === "cancelled") return "cancelled";
  return shardsDone > 0 ? "running" : "queued";
}

/** Studies for the list: those `owner` asked for, or every study (null, for administrators); newest first. */
export async function listJobs(db: Kysely<Database>, owner: string | null): Promise<JobSummary[]> {
  let query = db.selectFrom("jobs").selectAll().orderBy("created_at", "desc").limit(200);
  if (owner !== null) query = query.where("owner", "=", owner);
  const jobs = await query.execute();
  if (jobs.length === 0) return [];
  const results = await db
    .selectFrom("job_results")
    .select(["job_id", "result"])
    .where(
      "job_id",
      "in",
      jobs.map((j) => j.id),
    )
    .execute();
  return jobs.map((job) => {
    const request = JSON.parse(job.request) as SimulationBody;
    const mine = results.filter((r) => r.job_id === job.id);
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
        total: request.designs.length * request.scenarios.length,
        done: mine.filter((r) => r.result !== null).length,
        failed: mine.filter((r) => r.result === null).length,
      },
    };
  });
}

/** Takes the study's row lock (an update takes it on PostgreSQL) and returns its status: closing, cancelling and adding results never interleave. */
async function lockJob(tx: Tx, id: string): Promise<{ status: string; request: string } | undefined> {
  await tx
    .updateTable("jobs")
    .set({ status: (eb) => eb.ref("status") })
    .where("id", "=", id)
    .execute();
  return tx.selectFrom("jobs").select(["status", "request"]).where("id", "=", id).executeTakeFirst();
}

const isOpen = (status: string | undefined) => status === "queued" || status === "running";

/**
 * Cancels a study that has not finished (a shard being computed stops at its next block; one that
 * finishes anyway is discarded); the cancellation is an audit event with the results finished so far
 * as digests. Its shards still queued are dropped from the queue.
 */
export async function cancelJob(
  db: Kysely<Database>,
  actor: Actor,
  id: string,
  now: Date,
  queue: SimulationQueue | null = null,
): Promise<void> {
  const job = await db.transaction().execute(async (tx) => {
    const job = await lockJob(tx, id);
    if (!job) throw notFound(`simulation ${id}`);
    if (!isOpen(job.status)) throw conflict(`simulation ${id} is ${job.status}: only a queued or running study can be cancelled`);
    await tx.updateTable("jobs").set({ status: "cancelled", finished_at: now.toISOString() }).where("id", "=", id).execute();
    await tx.deleteFrom("job_shards").where("job_id", "=", id).execute();
    await logSimulationResults(tx, id, "cancelled", now, "simulation.cancelled", actor);
    return job;
  });
  await queue?.cancel(shardsOf(id, JSON.parse(job.request) as SimulationBody)).catch(() => undefined);
}

/** How often a running shard looks whether its study was cancelled. */
const CANCELLATION_CHECK_MS = 500;

/**
 * Runs one shard and stores its blocks' sums; the shard that completes its task stores the task's
 * result, and the one that completes the study closes it. Returns what became of it: "done"; "skipped"
 * (its study is no longer open, or the shard was run already); "cancelled" (the study was cancelled
 * while it ran: it stopped at its next block, and nothing was stored).
 */
export function runShard(db: Kysely<Database>, shard: Shard, worker: string, threads?: number): Promise<"done" | "skipped" | "cancelled"> {
  return runShards(db, [shard], worker, threads);
}

/**
 * Runs consecutive shards of one task as one run of blocks and stores them in one transaction (the
 * in-process queue takes a task's pending shards together: a shard of a simple design costs less than
 * storing it). Shards already stored are left out, and only the first consecutive run of the rest is run.
 */
export async function runShards(
  db: Kysely<Database>,
  wanted: readonly Shard[],
  worker: string,
  threads?: number,
): Promise<"done" | "skipped" | "cancelled"> {
  const first = wanted[0]!;
  const job = await db.selectFrom("jobs").select(["request", "status"]).where("id", "=", first.job).executeTakeFirst();
  if (!isOpen(job?.status) || (await taskFinished(db, first))) return "skipped";
  const stored = new Set(
    (await db.selectFrom("job_shards").select("shard").where("job_id", "=", first.job).where("task", "=", first.task).execute()).map(
      (row) => row.shard,
    ),
  );
  const shards: Shard[] = [];
  for (const shard of wanted.filter((s) => !stored.has(s.shard))) {
    if (shards.length > 0 && shard.shard !== shards.at(-1)!.shard + 1) break;
    shards.push(shard);
  }
  if (shards.length === 0) return "skipped";
  const request = JSON.parse(job!.request) as SimulationBody;
  if (job!.status === "queued")
    await db.updateTable("jobs").set({ status: "running" }).where("id", "=", first.job).where("status", "=", "queued").execute();
  const design = createDesign(request.designs[Math.floor(first.task / request.scenarios.length)]!);
  const scenario = request.scenarios[first.task % request.scenarios.length]!;
  // A study cancelled while this shard runs stops it at the next block, rather than after the whole shard.
  const cancelled = new AbortController();
  const watch = setInterval(() => {
    db.selectFrom("jobs")
      .select("status")
      .where("id", "=", first.job)
      .executeTakeFirst()
      .then((row) => {
        if (row?.status === "cancelled") cancelled.abort(new Error("the study was cancelled"));
      })
      .catch(() => undefined);
  }, CANCELLATION_CHECK_MS);
  let blocks: Float64Array[];
  try {
    blocks = await simulateBlocks({
      spec: design.spec,
      truth: scenario.truth,
      trials: request.trials,
      seed: request.seed,
      from: shards[0]!.shard * SHARD_BLOCKS,
      to: (shards.at(-1)!.shard + 1) * SHARD_BLOCKS,
      ...(threads ? { threads } : {}),
      signal: cancelled.signal,
      // The process answering requests (the server's own queue worker) keeps its thread for them.
      offMainThread: true,
    });
  } catch (error) {
    if (cancelled.signal.aborted) return "cancelled";
    throw error;
  } finally {
    clearInterval(watch);
  }
  return db.transaction().execute(async (tx) => {
    if (!isOpen((await lockJob(tx, first.job))?.status)) return "skipped";
    // Another worker ran these shards too and finished their task first.
    if (await taskFinished(tx, first)) return "skipped";
    for (const [i, shard] of shards.entries()) {
      await tx
        .insertInto("job_shards")
        .values({
          job_id: shard.job,
          task: shard.task,
          shard: shard.shard,
          worker,
          // JSON keeps every double exactly (shortest round-trip form); the sums hold no NaN or −0.
          blocks: JSON.stringify(blocks.slice(i * SHARD_BLOCKS, (i + 1) * SHARD_BLOCKS).map((block) => Array.from(block))),
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const rows = await tx
      .selectFrom("job_shards")
      .select(["shard", "blocks"])
      .where("job_id", "=", first.job)
      .where("task", "=", first.task)
      .orderBy("shard")
      .execute();
    if (rows.length === shardsPerTask(request.trials)) {
      const all = rows.flatMap((row) => (JSON.parse(row.blocks) as number[][]).map((block) => Float64Array.from(block)));
      const result = summariseBlocks(all, design.doseCount);
      await finishTask(tx, first, worker, { result: JSON.stringify(result), error: null }, request);
    }
    return "done";
  });
}

/** Whether the shard's task has its result (or its failure) already. */
async function taskFinished(db: Kysely<Database>, shard: Shard): Promise<boolean> {
  const row = await db
    .selectFrom("job_results")
    .select("task")
    .where("job_id", "=", shard.job)
    .where("task", "=", shard.task)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records a shard that failed for good (its retries used up): its task fails, and the study with it once every task is finished. */
export async function recordShardFailure(db: Kysely<Database>, shard: Shard, worker: string, message: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const job = await lockJob(tx, shard.job);
    if (!job || !isOpen(job.status)) return;
    await finishTask(tx, shard, worker, { result: null, error: message }, JSON.parse(job.request) as SimulationBody);
  });
}

/** Stores a task's result (its shards' sums are no longer needed) and closes the study when it was the last. Called with the study locked. */
async function finishTask(
  tx: Tx,
  shard: Shard,
  worker: string,
  outcome: { result: string | null; error: string | null },
  /** The study's request, read by the caller under the lock. */
  request: SimulationBody,
): Promise<void> {
  await tx
    .insertInto("job_results")
    .values({ job_id: shard.job, task: shard.task, worker, ...outcome })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await tx.deleteFrom("job_shards").where("job_id", "=", shard.job).where("task", "=", shard.task).execute();
  const results = await tx.selectFrom("job_results").select("result").where("job_id", "=", shard.job).execute();
  if (results.length < request.designs.length * request.scenarios.length) return;
  const status = results.some((r) => r.result === null) ? "failed" : "done";
  const finishedAt = new Date();
  await tx.updateTable("jobs").set({ status, finished_at: finishedAt.toISOString() }).where("id", "=", shard.job).execute();
  // The results go into the audit log as digests, so a result changed in the table is found by verify.
  await logSimulationResults(tx, shard.job, status, finishedAt);
}

/** The shards of open studies that are neither stored nor part of a finished task: the work left, oldest study first. */
export async function pendingShards(db: Kysely<Database>): Promise<Shard[]> {
  const jobs = await db
    .selectFrom("jobs")
    .select(["id", "request"])
    .where("status", "in", ["queued", "running"])
    .orderBy("created_at")
    .execute();
  const pending: Shard[] = [];
  for (const job of jobs) {
    const finished = new Set((await db.selectFrom("job_results").select("task").where("job_id", "=", job.id).execute()).map((r) => r.task));
    const stored = new Set(
      (await db.selectFrom("job_shards").select(["task", "shard"]).where("job_id", "=", job.id).execute()).map(
        (r) => `${r.task}/${r.shard}`,
      ),
    );
    for (const shard of shardsOf(job.id, JSON.parse(job.request) as SimulationBody))
      if (!finished.has(shard.task) && !stored.has(`${shard.task}/${shard.shard}`)) pending.push(shard);
  }
  return pending;
}

/** SHA-256 of each finished task's stored result, by task number. */
export function resultDigests(tasks: readonly { task: number; result: string | null }[]): Record<string, string> {
  return Object.fromEntries(tasks.map((t) => [String(t.task), sha256(t.result ?? "")]));
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
    .selectFrom("job_results")
    .select(["task", "result"])
    .where("job_id", "=", jobId)
    .where("result", "is not", null)
    .execute();
  await logSimulationDigests(tx, { jobId, trialId: job.trial_id, status, at, type, actor, digests: resultDigests(tasks) });
}

export async function logSimulationDigests(
  tx: Tx,
  entry: { jobId: string; trialId: string | null; status: string; at: Date; type: string; actor: Actor; digests: Record<string, string> },
): Promise<void> {
  await appendEvent(tx, {
    chain: entry.trialId ?? SYSTEM_CHAIN,
    actor: entry.actor,
    type: entry.type,
    at: entry.at,
    changes: [
      {
        kind: "simulation",
        trialId: entry.trialId ?? "",
        id: entry.jobId,
        after: { siteId: null, parent: null, status: entry.status, data: { results: entry.digests } },
      },
    ],
  });
}
