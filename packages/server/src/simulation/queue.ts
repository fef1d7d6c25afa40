import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { CompiledQuery, type Kysely } from "kysely";
import PgBoss from "pg-boss";
import type { Database } from "../db/schema.js";
import { pendingShards, recordShardFailure, runShard, runShards, type Shard, type SimulationQueue, shardId } from "./jobs.js";

/** Attempts per shard before its task is failed: a first run and two retries. */
export const SHARD_RETRIES = 2;

export interface QueueOptions {
  /** Threads per shard (default: every core). */
  threads?: number | undefined;
  /** This worker's name in the results (default: host, process and a random suffix). */
  worker?: string;
  /** Whether this process runs shards (false: it only queues them, as a server beside worker machines). */
  work?: boolean;
  /** In-process queue: how often an idle runner looks for work (default 1 s; a new study wakes it at once). */
  pollMs?: number;
}

/** Shards being run by this process's in-process runners, so two of them do not take the same one. */
const inProgress = new Set<string>();

const workerName = (options: QueueOptions) => options.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * The embedded (SQLite) server's queue: its own process runs shards one after another, each across
 * `threads`. Nothing is kept in memory: the work left is read from the database (pendingShards), so a
 * restart picks up where the server stopped.
 */
export function startInProcessQueue(db: Kysely<Database>, options: QueueOptions = {}): SimulationQueue {
  const worker = workerName(options);
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
      const pending = (await pendingShards(db).catch(() => [])).filter((s) => !inProgress.has(shardId(s)));
      if (pending.length === 0) {
        await sleep(options.pollMs ?? 1000);
        continue;
      }
      // The pending shards of the first task, together (runShards runs the first consecutive ones).
      const first = pending[0]!;
      const shards = pending.filter((s) => s.job === first.job && s.task === first.task);
      for (const shard of shards) inProgress.add(shardId(shard));
      await runWithRetries(db, shards, worker, options.threads).finally(() => {
        for (const shard of shards) inProgress.delete(shardId(shard));
      });
    }
  })();
  return {
    async enqueue() {
      // The study's rows are the queue: nothing to add.
    },
    wake: () => wake?.(),
    async cancel() {
      // A cancelled study's shards are no longer pending; the one running stops at its next block.
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

async function runWithRetries(db: Kysely<Database>, shards: Shard[], worker: string, threads: number | undefined): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runShards(db, shards, worker, threads);
      return;
    } catch (error) {
      if (attempt >= SHARD_RETRIES) {
        await recordShardFailure(db, shards[0]!, worker, error instanceof Error ? error.message : String(error)).catch(() => undefined);
        return;
      }
    }
  }
}

/** The queue's name in pg-boss. */
export const SHARD_QUEUE = "escalate-simulation-shards";

/**
 * pg-boss runs its SQL through the server's own connection pool (or a transaction of it). Some of its
 * statements are scripts with their own BEGIN … COMMIT: one that fails is rolled back on its connection
 * before the connection goes back to the pool, where it would otherwise fail every later query.
 */
function executor(db: Kysely<Database>): PgBoss.Db {
  return {
    executeSql: (text: string, values?: unknown[]) =>
      db.connection().execute(async (connection) => {
        try {
          return { rows: (await connection.executeQuery(CompiledQuery.raw(text, values ?? []))).rows };
        } catch (error) {
          if (!db.isTransaction) await connection.executeQuery(CompiledQuery.raw("rollback")).catch(() => undefined);
          throw error;
        }
      }),
  };
}

/**
 * Studies on PostgreSQL run on pg-boss (an established job queue on PostgreSQL, in its own schema
 * "pgboss"): each shard is a pg-boss job, queued in the transaction that creates its study. Any number
 * of processes on any number of machines work the queue (the server, `escalate worker`); pg-boss hands
 * each job to one of them, retries a failed one (SHARD_RETRIES), and gives the job of a worker that
 * died to another once it expires. A shard failing for good fails its task. Starting the queue also
 * queues the shards of studies that are open but not queued (created before pg-boss was in use, or
 * while no queue ran): shard ids are derived from the shard, so queuing twice queues once.
 */
export async function startPgBossQueue(
  db: Kysely<Database>,
  options: QueueOptions & { onError?: (error: Error) => void } = {},
): Promise<SimulationQueue> {
  const worker = workerName(options);
  const boss = new PgBoss({ db: executor(db), schema: "pgboss", supervise: true });
  boss.on("error", (error) => options.onError?.(error));
  // Two processes installing pg-boss's schema at the same moment: the second fails, then finds it installed.
  await boss.start().catch(() => boss.start());
  // Sixty minutes for a shard of 10,000 trials: even the BLRM's take seconds; past that, its worker is gone.
  await boss.createQueue(SHARD_QUEUE, { name: SHARD_QUEUE, retryLimit: SHARD_RETRIES, retryDelay: 1, expireInSeconds: 3600 });
  const enqueue = (shards: Shard[], on: Kysely<Database>) =>
    shards.length === 0
      ? Promise.resolve()
      : boss.insert(
          shards.map((shard) => ({ id: shardId(shard), name: SHARD_QUEUE, data: shard })),
          { db: executor(on) },
        );
  await enqueue(await pendingShards(db), db);
  let workerId: string | null = null;
  if (options.work !== false) {
    workerId = await boss.work<Shard>(SHARD_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async ([job]) => {
      if (!job) return;
      try {
        await runShard(db, job.data, worker, options.threads);
      } catch (error) {
        // The last attempt failed: its task fails (the study too, once every task is finished).
        if (job.retryCount >= job.retryLimit)
          await recordShardFailure(db, job.data, worker, error instanceof Error ? error.message : String(error));
        throw error;
      }
    });
  }
  return {
    enqueue: (shards, tx) => enqueue(shards, tx),
    wake: () => {
      if (workerId) boss.notifyWorker(workerId);
    },
    async cancel(shards) {
      for (let i = 0; i < shards.length; i += 1000) await boss.cancel(SHARD_QUEUE, shards.slice(i, i + 1000).map(shardId));
    },
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 30_000 }),
  };
}

/** The queue for a database: pg-boss on PostgreSQL, the server's own process on SQLite. */
export async function startSimulationQueue(
  store: { db: Kysely<Database>; dialect: "sqlite" | "postgres" },
  options: QueueOptions & { onError?: (error: Error) => void } = {},
): Promise<SimulationQueue> {
  return store.dialect === "postgres" ? startPgBossQueue(store.db, options) : startInProcessQueue(store.db, options);
}
