import type { Kysely } from "kysely";
import type { Tx } from "../audit/events.js";
import type { Database } from "./schema.js";

/** A projected entity with its document typed as T. */
export interface Entity<T> {
  id: string;
  siteId: string | null;
  parent: string | null;
  status: string | null;
  version: number;
  data: T;
}

export interface EntityFilter {
  /** Only these sites (site isolation); null or absent = all. */
  sites?: readonly string[] | null | undefined;
  parent?: string | undefined;
  status?: readonly string[] | undefined;
  id?: string | undefined;
}

/** Entities of one kind in one trial, filtered in the query (never after fetching). */
export async function listEntities<T>(
  db: Kysely<Database> | Tx,
  trialId: string,
  kind: string,
  filter: EntityFilter = {},
): Promise<Entity<T>[]> {
  let query = db.selectFrom("entities").selectAll().where("trial_id", "=", trialId).where("kind", "=", kind);
  if (filter.sites) {
    if (filter.sites.length === 0) return [];
    query = query.where("site_id", "in", filter.sites);
  }
  if (filter.parent !== undefined) query = query.where("parent", "=", filter.parent);
  if (filter.status) query = query.where("status", "in", filter.status);
  if (filter.id !== undefined) query = query.where("id", "=", filter.id);
  const rows = await query.orderBy("seq").orderBy("id").execute();
  return rows.map((row) => ({
    id: row.id,
    siteId: row.site_id,
    parent: row.parent,
    status: row.status,
    version: row.version,
    data: JSON.parse(row.data) as T,
  }));
}

export async function getEntity<T>(
  db: Kysely<Database> | Tx,
  trialId: string,
  kind: string,
  id: string,
  filter: EntityFilter = {},
): Promise<Entity<T> | null> {
  return (await listEntities<T>(db, trialId, kind, { ...filter, id }))[0] ?? null;
}
