import type { FastifyInstance } from "fastify";
import { SYSTEM_ACTOR } from "./access.js";
import { buildApp } from "./app.js";
import { createUser, newSecret } from "./auth/accounts.js";
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
  /** Set when the database had no users: the first administrator's generated password (printed once). */
  initialAdmin: { username: string; password: string } | null;
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

async function ensureAdministrator(store: Store): Promise<{ username: string; password: string } | null> {
  const any = await store.db.selectFrom("entities").select("id").where("kind", "=", "user").limit(1).executeTakeFirst();
  if (any) return null;
  const password = process.env.ESCALATE_ADMIN_PASSWORD ?? newSecret();
  await createUser(store.db, SYSTEM_ACTOR, { username: "admin", name: "Administrator", password, admin: true }, new Date());
  return { username: "admin", password };
}
