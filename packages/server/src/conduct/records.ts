import { randomUUID } from "node:crypto";
import { entryChecks, parseWith, type TrialData, ValidationError, type ValidationIssue } from "@escalate/core";
import type { Kysely } from "kysely";
import type { z } from "zod";
import type { Access } from "../access.js";
import { type Actor, appendEvent, lockChain, readVersion, type Tx } from "../audit/events.js";
import { domainOfKind, patientCorrectionSchema, type RecordDomain, recordDomains, recordKinds } from "../contract/requests.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { conflict, invalid, notFound, unconfirmed } from "../errors.js";
import type { DecisionDoc } from "./decisions.js";
import { type SlotDoc, settleSlots } from "./slots.js";
import { type CohortDoc, cohortState, loadTrial, state } from "./trials.js";

type Doc = Record<string, unknown>;

function validate(schema: z.ZodType, record: unknown, path: string): Doc {
  try {
    return parseWith(schema, record) as Doc;
  } catch (error) {
    if (error instanceof ValidationError) throw invalid(error.issues.map((i) => ({ ...i, path: i.path ? `${path}.${i.path}` : path })));
    throw error;
  }
}

async function patientFor(db: Kysely<Database> | Tx, access: Access, trialId: string, USUBJID: string): Promise<Entity<Doc>> {
  const patient = await getEntity<Doc>(db, trialId, "patient", USUBJID, { sites: access.sites });
  if (!patient) throw notFound(`patient ${USUBJID}`);
  return patient;
}

/**
 * The plausibility checks of a record as entered (core `entryChecks`): what cannot be true is refused
 * (400); what is unusual needs `confirmation`, a reason, and is refused without one (422, with the
 * protocol's expected amount). Returns the text the audit trail keeps for a confirmed entry.
 */
async function checkPlausible(
  tx: Tx,
  trialId: string,
  patient: Entity<Doc>,
  kind: string,
  record: Doc,
  confirmation: string | undefined,
  now: Date,
  recordId: string | null,
): Promise<string | null> {
  const trial = await loadTrial(tx, trialId);
  const { collection } = domainOfKind(kind);
  const others =
    collection === "pk"
      ? (await listEntities<Doc>(tx, trialId, "pk", { parent: patient.id }))
          // One sample per analyte and time point: the other samples of this record's analyte.
          .filter((s) => s.id !== recordId && String(s.data.PCTESTCD ?? "ADC") === String(record.PCTESTCD ?? "ADC"))
          .map((s) => Number(s.data.PCELTM))
      : [];
  let check: ReturnType<typeof entryChecks>;
  try {
    check = entryChecks(
      trial.trial,
      patient.data as TrialData["patients"][number],
      collection,
      record,
      now.toISOString().slice(0, 10),
      others,
    );
  } catch (error) {
    // A registration that cannot be read (stored before its checks existed) is fixed first: nothing to check against.
    if (error instanceof ValidationError) return null;
    throw error;
  }
  if (check.refused.length > 0) throw invalid(check.refused);
  if (check.toConfirm.length === 0) return null;
  if (!confirmation) throw unconfirmed(check.toConfirm, check.expected ? { expected: check.expected } : {});
  return `confirmed as entered (${check.toConfirm.map(describe).join("; ")}): ${confirmation}`;
}

const describe = (issue: ValidationIssue) => `${issue.path} ${JSON.stringify(issue.value)} ${issue.message}`;

/** Records a clinical record (dose, adverse event, lab, tumour measurement, PK sample) for a patient. */
export async function addRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  USUBJID: string,
  domain: RecordDomain,
  body: Doc,
  now: Date,
  confirmation?: string,
): Promise<Entity<Doc>> {
  const { kind } = recordDomains[domain];
  const data = { USUBJID, ...body };
  const id = randomUUID();
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const patient = await patientFor(tx, access, trialId, USUBJID);
    const confirmed = await checkPlausible(tx, trialId, patient, kind, data, confirmation, now, null);
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${kind}.recorded`,
      reason: confirmed,
      subject: USUBJID,
      siteId: patient.siteId,
      at: now,
      changes: [{ kind, trialId, id, after: state(data, { siteId: patient.siteId, parent: USUBJID }), expect: "new" }],
    });
    return { id, siteId: patient.siteId, parent: USUBJID, status: null, version: 1, data };
  });
}

/** One clinical record with its kind and version (site-isolated). */
export async function getRecord(
  db: Kysely<Database> | Tx,
  access: Access,
  trialId: string,
  id: string,
): Promise<Entity<Doc> & { kind: string }> {
  for (const kind of recordKinds) {
    const record = await getEntity<Doc>(db, trialId, kind, id, { sites: access.sites });
    if (record) return { ...record, kind };
  }
  throw notFound(`record ${id}`);
}

/**
 * Corrects a record (reason required); the log keeps the old and the new values. `version` is the
 * version the user edited: if the record changed since, nothing is written and the answer is 409 with
 * the current record.
 */
export async function correctRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  id: string,
  edit: { record: Doc; reason: string; version: number; confirmation?: string | undefined },
  now: Date,
): Promise<Entity<Doc>> {
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const record = await getRecord(tx, access, trialId, id);
    const corrected = validate(domainOfKind(record.kind).schema, edit.record, "record");
    // An adjudication stays with the event it was made on only while the facts it judged are unchanged.
    const data = { USUBJID: record.data.USUBJID, ...corrected };
    const patient = await patientFor(tx, access, trialId, String(record.data.USUBJID));
    const confirmed = await checkPlausible(tx, trialId, patient, record.kind, data, edit.confirmation, now, id);
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${record.kind}.corrected`,
      reason: confirmed ? `${edit.reason}; ${confirmed}` : edit.reason,
      subject: String(record.data.USUBJID),
      siteId: record.siteId,
      at: now,
      changes: [
        {
          kind: record.kind,
          trialId,
          id,
          after: state(data, { siteId: record.siteId, parent: record.parent }),
          expect: { version: edit.version },
        },
      ],
    });
    return { ...record, status: null, data, version: edit.version + 1 };
  });
}

export async function deleteRecord(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  id: string,
  reason: string,
  version: number | undefined,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const record = await getRecord(tx, access, trialId, id);
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: `${record.kind}.deleted`,
      reason,
      subject: String(record.data.USUBJID),
      siteId: record.siteId,
      at: now,
      changes: [{ kind: record.kind, trialId, id, after: null, expect: readVersion(version) }],
    });
  });
}

/**
 * Corrects a patient's registration (weight, height, dates, …; not the site, cohort or dose level,
 * which come from the slot). Reason and the edited version are required, as for any record.
 */
export async function correctPatient(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  USUBJID: string,
  edit: { patient: Doc; reason: string; version: number },
  now: Date,
): Promise<Entity<Doc>> {
  const corrected = validate(patientCorrectionSchema, edit.patient, "patient");
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const patient = await patientFor(tx, access, trialId, USUBJID);
    const { SITEID, doseLevel, cohort } = patient.data;
    const data = { USUBJID, ...corrected, SITEID, doseLevel, cohort };
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "patient.corrected",
      reason: edit.reason,
      subject: USUBJID,
      siteId: patient.siteId,
      at: now,
      changes: [
        {
          kind: "patient",
          trialId,
          id: USUBJID,
          after: state(data, { siteId: patient.siteId, parent: patient.parent, status: patient.status }),
          expect: { version: edit.version },
        },
      ],
    });
    return { ...patient, data, version: edit.version + 1 };
  });
}

/**
 * Withdraws a registration made in error: the patient, their records and their place go (the place is
 * free again, for the waitlist first). Refused once an escalation decision was based on the patient:
 * then the records are corrected instead, and the decision's history stays true.
 */
export async function deletePatient(
  db: Kysely<Database>,
  access: Access,
  trialId: string,
  USUBJID: string,
  reason: string,
  version: number | undefined,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const patient = await patientFor(tx, access, trialId, USUBJID);
    const decisions = await listEntities<DecisionDoc>(tx, trialId, "decision");
    const used = decisions.find((d) => d.data.basedOn.patients.some((p) => p.USUBJID === USUBJID));
    if (used)
      throw conflict(
        `patient ${USUBJID} is part of escalation decision ${used.id}: correct or delete their records instead of the registration`,
      );
    const records = (
      await Promise.all(
        recordKinds.map(async (kind) => (await listEntities<Doc>(tx, trialId, kind, { parent: USUBJID })).map((r) => ({ kind, r }))),
      )
    ).flat();
    const slot = (await listEntities<SlotDoc>(tx, trialId, "slot", { status: ["confirmed"] })).find((s) => s.data.USUBJID === USUBJID);
    const cohort = await getEntity<CohortDoc>(tx, trialId, "cohort", String(patient.data.cohort));
    await appendEvent(tx, {
      chain: trialId,
      actor: access.actor,
      type: "patient.deleted",
      reason,
      subject: USUBJID,
      siteId: patient.siteId,
      at: now,
      changes: [
        { kind: "patient", trialId, id: USUBJID, after: null, expect: readVersion(version) },
        ...records.map(({ kind, r }) => ({ kind, trialId, id: r.id, after: null })),
        ...(slot
          ? [
              {
                kind: "slot",
                trialId,
                id: slot.id,
                after: state({ ...slot.data, expiresAt: null }, { siteId: slot.siteId, parent: slot.parent, status: "released" }),
              },
            ]
          : []),
        ...(cohort?.status === "full" ? [{ kind: "cohort", trialId, id: cohort.id, after: cohortState(cohort.data, "open") }] : []),
      ],
    });
    await settleSlots(tx, trialId, now);
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
  judgement: { dlt: boolean; reason: string; version?: number | undefined },
  now: Date,
): Promise<Entity<Doc>> {
  return db.transaction().execute(async (tx) => {
    await lockChain(tx, trialId);
    const event = await getEntity<Doc>(tx, trialId, "adverseEvent", id);
    if (!event) throw notFound(`adverse event ${id}`);
    const data = { ...event.data, DLTFL: judgement.dlt ? "Y" : "N" };
    await appendEvent(tx, {
      chain: trialId,
      actor,
      type: "dlt.adjudicated",
      reason: judgement.reason,
      subject: String(event.data.USUBJID),
      siteId: event.siteId,
      at: now,
      changes: [
        {
          kind: "adverseEvent",
          trialId,
          id,
          after: state(data, { siteId: event.siteId, parent: event.parent, status: judgement.dlt ? "DLT" : "not DLT" }),
          expect: readVersion(judgement.version),
        },
      ],
    });
    return { ...event, data, version: event.version + 1 };
  });
}
