import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import argon2 from "argon2";
import { type Kysely, sql } from "kysely";
import type { User } from "../access.js";
import { type Actor, appendEvent, lockChain, SYSTEM_CHAIN } from "../audit/events.js";
import type { Database } from "../db/schema.js";
import { conflict, HttpError, invalid, notFound } from "../errors.js";
import { passwordProblem } from "./password-policy.js";

/**
 * Sign-in throttling (logins and signature re-authentication alike). Failures are counted per account
 * and client address before the password is checked, so parallel guesses cannot share a count: the
 * LOCKOUT_FAILURES-th failure locks that account *from that address* for LOCKOUT_MINUTES, doubling with
 * each further lockout up to MAX_LOCKOUT_MINUTES; attempts during a lockout are refused unchecked and
 * not counted, so they cannot extend it. An address with ADDRESS_FAILURES failures within the hour
 * (over any accounts) is refused for an hour. Someone else's failures therefore never lock a user out
 * at their own address. Locked, disabled and unknown accounts take the same path and time as a wrong
 * password.
 */
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_MINUTES = 15;
export const MAX_LOCKOUT_MINUTES = 24 * 60;
export const ADDRESS_FAILURES = 50;
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

/**
 * The audit log's record of a password: a digest of its stored hash (never the hash itself), so a hash
 * swapped in the credentials table no longer matches the log (`verifyAudit`).
 */
export const credentialChange = (userId: string, passwordHash: string) => ({
  kind: "credential",
  trialId: "",
  id: userId,
  after: { siteId: null, parent: userId, status: null, data: { passwordHashDigest: sha256(passwordHash) } },
});

/** Refuses a password the policy does not accept (400 naming the field, never repeating the value). */
export function checkPassword(password: string, account: { username: string; name?: string | undefined }, path = "password"): void {
  const problem = passwordProblem(password, account);
  if (problem) throw invalid([{ path, message: problem }]);
}

export async function createUser(
  db: Kysely<Database>,
  actor: Actor,
  input: { username: string; name: string; password: string; admin?: boolean | undefined },
  now: Date,
  /** The password policy; off only for demo accounts, whose password is published anyway. */
  policy = true,
): Promise<User> {
  if (policy) checkPassword(input.password, input);
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
        credentialChange(id, hash),
      ],
    });
    await tx.insertInto("credentials").values({ user_id: id, password_hash: hash, failed_logins: 0, locked_until: null }).execute();
    return user;
  });
}

type Attempt = { failures: number; locked_until: string | null; lockouts: number };

/** Counts an attempt under `key` (unless it is locked), atomically, and returns the count with this attempt. */
async function countAttempt(db: Kysely<Database>, key: string, now: Date): Promise<Attempt> {
  const at = now.toISOString();
  // Failures older than an hour are forgotten: the count starts again.
  const forgotten = new Date(now.getTime() - 3_600_000).toISOString();
  return db
    .insertInto("login_attempts")
    .values({ key, failures: 1, locked_until: null, lockouts: 0, updated_at: at })
    .onConflict((c) =>
      c.column("key").doUpdateSet({
        // A locked key is not counted: attempts during a lockout cannot prolong it.
        failures: sql<number>`case when login_attempts.locked_until > ${at} then login_attempts.failures
          when login_attempts.updated_at < ${forgotten} then 1 else login_attempts.failures + 1 end`,
        updated_at: at,
      }),
    )
    .returning(["failures", "locked_until", "lockouts"])
    .executeTakeFirstOrThrow();
}

/**
 * The client as throttling counts it: an IPv4 address, or an IPv6 address's /64 network (one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would be no limit at all).
 */
export function addressGroup(address: string): string {
  if (!address.includes(":") || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return address.replace(/^::ffff:/i, "");
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}

const isLocked = (attempt: Attempt, now: Date) => attempt.locked_until !== null && Date.parse(attempt.locked_until) > now.getTime();

/** Locks a key unless it is locked already (parallel refusals race here: one of them locks); the end, or null. */
async function lock(db: Kysely<Database>, key: string, minutes: number, lockouts: number, now: Date): Promise<string | null> {
  const until = new Date(now.getTime() + minutes * 60_000).toISOString();
  const result = await db
    .updateTable("login_attempts")
    .set({ failures: 0, locked_until: until, lockouts })
    .where("key", "=", key)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now.toISOString())]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0 ? until : null;
}

let dummyHash: Promise<string> | null = null;
/** A hash to check passwords against when there is no account to check: the same work as a real check. */
const unusedHash = () => (dummyHash ??= argon2.hash(newSecret(), ARGON2));

export type SignInPurpose = "login" | "signature" | "password";

/**
 * Checks a user's password for a login or an electronic signature, throttled as described above, and
 * logs the outcome in the system chain (`login.*` or `signature.*`, with the client's address). Returns
 * the user, or throws 401 with one message for every refusal.
 */
export async function authenticate(
  db: Kysely<Database>,
  username: string,
  password: string,
  now: Date,
  from: string,
  purpose: SignInPurpose,
): Promise<User> {
  const name = username.toLowerCase().slice(0, 100);
  const user = await findUser(db, { username: name });
  const client = addressGroup(from);
  const pairKey = `pair:${name}|${client}`;
  const addressKey = `address:${client}`;
  const pair = await countAttempt(db, pairKey, now);
  const address = await countAttempt(db, addressKey, now);
  const refusedBy =
    isLocked(pair, now) || pair.failures > LOCKOUT_FAILURES
      ? `locked for this account from ${from}`
      : isLocked(address, now) || address.failures > ADDRESS_FAILURES
        ? `address ${from} locked after ${ADDRESS_FAILURES} failed sign-ins`
        : !user
          ? "unknown user"
          : user.disabled
            ? "disabled account"
            : null;
  // The stored hash and the digest the audit log recorded for it, read together (one statement, so a
  // password change committing meanwhile cannot pair an old one with a new one). A hash swapped in
  // behind the server's back (to sign in as someone else) is refused, and the refusal logged. Unknown
  // users take the same query, for nobody: the same work whoever asks.
  const stored = await db
    .selectFrom("credentials")
    .leftJoin("entities", (join) =>
      join.onRef("entities.id", "=", "credentials.user_id").on("entities.kind", "=", "credential").on("entities.trial_id", "=", ""),
    )
    .select(["credentials.password_hash", "entities.data"])
    .where("credentials.user_id", "=", user?.id ?? "")
    .executeTakeFirst();
  const credential = user && stored ? { password_hash: stored.password_hash } : undefined;
  const genuine =
    credential &&
    stored?.data &&
    (JSON.parse(stored.data) as { passwordHashDigest?: string }).passwordHashDigest === sha256(credential.password_hash);
  const refusal = refusedBy ?? (credential && !genuine ? "the stored password hash is not the one in the audit log" : null);
  // Always one argon2 verification, whatever the case: the answer's timing tells nothing.
  const matches = await argon2.verify(refusal === null && credential ? credential.password_hash : await unusedHash(), password);
  const actor: Actor = user ? { id: user.id, name: user.name, role: `client ${from}` } : { id: "anonymous", name, role: `client ${from}` };
  const log = (type: string, reason: string | null = null) =>
    db
      .transaction()
      .execute((tx) => appendEvent(tx, { chain: SYSTEM_CHAIN, actor, type: `${purpose}.${type}`, reason, at: now, changes: [] }));
  if (refusal === null && matches && user) {
    await db.updateTable("login_attempts").set({ failures: 0, lockouts: 0, locked_until: null }).where("key", "=", pairKey).execute();
    // The address counted this attempt before it was checked: a success takes it back, so an address
    // many people sign in from (a hospital's) is limited by its failures only.
    await db
      .updateTable("login_attempts")
      .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
      .where("key", "=", addressKey)
      .execute();
    if (purpose === "login") await log("succeeded");
    return user;
  }
  await log(refusal === null ? "failed" : "refused", refusal ?? "wrong password");
  // Every refusal counted toward the limit locks at it, with an end: also for an unknown or disabled
  // account, and for a burst whose attempts were all counted before the first was checked.
  if (!isLocked(pair, now) && pair.failures >= LOCKOUT_FAILURES) {
    const minutes = Math.min(LOCKOUT_MINUTES * 2 ** pair.lockouts, MAX_LOCKOUT_MINUTES);
    const until = await lock(db, pairKey, minutes, pair.lockouts + 1, now);
    if (until) await log("locked", `${pair.failures} failed sign-ins in a row from ${from}: refused from there until ${until}`);
  }
  if (!isLocked(address, now) && address.failures >= ADDRESS_FAILURES) {
    const until = await lock(db, addressKey, 60, address.lockouts + 1, now);
    if (until) await log("address-locked", `${address.failures} failed sign-ins from ${from} within the hour: refused until ${until}`);
  }
  throw new HttpError(
    401,
    { login: "login-failed", signature: "signature-refused", password: "password-refused" }[purpose],
    REFUSALS[purpose],
  );
}

const REFUSALS: Record<SignInPurpose, string> = {
  login: "wrong username or password, or the account is locked",
  password: "the current password does not match, or sign-in is locked for now: the password was not changed",
  signature: "the password does not match, or signing is locked for now: the signature was not applied",
};

/** Logs in: `authenticate`, then a new session (its id is returned once; only its hash is stored). */
export async function login(
  db: Kysely<Database>,
  username: string,
  password: string,
  now: Date,
  from: string,
): Promise<{ user: User; sessionId: string; csrfToken: string; expiresAt: Date }> {
  const user = await authenticate(db, username, password, now, from, "login");
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
      changes: [tokenChange(sha256(token), { userId: user.id, name, createdAt: now.toISOString() }, "active")],
    });
  });
  return token;
}

/**
 * The audit log's record of an API token: its SHA-256 (what the tokens table keys it by; the token
 * itself is never stored), so a token row inserted behind the server's back has no event (`verifyAudit`).
 */
export const tokenChange = (
  tokenHash: string,
  data: { userId: string; name: string; createdAt: string },
  status: "active" | "revoked",
) => ({
  kind: "token",
  trialId: "",
  id: tokenHash,
  after: { siteId: null, parent: data.userId, status, data },
});

export async function revokeApiToken(db: Kysely<Database>, user: User, name: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, SYSTEM_CHAIN);
    const row = await tx
      .selectFrom("api_tokens")
      .selectAll()
      .where("user_id", "=", user.id)
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return false;
    await tx.updateTable("api_tokens").set({ revoked_at: now.toISOString() }).where("token_hash", "=", row.token_hash).execute();
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor: { id: user.id, name: user.name, role: "user" },
      type: "token.revoked",
      reason: name,
      at: now,
      changes: [tokenChange(row.token_hash, { userId: user.id, name, createdAt: row.created_at }, "revoked")],
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
  // A row inserted behind the server's back has no logged, active token: it does not authenticate.
  const logged = await db
    .selectFrom("entities")
    .select(["parent", "status"])
    .where("kind", "=", "token")
    .where("trial_id", "=", "")
    .where("id", "=", sha256(token))
    .executeTakeFirst();
  if (logged?.status !== "active" || logged.parent !== row.user_id) return null;
  const user = await findUser(db, { id: row.user_id });
  return user && !user.disabled ? user : null;
}

export async function endSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", sha256(sessionId)).execute();
}

/** Ends a session (logout), logged in the system chain. */
export async function logout(db: Kysely<Database>, sessionId: string, now: Date, from: string): Promise<void> {
  const session = await db.selectFrom("sessions").select("user_id").where("id_hash", "=", sha256(sessionId)).executeTakeFirst();
  await endSession(db, sessionId);
  if (!session) return;
  const user = await findUser(db, { id: session.user_id });
  const actor: Actor = { id: session.user_id, name: user?.name ?? session.user_id, role: `client ${from}` };
  await db.transaction().execute((tx) => appendEvent(tx, { chain: SYSTEM_CHAIN, actor, type: "logout", at: now, changes: [] }));
}

/** Sets a new password (policy-checked) and logs the change of its digest; ends the user's other sessions. */
async function setPassword(
  db: Kysely<Database>,
  actor: Actor,
  target: User,
  password: string,
  type: "password.changed" | "password.reset",
  reason: string | null,
  now: Date,
  keepSession: string | null,
): Promise<void> {
  checkPassword(password, target, type === "password.changed" ? "newPassword" : "password");
  const hash = await argon2.hash(password, ARGON2);
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, SYSTEM_CHAIN);
    await tx.updateTable("credentials").set({ password_hash: hash }).where("user_id", "=", target.id).execute();
    let ending = tx.deleteFrom("sessions").where("user_id", "=", target.id);
    if (keepSession) ending = ending.where("id_hash", "<>", sha256(keepSession));
    await ending.execute();
    // A reset (a forgotten or compromised password) also revokes the user's API tokens — whoever held
    // the old password may have made some — and lifts their sign-in lockouts.
    const revoked =
      type === "password.reset"
        ? await tx.selectFrom("api_tokens").selectAll().where("user_id", "=", target.id).where("revoked_at", "is", null).execute()
        : [];
    if (type === "password.reset") {
      await tx
        .updateTable("api_tokens")
        .set({ revoked_at: now.toISOString() })
        .where("user_id", "=", target.id)
        .where("revoked_at", "is", null)
        .execute();
      await tx.deleteFrom("login_attempts").where("key", "like", `pair:${target.username.toLowerCase()}|%`).execute();
    }
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor,
      type,
      reason,
      at: now,
      changes: [
        credentialChange(target.id, hash),
        ...revoked.map((row) => tokenChange(row.token_hash, { userId: target.id, name: row.name, createdAt: row.created_at }, "revoked")),
      ],
    });
  });
}

/** A user changes their own password: the current one first (throttled like a login). */
export async function changeOwnPassword(
  db: Kysely<Database>,
  user: User,
  input: { currentPassword: string; newPassword: string },
  now: Date,
  from: string,
  sessionId: string | null,
): Promise<void> {
  await authenticate(db, user.username, input.currentPassword, now, from, "password");
  await setPassword(
    db,
    { id: user.id, name: user.name, role: `client ${from}` },
    user,
    input.newPassword,
    "password.changed",
    null,
    now,
    sessionId,
  );
}

async function userOrNotFound(db: Kysely<Database>, id: string): Promise<User & { disabled: boolean }> {
  const user = await findUser(db, { id });
  if (!user) throw notFound(`user ${id}`);
  return user;
}

/** An administrator sets a user's password (e.g. forgotten), with a reason; the user's sessions end. */
export async function resetPassword(
  db: Kysely<Database>,
  admin: Actor,
  userId: string,
  password: string,
  reason: string,
  now: Date,
): Promise<void> {
  await setPassword(db, admin, await userOrNotFound(db, userId), password, "password.reset", reason, now, null);
}

/** Disables (or enables again) an account, with a reason: a disabled user's sessions and tokens stop working at once. */
export async function setUserDisabled(
  db: Kysely<Database>,
  admin: Actor,
  userId: string,
  disabled: boolean,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, SYSTEM_CHAIN);
    const user = await tx
      .selectFrom("entities")
      .selectAll()
      .where("kind", "=", "user")
      .where("trial_id", "=", "")
      .where("id", "=", userId)
      .executeTakeFirst();
    if (!user) throw notFound(`user ${userId}`);
    if ((user.status !== "active") === disabled) throw conflict(`user ${userId} is ${disabled ? "disabled" : "active"} already`);
    if (disabled) await tx.deleteFrom("sessions").where("user_id", "=", userId).execute();
    // Enabled again: attempts refused while disabled no longer hold the account locked.
    else
      await tx
        .deleteFrom("login_attempts")
        .where("key", "like", `pair:${String(user.parent)}|%`)
        .execute();
    await appendEvent(tx, {
      chain: SYSTEM_CHAIN,
      actor: admin,
      type: disabled ? "user.disabled" : "user.enabled",
      reason,
      at: now,
      changes: [
        {
          kind: "user",
          trialId: "",
          id: userId,
          after: { siteId: null, parent: user.parent, status: disabled ? "disabled" : "active", data: JSON.parse(user.data) },
          expect: { version: user.version },
        },
      ],
    });
  });
}

/** Ends every session of a user (e.g. a lost laptop), with a reason. */
export async function endUserSessions(db: Kysely<Database>, admin: Actor, userId: string, reason: string, now: Date): Promise<number> {
  await userOrNotFound(db, userId);
  return db.transaction().execute(async (tx) => {
    const ended = await tx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
    await appendEvent(tx, { chain: SYSTEM_CHAIN, actor: admin, type: "sessions.ended", reason, subject: userId, at: now, changes: [] });
    return Number(ended.numDeletedRows);
  });
}
