import type { FastifyInstance } from "fastify";
import { SYSTEM_ACTOR } from "./access.js";
import { buildApp } from "./app.js";
import { createUser, newSecret } from "./auth/accounts.js";
import { passwordProblem } from "./auth/password-policy.js";
import { openStore, type Store } from "./db/database.js";
import { type JobRunner, startJobRunner } from "./simulation/jobs.js";

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
  let jobs: JobRunner | null = null;
  try {
    await options.prepare?.(store);
    const initialAdmin = await ensureAdministrator(store);
    jobs = startJobRunner(store.db, { threads: options.threads });
    const app = await buildApp({ store, jobs, webRoot: options.webRoot });
    const url = await app.listen({ port: options.port ?? 8080, host: options.host ?? "127.0.0.1" });
    return {
      app,
      store,
      url,
      initialAdmin,
      async close() {
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
