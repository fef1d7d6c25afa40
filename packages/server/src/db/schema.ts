import type { Generated } from "kysely";

/**
 * The database. `events` is the system of record (append-only, hash-chained); `entities` is the current
 * state, a projection of the events that can be rebuilt from them at any time. Credentials, sessions,
 * tokens and simulation jobs are operational data outside the projection (their changes are still
 * logged as events, without secrets).
 */
export interface Database {
  events: EventTable;
  chains: ChainTable;
  entities: EntityTable;
  credentials: CredentialTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  jobs: JobTable;
  job_results: JobResultTable;
  job_shards: JobShardTable;
  login_attempts: LoginAttemptTable;
  randomization_secrets: RandomizationSecretTable;
}

/** A trial's randomization secret (32 random bytes, hex; the allocation seed is its first 48 bits). Concealed: only its digest is logged. */
export interface RandomizationSecretTable {
  trial_id: string;
  seed: string;
  created_at: string;
}

/** Failed sign-ins (logins and signatures) per "pair:<username>|<address>" and per "address:<address>". */
export interface LoginAttemptTable {
  key: string;
  /** Failures since the last success or lockout. */
  failures: number;
  /** While in the future, attempts are refused without checking the password (and not counted). */
  locked_until: string | null;
  /** Lockouts so far: each one lasts twice as long as the last, up to a day. */
  lockouts: number;
  updated_at: string;
}

export interface EventTable {
  seq: Generated<number>;
  /** The chain this event extends: a trial id, or "system" for users, grants and logins. */
  chain: string;
  chain_seq: number;
  /** UTC, ISO 8601 with milliseconds. */
  at: string;
  actor: string;
  actor_name: string;
  /** The actor's role at the time, e.g. "investigator@site-01". */
  role: string;
  type: string;
  reason: string | null;
  /** The patient concerned, if any (for per-patient audit trails). */
  subject: string | null;
  site_id: string | null;
  /** JSON: [{ kind, id, before, after }]. */
  changes: string;
  prev_hash: string;
  hash: string;
}

export interface ChainTable {
  chain: string;
  seq: number;
  head: string;
}

export interface EntityTable {
  kind: string;
  /** "" for entities outside any trial (users, global grants). */
  trial_id: string;
  id: string;
  site_id: string | null;
  /** Grouping key: a slot's cohort, a record's patient, a grant's user. */
  parent: string | null;
  status: string | null;
  /** JSON document. */
  data: string;
  version: number;
  /** The event that last changed it. */
  seq: number;
}

export interface CredentialTable {
  user_id: string;
  password_hash: string;
  failed_logins: number;
  locked_until: string | null;
}

export interface SessionTable {
  /** SHA-256 of the session id (the cookie holds the id itself). */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokenTable {
  token_hash: string;
  user_id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export interface JobTable {
  id: string;
  trial_id: string | null;
  owner: string;
  /** JSON: the validated simulation request. */
  request: string;
  status: string;
  created_at: string;
  finished_at: string | null;
}

/** A study's finished task (design × scenario): its operating characteristics, or why it failed. */
export interface JobResultTable {
  job_id: string;
  task: number;
  /** The worker that finished it. */
  worker: string | null;
  /** JSON: operating characteristics, or null when it failed. */
  result: string | null;
  error: string | null;
}

/** A finished shard of a task not yet complete: its blocks' sums (JSON arrays, in block order). */
export interface JobShardTable {
  job_id: string;
  task: number;
  shard: number;
  worker: string;
  blocks: string;
}
