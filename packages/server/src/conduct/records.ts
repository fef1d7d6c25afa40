import { randomUUID } from "node:crypto";
import { analyzeTrialData, parseWith, proposedDlt, studyDayOn, type TrialData, ValidationError } from "@escalate/core";
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { Access } from "../access.js";
import { type Actor, appendEvent, lockChain, type Tx } from "../audit/events.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { invalid, notFound } from "../errors.js";
import { type RecordDomain, recordDomains, recordKinds } from "../schemas.js";
import { state, trialDataOf } from "./trials.js";

type Doc = Record<string, unknown>;

function validate(schema: z.ZodType, record: unknown, path: string): Doc {
  try {
    return parseWith(schema, record) as Doc;
  } catch (error) {
    if (error instanceof ValidationError) throw invalid(error.issues.map((i) => ({ ...i, path: i.path ? `${path}.${i.path}` : path })));
    throw error;
  }
}

async function patientFor(db: Kysely<Database>, access: Access, trialId: string, USUBJID: string): Promise<Entity<Doc>> {
  const patient = await getEntity<Doc>(db, trialId, "patient", USUBJID, { sites: access.sites });
  if (!patient) throw notFound(`patient ${USUBJID}`);
  return patient;
}

/** Records a clinical record (dose, adverse event, lab, tumour measurement, PK sample) for a patient. */
export async function addRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  USUBJID: string,
  domain: RecordDomain,
  body: Doc,
  now: Date,
): Promise<Entity<Doc>> {
  const patient = await patientFor(db, access, trialId, USUBJID);
  const { kind } = recordDomains[domain];
  const data = { USUBJID, ...body };
  const id = randomUUID();
  await db.transaction().execute((tx) =>
    appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${kind}.recorded`,
      subject: USUBJID,
      siteId: patient.siteId,
      at: now,
      changes: [{ kind, trialId, id, after: state(data, { siteId: patient.siteId, parent: USUBJID }) }],
    }),
  );
  return { id, siteId: patient.siteId, parent: USUBJID, status: null, version: 1, data };
}

async function recordFor(db: Kysely<Database> | Tx, access: Access, trialId: string, id: string): Promise<Entity<Doc> & { kind: string }> {
  for (const kind of recordKinds) {
    const record = await getEntity<Doc>(db, trialId, kind, id, { sites: access.sites });
    if (record) return { ...record, kind };
  }
  throw notFound(`record ${id}`);
}

/** Corrects a record (reason required); the log keeps the old and the new values. */
export async function correctRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  id: string,
  body: Doc,
  reason: string,
  now: Date,
): Promise<Entity<Doc>> {
  // Read under the trial's lock: a concurrent correction or deletion cannot slip in between.
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const record = await recordFor(tx, access, trialId, id);
    const domain = (Object.keys(recordDomains) as RecordDomain[]).find((d) => recordDomains[d].kind === record.kind)!;
    const corrected = validate(recordDomains[domain].schema, body, "record");
    // An adjudication stays with the event it was made on only while the facts it judged are unchanged.
    const data = { USUBJID: record.data.USUBJID, ...corrected };
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${record.kind}.corrected`,
      reason,
      subject: String(record.data.USUBJID),
      siteId: record.siteId,
      at: now,
      changes: [{ kind: record.kind, trialId, id, after: state(data, { siteId: record.siteId, parent: record.parent }) }],
    });
    return { ...record, data, version: record.version + 1 };
  });
}

export async function deleteRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  id: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const record = await recordFor(tx, access, trialId, id);
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${record.kind}.deleted`,
      reason,
      subject: String(record.data.USUBJID),
      siteId: record.siteId,
      at: now,
      changes: [{ kind: record.kind, trialId, id, after: null }],
    });
  });
}

export async function listRecords(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  USUBJID: string,
): Promise<Record<string, Entity<Doc>[]>> {
  await patientFor(db, access, trialId, USUBJID);
  const result: Record<string, Entity<Doc>[]> = {};
  for (const domain of Object.keys(recordDomains) as RecordDomain[]) {
    result[domain] = await listEntities<Doc>(db, trialId, recordDomains[domain].kind, { parent: USUBJID, sites: access.sites });
  }
  return result;
}

/** The safety review's judgement on an adverse event: a DLT or not (DLTFL), with its reason. */
export async function adjudicate(
  db: Kysely<Database>,
  actor: Actor,
  trialId: string,
  id: string,
  dlt: boolean,
  reason: string,
  now: Date,
): Promise<Entity<Doc>> {
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const event = await getEntity<Doc>(tx, trialId, "adverseEvent", id);
    if (!event) throw notFound(`adverse event ${id}`);
    const data = { ...event.data, DLTFL: dlt ? "Y" : "N" };
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "dlt.adjudicated",
      reason,
      subject: String(event.data.USUBJID),
      siteId: event.siteId,
      at: now,
      changes: [
        {
          kind: "adverseEvent",
          trialId,
          id,
          after: state(data, { siteId: event.siteId, parent: event.parent, status: dlt ? "DLT" : "not DLT" }),
        },
      ],
    });
    return { ...event, data, version: event.version + 1 };
  });
}

export interface DltWindow {
  USUBJID: string;
  siteId: string | null;
  cohort: number;
  doseLevel: number;
  /** pending / no DLT (evaluable) / DLT / not evaluable, as of today. */
  status: string;
  reason: string;
  windowStart: string;
  windowEnd: string;
  daysLeft: number;
  /** Adverse events the protocol's rules propose as DLTs that the safety review has not yet judged. */
  unadjudicated: string[];
}

/** Each patient's DLT window and status today (site-isolated), from the core's DLT rules and adjudications. */
export async function dltWindows(
  db: Kysely<Database> | Tx,
  access: Access | null,
  trialId: string,
  now: Date,
): Promise<{ data: TrialData; windows: DltWindow[] }> {
  const data = await trialDataOf(db, trialId, now);
  const analysis = analyzeTrialData(data);
  const patients = await listEntities<Doc>(db, trialId, "patient", { sites: access?.sites });
  const adverse = await listEntities<Doc>(db, trialId, "adverseEvent", { sites: access?.sites });
  const visible = new Set(patients.map((p) => p.id));
  const definition = { ...data.trial.dlt, excludedTerms: data.trial.dlt.excludedTerms ?? [] };
  const windows = data.patients
    .filter((p) => visible.has(p.USUBJID))
    .map((patient) => {
      const summary = analysis.patients.find((s) => s.USUBJID === patient.USUBJID)!;
      const today = studyDayOn(data.trial.dataCutDate, patient.RFXSTDTC);
      const start = Date.parse(`${patient.RFXSTDTC}T00:00:00Z`);
      const unadjudicated = adverse
        .filter((e) => e.parent === patient.USUBJID && e.data.DLTFL === undefined)
        .filter((e) => {
          const ae = e.data as {
            AETERM: string;
            AETOXGR: number;
            AEREL: string;
            AESTDY: number;
            AEENDY?: number;
            AECAT: "haematological" | "non-haematological";
          };
          return proposedDlt(
            {
              USUBJID: patient.USUBJID,
              AETERM: ae.AETERM,
              AETOXGR: ae.AETOXGR,
              related: ae.AEREL === "Y",
              AESTDY: ae.AESTDY,
              ...(ae.AEENDY === undefined ? {} : { AEENDY: ae.AEENDY }),
              category: ae.AECAT,
            },
            today,
            definition,
          );
        })
        .map((e) => e.id);
      return {
        USUBJID: patient.USUBJID,
        siteId: patient.SITEID ?? null,
        cohort: patient.cohort,
        doseLevel: patient.doseLevel,
        status: summary.dlt.status,
        reason: summary.dlt.reason,
        windowStart: patient.RFXSTDTC,
        windowEnd: new Date(start + (data.trial.dlt.windowDays - 1) * 86_400_000).toISOString().slice(0, 10),
        daysLeft: Math.max(0, data.trial.dlt.windowDays - Math.max(today, 0)),
        unadjudicated,
      };
    });
  return { data, windows };
}
