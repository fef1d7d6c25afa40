import {
  adverseEventOf,
  analyzeTrialRecords,
  type DltWindow,
  proposedDlt,
  RECORD_COLLECTIONS,
  type RecordCollection,
  studyDayOn,
  type TrialAnalysis,
  type TrialData,
} from "@escalate/core";
import type { Kysely } from "kysely";
import type { Tx } from "../audit/events.js";
import { kindOfCollection } from "../contract/requests.js";
import { type Entity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { loadTrial } from "./trials.js";

type Doc = Record<string, unknown>;

/**
 * A live trial as of one day: its data in the trial format (the records that can be read), the
 * analysis (with every patient's problems), and each patient's DLT window — for every site; callers
 * filter by the sites their user may see.
 */
export interface TrialState {
  data: TrialData;
  analysis: TrialAnalysis;
  windows: DltWindow[];
}

interface Cached {
  key: string;
  state: TrialState;
}
/** Per database, per trial: the state of one trial version on one day. */
const CACHE = new WeakMap<object, Map<string, Cached>>();
const CACHED_TRIALS = 50;

/**
 * The trial's state, computed once per trial version (its chain's length: every change to a trial is
 * an event in its chain) and day, not once per request. Read in one snapshot (repeatable read), so the
 * version read first is the version of every record read after it. Inside a caller's transaction (which
 * holds the trial's lock, as the escalation meeting does) it is computed afresh from what that
 * transaction sees.
 */
export async function trialState(db: Kysely<Database> | Tx, trialId: string, now: Date): Promise<TrialState> {
  const day = now.toISOString().slice(0, 10);
  if (db.isTransaction) return (await readState(db, trialId, day)).state;
  const trials = CACHE.get(db) ?? new Map<string, Cached>();
  CACHE.set(db, trials);
  const version = await db.selectFrom("chains").select("seq").where("chain", "=", trialId).executeTakeFirst();
  const cached = trials.get(trialId);
  if (cached && version && cached.key === `${version.seq}@${day}`) return cached.state;
  const fresh = await db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute((tx) => readState(tx, trialId, day));
  trials.delete(trialId);
  if (trials.size >= CACHED_TRIALS) trials.delete(trials.keys().next().value!);
  trials.set(trialId, fresh);
  return fresh.state;
}

async function readState(db: Kysely<Database> | Tx, trialId: string, day: string): Promise<Cached> {
  const version = await db.selectFrom("chains").select("seq").where("chain", "=", trialId).executeTakeFirst();
  const doc = await loadTrial(db, trialId);
  const patients = await listEntities<Doc>(db, trialId, "patient");
  const records = {} as Record<RecordCollection, Entity<Doc>[]>;
  for (const collection of RECORD_COLLECTIONS) records[collection] = await listEntities<Doc>(db, trialId, kindOfCollection(collection));
  const ids = Object.fromEntries(
    [["patients", patients] as const, ...RECORD_COLLECTIONS.map((c) => [c, records[c]] as const)].map(([c, list]) => [
      c,
      list.map((e) => e.id),
    ]),
  );
  const { data, analysis } = analyzeTrialRecords(
    {
      compound: doc.compound,
      trial: { ...doc.trial, dataCutDate: day },
      patients: patients.map((p) => p.data),
      ...Object.fromEntries(RECORD_COLLECTIONS.map((c) => [c, records[c].map((e) => e.data)])),
    },
    ids,
  );
  return {
    key: `${version?.seq ?? 0}@${day}`,
    state: { data, analysis, windows: windowsOf(data, analysis, patients, records.adverseEvents) },
  };
}

function windowsOf(data: TrialData, analysis: TrialAnalysis, patients: Entity<Doc>[], adverse: Entity<Doc>[]): DltWindow[] {
  const { trial } = data;
  const definition = { ...trial.dlt, excludedTerms: trial.dlt.excludedTerms ?? [] };
  const unreadable = new Set(analysis.problems.map((p) => p.record));
  const summaries = new Map(analysis.patients.map((s) => [s.USUBJID, s]));
  const readable = new Map(data.patients.map((p) => [p.USUBJID, p]));
  const problemsOf = groupBy(analysis.problems, (p) => p.USUBJID);
  // Events not yet adjudicated, per patient; an unreadable one is a problem already, not a proposal.
  const awaiting = groupBy(
    adverse.filter((e) => e.data.DLTFL === undefined && !unreadable.has(e.id)),
    (e) => String(e.parent),
  );
  // In cohort order, then by patient: a corrected registration keeps its place in the list.
  const ordered = [...patients].sort((a, b) => Number(a.data.cohort) - Number(b.data.cohort) || a.id.localeCompare(b.id));
  return ordered.map((entity): DltWindow => {
    const USUBJID = entity.id;
    const problems = problemsOf.get(USUBJID) ?? [];
    const patient = readable.get(USUBJID);
    const summary = summaries.get(USUBJID);
    if (!patient || !summary) {
      return {
        USUBJID,
        siteId: entity.siteId,
        cohort: Number(entity.data.cohort),
        doseLevel: Number(entity.data.doseLevel),
        status: "not analysable",
        reason: `the registration cannot be read: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
        windowStart: String(entity.data.RFXSTDTC ?? ""),
        windowEnd: null,
        daysLeft: 0,
        unadjudicated: [],
        problems,
      };
    }
    const today = studyDayOn(trial.dataCutDate, patient.RFXSTDTC);
    const start = Date.parse(`${patient.RFXSTDTC}T00:00:00Z`);
    const unadjudicated = (awaiting.get(USUBJID) ?? [])
      .filter((e) => proposedDlt(adverseEventOf(e.data as TrialData["adverseEvents"][number]), today, definition))
      .map((e) => e.id);
    return {
      USUBJID,
      siteId: patient.SITEID ?? null,
      cohort: patient.cohort,
      doseLevel: patient.doseLevel,
      status: summary.dlt.status,
      reason: summary.dlt.reason,
      windowStart: patient.RFXSTDTC,
      windowEnd: new Date(start + (trial.dlt.windowDays - 1) * 86_400_000).toISOString().slice(0, 10),
      daysLeft: Math.max(0, trial.dlt.windowDays - Math.max(today, 0)),
      unadjudicated,
      problems,
    };
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** The part of a trial's state a caller may see: the patients of `sites` (null = all) and their records. */
export function visiblePart(state: TrialState, sites: readonly string[] | null): TrialState {
  if (sites === null) return state;
  const allowed = new Set(sites);
  const windows = state.windows.filter((w) => w.siteId !== null && allowed.has(w.siteId));
  const mine = new Set(windows.map((w) => w.USUBJID));
  const keep = <T extends { USUBJID: string }>(list: T[]) => list.filter((r) => mine.has(r.USUBJID));
  const { data, analysis } = state;
  return {
    windows,
    data: {
      ...data,
      patients: keep(data.patients),
      administrations: keep(data.administrations),
      adverseEvents: keep(data.adverseEvents),
      labs: keep(data.labs),
      tumours: keep(data.tumours),
      pk: keep(data.pk),
    },
    analysis: { ...analysis, patients: keep(analysis.patients), problems: keep(analysis.problems) },
  };
}
