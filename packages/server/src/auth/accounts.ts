import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import argon2 from "argon2";
import type { Kysely } from "kysely";
import type { User } from "../access.js";
import { type Actor, appendEvent, lockChain, SYSTEM_CHAIN } from "../audit/events.js";
import type { Database } from "../db/schema.js";
import { conflict, HttpError } from "../errors.js";

/** Consecutive failed logins that lock an account, and for how long. */
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_MINUTES = 15;
export const SESSION_HOURS = 12;

/** argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
export const newSecret = () => randomBytes(32).toString("base64url");

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function findUser(
  db: Kysely<Database>,
  by: { id?: string; username?: string },
): Promise<(User & { disabled: boolean }) | null> {
  let query = db.selectFrom("entities").select(["id", "data", "status"]).where("kind", "=", "user").where("trial_id", "=", "");
  if (by.id !== undefined) query = query.where("id", "=", by.id);
  if (by.username !== undefined) query = query.where("parent", "=", by.username.toLowerCase());
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const data = JSON.parse(row.data) as { username: string; name: string; admin: boolean };
  return { id: row.id, username: data.username, name: data.name, admin: data.admin, disabled: row.status !== "active" };
}

export async function createUser(
  db: Kysely<Database>,
  actor: Actor,
  input: { username: string; name: string; password: string; admin?: boolean | undefined },
  now: Date,
): Promise<User> {
  const hash = await argon2.hash(input.password, ARGON2);
  const id = randomUUID();
  return db.transaction().execute(async (tx) => {
    // Checked under the system chain's lock (and enforced by a unique index): one of concurrent creates wins.
    await lockChain(tx, SYSTEM_CHAIN);
    if (await findUser(tx, { username: input.username })) throw conflict(`username ${input.username} is taken`);
    const user: User = { id, username: input.username, name: input.name, admin: input.admin ?? false };
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor,
      type: "user.created",
      at: now,
      changes: [
        {
          kind: "user",
          trialId: "",
          id,
          after: { siteId: null, parent: input.username.toLowerCase(), status: "active", data: { ...user } },
          expect: "new",
        },
      ],
    });
    await tx.insertInto("credentials").values({ user_id: id, password_hash: hash, failed_logins: 0, locked_until: null }).execute();
    return user;
  });
}

/** Checks a password without side effects (used for re-authentication when signing). */
export async function passwordMatches(db: Kysely<Database>, userId: string, password: string): Promise<boolean> {
  const credential = await db.selectFrom("credentials").selectAll().where("user_id", "=", userId).executeTakeFirst();
  return credential ? argon2.verify(credential.password_hash, password) : false;
}

/**
 * Logs in: a locked account is refused without checking the password; every outcome is logged;
 * LOCKOUT_FAILURES consecutive failures lock the account for LOCKOUT_MINUTES.
 */
export async function login(
  db: Kysely<Database>,
  username: string,
  password: string,
  now: Date,
  from: string,
): Promise<{ user: User; sessionId: string; csrfToken: string; expiresAt: Date }> {
  const user = await findUser(db, { username });
  const refuse = new HttpError(401, "login-failed", "wrong username or password, or the account is locked");
  const log = (type: string, who: Actor, reason: string | null = null) =>
    db.transaction().execute((tx) => appendEvent(tx, { chain: SYSTEM_CHAIN, actor: who, type, reason, at: now, changes: [] }));
  const anonymous: Actor = { id: "anonymous", name: username.slice(0, 100), role: `client ${from}` };
  if (!user || user.disabled) {
    // Hash anyway, so response time does not tell which usernames exist.
    await argon2.hash(password, ARGON2);
    await log("login.failed", anonymous, "unknown or disabled user");
    throw refuse;
  }
  const actor: Actor = { id: user.id, name: user.name, role: `client ${from}` };
  const credential = await db.selectFrom("credentials").selectAll().where("user_id", "=", user.id).executeTakeFirstOrThrow();
  if (credential.locked_until && Date.parse(credential.locked_until) > now.getTime()) {
    await log("login.refused", actor, `account locked until ${credential.locked_until}`);
    throw refuse;
  }
  if (!(await argon2.verify(credential.password_hash, password))) {
    const failures = credential.failed_logins + 1;
    const lock = failures >= LOCKOUT_FAILURES ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000).toISOString() : null;
    await db
      .updateTable("credentials")
      .set({ failed_logins: lock ? 0 : failures, locked_until: lock })
      .where("user_id", "=", user.id)
      .execute();
    await log(lock ? "account.locked" : "login.failed", actor, lock ? `${failures} failed logins in a row` : "wrong password");
    throw refuse;
  }
  await db.updateTable("credentials").set({ failed_logins: 0, locked_until: null }).where("user_id", "=", user.id).execute();
  const sessionId = newSecret();
  const csrfToken = newSecret();
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  await db
    .insertInto("sessions")
    .values({
      id_hash: sha256(sessionId),
      user_id: user.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  await log("login.succeeded", actor);
  return { user, sessionId, csrfToken, expiresAt };
}

export async function createApiToken(db: Kysely<Database>, user: User, name: string, now: Date): Promise<string> {
  const token = `esc_${newSecret()}`;
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, SYSTEM_CHAIN);
    const existing = await tx
      .selectFrom("api_tokens")
      .select("name")
      .where("user_id", "=", user.id)
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (existing) throw conflict(`you already have an API token named ${name}`);
    await tx
      .insertInto("api_tokens")
      .values({ token_hash: sha256(token), user_id: user.id, name, created_at: now.toISOString(), revoked_at: null })
      .execute();
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor: { id: user.id, name: user.name, role: "user" },
      type: "token.created",
      reason: name,
      at: now,
      changes: [],
    });
  });
  return token;
}

export async function revokeApiToken(db: Kysely<Database>, user: User, name: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const result = await tx
      .updateTable("api_tokens")
      .set({ revoked_at: now.toISOString() })
      .where("user_id", "=", user.id)
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor: { id: user.id, name: user.name, role: "user" },
      type: "token.revoked",
      reason: name,
      at: now,
      changes: [],
    });
    return true;
  });
}

/** The user behind a session id or an API token; null if unknown, expired or revoked. */
export async function userBySession(db: Kysely<Database>, sessionId: string, now: Date): Promise<{ user: User; csrfToken: string } | null> {
  const session = await db.selectFrom("sessions").selectAll().where("id_hash", "=", sha256(sessionId)).executeTakeFirst();
  if (!session || Date.parse(session.expires_at) <= now.getTime()) return null;
  const user = await findUser(db, { id: session.user_id });
  return user && !user.disabled ? { user, csrfToken: session.csrf_token } : null;
}

export async function userByToken(db: Kysely<Database>, token: string): Promise<User | null> {
  const row = await db
    .selectFrom("api_tokens")
    .select("user_id")
    .where("token_hash", "=", sha256(token))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  const user = await findUser(db, { id: row.user_id });
  return user && !user.disabled ? user : null;
}

export async function endSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", sha256(sessionId)).execute();
}
