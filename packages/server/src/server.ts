import { readFileSync } from "node:fs";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { SYSTEM_ACTOR } from "./access.js";
import { buildApp } from "./app.js";
import { anchorHeads, appendAnchor } from "./audit/anchors.js";
import { createUser, newSecret } from "./auth/accounts.js";
import { passwordProblem } from "./auth/password-policy.js";
import { openStore, type Store } from "./db/database.js";
import type { SimulationQueue } from "./simulation/jobs.js";
import { startSimulationQueue } from "./simulation/queue.js";

export interface ServeOptions {
  /** SQLite file path or postgres:// URL; default DATABASE_URL, else data/escalate.db. */
  db?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  /** Threads per simulation task (default: every core). */
  threads?: number | undefined;
  /** The built web app to serve at / (packages/web/dist). */
  webRoot?: string | undefined;
  /** Called once the store is open, before listening (e.g. to load demo data). */
  prepare?: (store: Store) => Promise<void>;
  /** Proxies whose X-Forwarded-For is believed (none by default). */
  trustProxy?: readonly string[] | undefined;
  /** Request logging (pino JSON lines on stdout) from this level; none when absent or "silent". */
  logLevel?: string | undefined;
  /** Anchor every chain's head with this Ed25519 key into `file`, at start and then every `everyMinutes`. */
  anchors?: { keyFile: string; file: string; everyMinutes: number } | undefined;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Set when the database had no users: the first administrator, with the generated password (printed once; null when it came from ESCALATE_ADMIN_PASSWORD). */
  initialAdmin: { username: string; password: string | null } | null;
  close(): Promise<void>;
}

/** Opens the database (migrating it), ensures an administrator exists, and listens. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const store = await openStore(options.db);
  let jobs: SimulationQueue | null = null;
  try {
    await options.prepare?.(store);
    const initialAdmin = await ensureAdministrator(store);
    // A queue that cannot start (pg-boss refused its schema, say) leaves studies waiting for a worker;
    // the server still serves its trials.
    jobs = await startSimulationQueue(store, {
      threads: options.threads,
      onError: (error) => process.stderr.write(`simulation queue: ${error.message}\n`),
    }).catch((error: Error) => {
      process.stderr.write(`simulation queue not started (${error.message}): studies wait for an escalate worker\n`);
      return null;
    });
    const app = await buildApp({
      store,
      jobs,
      webRoot: options.webRoot,
      ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
      logger: options.logLevel === undefined || options.logLevel === "silent" ? false : { level: options.logLevel },
    });
    const url = await app.listen({ port: options.port ?? 8080, host: options.host ?? "127.0.0.1" });
    const anchoring = options.anchors ? scheduleAnchors(store, options.anchors, app.log) : null;
    return {
      app,
      store,
      url,
      initialAdmin,
      async close() {
        if (anchoring) clearInterval(anchoring);
        await app.close();
        await jobs?.stop();
        await store.close();
      },
    };
  } catch (error) {
    await jobs?.stop();
    await store.close();
    throw error;
  }
}

/**
 * Creates the first administrator in an empty database: with ESCALATE_ADMIN_PASSWORD (which must pass the
 * password policy, and is never printed) or a generated password, returned to be shown once.
 */
async function ensureAdministrator(store: Store): Promise<{ username: string; password: string | null } | null> {
  const any = await store.db.selectFrom("entities").select("id").where("kind", "=", "user").limit(1).executeTakeFirst();
  if (any) return null;
  const given = process.env.ESCALATE_ADMIN_PASSWORD;
  const account = { username: "admin", name: "Administrator" };
  if (given !== undefined) {
    const problem = passwordProblem(given, account);
    if (problem) throw new Error(`ESCALATE_ADMIN_PASSWORD ${problem}; the server did not start`);
  }
  const password = given ?? newSecret();
  await createUser(store.db, SYSTEM_ACTOR, { ...account, password, admin: true }, new Date());
  return { username: "admin", password: given === undefined ? password : null };
}

/** Anchors the chains' heads now and on a schedule; a failure is logged, and the next run tries again. */
function scheduleAnchors(store: Store, config: NonNullable<ServeOptions["anchors"]>, log: FastifyBaseLogger): NodeJS.Timeout {
  const key = readFileSync(config.keyFile, "utf8");
  const anchorNow = () =>
    anchorHeads(store.db, key, new Date())
      .then((anchor) => appendAnchor(config.file, anchor))
      .catch((error: unknown) => log.error({ err: error }, `anchoring the audit trail into ${config.file} failed`));
  void anchorNow();
  const timer = setInterval(anchorNow, config.everyMinutes * 60_000);
  timer.unref();
  return timer;
}
