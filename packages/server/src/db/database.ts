import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrations.js";
import type { Database } from "./schema.js";

export type DialectName = "sqlite" | "postgres";

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it is, without credentials: a file path or host/database. */
  location: string;
  close(): Promise<void>;
}

/** The default database: an SQLite file under ./data. */
export const DEFAULT_DATABASE = "data/escalate.db";

/**
 * Opens (creating if needed) and migrates the database at `location`: a postgres:// URL, or a path to
 * an SQLite file. SQLite runs in WAL mode with full fsync on commit, so an acknowledged write survives
 * a crash of the process or the machine.
 */
export async function openStore(location: string = process.env.DATABASE_URL ?? DEFAULT_DATABASE): Promise<Store> {
  const store = /^postgres(ql)?:\/\//.test(location) ? openPostgres(location) : openSqlite(location);
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(path: string): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 10000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: "sqlite", location: path, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  // While PostgreSQL is down, a request waits at most this long for a connection and then fails (503).
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  let closing = false;
  // PostgreSQL may drop a connection (restart, failover, an administrator). An idle one is reported on
  // the pool, which discards it and connects afresh on the next query; one in use is reported on the
  // connection itself, after its query has already failed (so that request gets a 503). Unheard, either
  // event would end the process.
  const dropped = (error: Error) => {
    if (!closing) console.warn(`escalate: a database connection was closed (${error.message}); reconnecting on demand`);
  };
  pool.on("connect", (client) => client.on("error", dropped));
  // The pool passes an idle connection's error on as well; it was already reported by the connection.
  pool.on("error", () => undefined);
  // pool.end() resolves once its connections are told to end, not once they have; closing waits for
  // each one, so the database can be dropped or stopped right after without cutting one mid-goodbye.
  let connections = 0;
  let allEnded: (() => void) | null = null;
  pool.on("connect", () => connections++);
  pool.on("remove", () => {
    if (--connections === 0) allEnded?.();
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    db,
    dialect: "postgres",
    location: `${parsed.host}${parsed.pathname}`,
    async close() {
      closing = true;
      const ended = new Promise<void>((resolve) => {
        if (connections === 0) resolve();
        else allEnded = resolve;
      });
      await db.destroy();
      await ended;
    },
  };
}
