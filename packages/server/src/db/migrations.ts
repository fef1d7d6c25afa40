import { type Kysely, type Migration, Migrator, PostgresAdapter, sql } from "kysely";
import { SYSTEM_ACTOR } from "../access.js";
import { appendEvent, type NewEvent, SYSTEM_CHAIN, type Tx } from "../audit/events.js";
import { credentialChange, tokenChange } from "../auth/accounts.js";
import { logSimulationDigests, resultDigests } from "../simulation/jobs.js";

/**
 * Versioned migrations, in order; a released migration is never edited — add the next one. Written with
 * Kysely's schema builder so one definition serves SQLite and PostgreSQL; dialect-specific SQL only for
 * the append-only triggers.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on the current schema's types (Kysely's advice).
type AnyDatabase = Kysely<any>;

const migrations: Record<string, Migration> = {
  "0001-event-log-and-projection": {
    async up(db: AnyDatabase) {
      const postgres = isPostgres(db);
      await db.schema
        .createTable("events")
        .addColumn("seq", postgres ? "serial" : "integer", (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn("chain", "text", (c) => c.notNull())
        .addColumn("chain_seq", "integer", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("actor_name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("subject", "text")
        .addColumn("site_id", "text")
        .addColumn("changes", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        // Two events can never claim the same place in a chain.
        .addUniqueConstraint("events_chain_position", ["chain", "chain_seq"])
        .execute();
      await db.schema.createIndex("events_subject").on("events").columns(["chain", "subject"]).execute();
      await db.schema
        .createTable("chains")
        .addColumn("chain", "text", (c) => c.primaryKey())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("head", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("entities")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("trial_id", "text", (c) => c.notNull())
        .addColumn("id", "text", (c) => c.notNull())
        .addColumn("site_id", "text")
        .addColumn("parent", "text")
        .addColumn("status", "text")
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("entities_key", ["kind", "trial_id", "id"])
        .execute();
      await db.schema.createIndex("entities_by_parent").on("entities").columns(["trial_id", "kind", "parent", "status"]).execute();
      await db.schema.createIndex("entities_by_site").on("entities").columns(["trial_id", "kind", "site_id"]).execute();
      if (postgres) {
        await sql`create function events_append_only() returns trigger language plpgsql as $$
          begin raise exception 'the event log is append-only'; end $$`.execute(db);
        await sql`create trigger events_no_update before update or delete on events
          for each row execute function events_append_only()`.execute(db);
      } else {
        await sql`create trigger events_no_update before update on events
          begin select raise(abort, 'the event log is append-only'); end`.execute(db);
        await sql`create trigger events_no_delete before delete on events
          begin select raise(abort, 'the event log is append-only'); end`.execute(db);
      }
    },
  },
  "0002-accounts-and-jobs": {
    async up(db: AnyDatabase) {
      await db.schema
        .createTable("credentials")
        .addColumn("user_id", "text", (c) => c.primaryKey())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", "text")
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("id_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("api_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("trial_id", "text")
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("request", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .execute();
      await db.schema
        .createTable("job_tasks")
        .addColumn("job_id", "text", (c) => c.notNull())
        .addColumn("task", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("worker", "text")
        .addColumn("claimed_at", "text")
        .addColumn("result", "text")
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("job_tasks_key", ["job_id", "task"])
        .execute();
      await db.schema.createIndex("job_tasks_by_status").on("job_tasks").columns(["status"]).execute();
    },
  },
  "0003-unique-keys": {
    async up(db: AnyDatabase) {
      // Uniqueness is checked under a lock and enforced here, so concurrent creates cannot both succeed.
      // Before this version a race could create two accounts with one username: say which, plainly.
      const twins = await db
        .selectFrom("entities")
        .select("parent")
        .where("kind", "=", "user")
        .groupBy("parent")
        .having((eb) => eb.fn.countAll(), ">", 1)
        .execute();
      if (twins.length > 0)
        throw new Error(
          `several accounts share the username ${twins.map((t) => `"${t.parent}"`).join(", ")} (created concurrently before this version): disable and rename all but one, then start again`,
        );
      // Active API tokens of one user sharing a name: revoked (their owners make new ones through the API).
      const tokenTwins = await db
        .selectFrom("api_tokens")
        .select(["user_id", "name"])
        .where("revoked_at", "is", null)
        .groupBy(["user_id", "name"])
        .having((eb) => eb.fn.countAll(), ">", 1)
        .execute();
      if (tokenTwins.length > 0)
        await db
          .updateTable("api_tokens")
          .set({ revoked_at: new Date().toISOString() })
          .where("revoked_at", "is", null)
          .where((eb) => eb.or(tokenTwins.map((t) => eb.and([eb("user_id", "=", t.user_id), eb("name", "=", t.name)]))))
          .execute();
      await db.schema
        .createIndex("entities_unique_username")
        .on("entities")
        .column("parent")
        .unique()
        .where(sql.ref("kind"), "=", "user")
        .execute();
      await db.schema
        .createIndex("api_tokens_unique_active_name")
        .on("api_tokens")
        .columns(["user_id", "name"])
        .unique()
        .where(sql.ref("revoked_at"), "is", null)
        .execute();
    },
  },
  "0004-login-attempts": {
    async up(db: AnyDatabase) {
      // Failed sign-ins per (account, client address) and per address, counted before the password is
      // checked. Replaces the per-account counter of `credentials`, which anyone could run up.
      await db.schema
        .createTable("login_attempts")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("locked_until", "text")
        .addColumn("lockouts", "integer", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0005-log-credentials-and-tokens": {
    async up(db: AnyDatabase) {
      // From now on the log vouches for stored password hashes, API tokens and simulation results
      // (verifyAudit checks them). What existed before is logged once here, by the system.
      // PostgreSQL runs each migration in a transaction already; SQLite does not.
      const inTransaction = (work: (tx: AnyDatabase) => Promise<void>) => (db.isTransaction ? work(db) : db.transaction().execute(work));
      await inTransaction(async (tx) => {
        const at = new Date();
        const log = (chain: string, type: string, changes: NewEvent["changes"]) =>
          changes.length > 0 && appendEvent(tx as unknown as Tx, { chain, actor: SYSTEM_ACTOR, type, at, changes });
        const credentials = await tx.selectFrom("credentials").select(["user_id", "password_hash"]).execute();
        await log(
          SYSTEM_CHAIN,
          "credentials.logged",
          credentials.map((c) => credentialChange(c.user_id, c.password_hash)),
        );
        const tokens = await tx.selectFrom("api_tokens").selectAll().where("revoked_at", "is", null).execute();
        await log(
          SYSTEM_CHAIN,
          "tokens.logged",
          tokens.map((t) => tokenChange(t.token_hash, { userId: t.user_id, name: t.name, createdAt: t.created_at }, "active")),
        );
        for (const job of await tx
          .selectFrom("jobs")
          .select(["id", "trial_id", "status"])
          .where("status", "in", ["done", "failed"])
          .execute()) {
          // The results as they were kept then (one row per task, until 0007).
          const tasks = await tx
            .selectFrom("job_tasks")
            .select(["task", "result"])
            .where("job_id", "=", job.id)
            .where("status", "=", "done")
            .execute();
          await logSimulationDigests(tx as unknown as Tx, {
            jobId: job.id,
            trialId: job.trial_id,
            status: job.status,
            at,
            type: "simulation.logged",
            actor: SYSTEM_ACTOR,
            digests: resultDigests(tasks),
          });
        }
      });
    },
  },
  "0006-randomization-secrets": {
    async up(db: AnyDatabase) {
      // The seed each trial's randomization lists are drawn from. Never in an API response or the log: the
      // log holds its SHA-256 digest (the trial's "randomization" entity), which verifyAudit checks.
      await db.schema
        .createTable("randomization_secrets")
        .addColumn("trial_id", "text", (c) => c.primaryKey())
        .addColumn("seed", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0007-simulation-shards": {
    async up(db: AnyDatabase) {
      // Studies run as shards on a queue (pg-boss on PostgreSQL, in the server process on SQLite): the
      // task table with its claims and leases goes. What a study computed stays: a task's result (or
      // error) in job_results, a shard's block sums in job_shards until its task is complete.
      await db.schema
        .createTable("job_results")
        .addColumn("job_id", "text", (c) => c.notNull())
        .addColumn("task", "integer", (c) => c.notNull())
        .addColumn("worker", "text")
        .addColumn("result", "text")
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("job_results_key", ["job_id", "task"])
        .execute();
      await db.schema
        .createTable("job_shards")
        .addColumn("job_id", "text", (c) => c.notNull())
        .addColumn("task", "integer", (c) => c.notNull())
        .addColumn("shard", "integer", (c) => c.notNull())
        .addColumn("worker", "text", (c) => c.notNull())
        .addColumn("blocks", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("job_shards_key", ["job_id", "task", "shard"])
        .execute();
      await db
        .insertInto("job_results")
        .columns(["job_id", "task", "worker", "result", "error"])
        .expression((eb) =>
          eb.selectFrom("job_tasks").select(["job_id", "task", "worker", "result", "error"]).where("status", "in", ["done", "failed"]),
        )
        .execute();
      await db.schema.dropTable("job_tasks").execute();
    },
  },
};

function isPostgres(db: AnyDatabase): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Migrates up to and including `name`: tests start from an earlier schema this way. */
export async function migrateTo(db: AnyDatabase, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

export async function migrateToLatest(db: AnyDatabase): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
