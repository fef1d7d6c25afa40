import type { Kysely } from "kysely";
import type { Actor } from "./audit/events.js";
import { PERMISSIONS, type Permission, type Role, SITE_ROLES } from "./contract/roles.js";
import type { Database } from "./db/schema.js";
import { forbidden, notFound } from "./errors.js";

export { type Permission, ROLES, type Role, SITE_ROLES } from "./contract/roles.js";

export interface User {
  id: string;
  username: string;
  name: string;
  /** System administrator: manages users and trials; no patient data entry. */
  admin: boolean;
}

export interface Grant {
  userId: string;
  trialId: string;
  role: Role;
  /** For site roles: the site; null otherwise. */
  siteId: string | null;
}

/** What a user may do in one trial for one permission: as whom, and at which sites (null = all). */
export interface Access {
  actor: Actor;
  sites: readonly string[] | null;
}

export function grantId(grant: Omit<Grant, "trialId">): string {
  return `${grant.userId}:${grant.role}:${grant.siteId ?? "*"}`;
}

export async function grantsOf(db: Kysely<Database>, userId: string): Promise<Grant[]> {
  const rows = await db.selectFrom("entities").select("data").where("kind", "=", "grant").where("parent", "=", userId).execute();
  return rows.map((row) => JSON.parse(row.data) as Grant);
}

/**
 * Resolves `permission` in `trialId` for `user`, or throws: 404 when the user has no part in the trial
 * (its existence is not revealed), 403 when the user's roles do not allow it. Site roles limit the
 * sites; any other role that allows the permission gives all sites.
 */
export async function authorize(db: Kysely<Database>, user: User, trialId: string, permission: Permission): Promise<Access> {
  const grants = (await grantsOf(db, user.id)).filter((g) => g.trialId === trialId);
  const trial = await db.selectFrom("entities").select("id").where("kind", "=", "trial").where("trial_id", "=", trialId).executeTakeFirst();
  if (!trial || (grants.length === 0 && !user.admin)) throw notFound(`trial ${trialId}`);
  const allowed: readonly Role[] = PERMISSIONS[permission];
  if (user.admin && allowed.includes("admin")) return { actor: actorOf(user, "admin"), sites: null };
  const usable = grants.filter((g) => allowed.includes(g.role));
  if (usable.length === 0) {
    const held = [...new Set(grants.map((g) => g.role))].join(", ") || "none";
    throw forbidden(`${permission} needs one of the roles ${allowed.join(", ")} in trial ${trialId} (you have: ${held})`);
  }
  const global = usable.find((g) => !SITE_ROLES.has(g.role));
  if (global) return { actor: actorOf(user, global.role), sites: null };
  const sites = [...new Set(usable.map((g) => g.siteId!))].sort();
  return { actor: actorOf(user, `${usable[0]!.role}@${sites.join(",")}`), sites };
}

/** A user acting as a system administrator (user management, trial creation). */
export function requireAdmin(user: User): Actor {
  if (!user.admin) throw forbidden("this needs a system administrator");
  return actorOf(user, "admin");
}

export function actorOf(user: User, role: string): Actor {
  return { id: user.id, name: user.name, role };
}

/** Throws 404 unless `siteId` is among `sites` (null = all): other sites' patients do not exist for the caller. */
export function checkSite(access: Access, siteId: string | null, what: string): void {
  if (access.sites !== null && (siteId === null || !access.sites.includes(siteId))) throw notFound(what);
}

export const SYSTEM_ACTOR: Actor = { id: "system", name: "Escalate", role: "system" };
