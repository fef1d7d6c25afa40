import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type Access, authorize } from "../access.js";
import type { Context } from "../app.js";
import { type DecisionDoc, prepareDecision, resolveDecision, signDecision } from "../conduct/decisions.js";
import { listQueries, moveQuery, raiseQuery } from "../conduct/queries.js";
import {
  addRecord,
  adjudicate,
  correctPatient,
  correctRecord,
  deletePatient,
  deleteRecord,
  getRecord,
  listRecords,
} from "../conduct/records.js";
import { confirmSlot, listSlots, releaseSlot, requestSlot, type SlotDoc, type SlotStatus } from "../conduct/slots.js";
import { trialState, visiblePart } from "../conduct/trial-state.js";
import { type DecisionView, responses as out, type PatientRecord } from "../contract/index.js";
import {
  adjudicationBody,
  confirmBody,
  correctionBody,
  deletionBody,
  patientCorrectionBody,
  queryBody,
  queryCloseBody,
  queryMessageBody,
  type RecordDomain,
  recordDomains,
  releaseBody,
  resolutionBody,
  signatureBody,
  slotBody,
} from "../contract/requests.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import { invalid, notFound } from "../errors.js";
import { requireUser } from "./helpers.js";
import { trialParams } from "./trials.js";

const usubjid = z.string().min(1).max(100);
const recordParams = trialParams.extend({ recordId: z.string().uuid() });
const decisionParams = trialParams.extend({ decisionId: z.string().regex(/^\d{1,6}$/, "must be a decision number") });

/**
 * Takes the version an edit was made on from an If-Match header ("3", W/"3" or 3) into the body's
 * `version`, where the schema checks it; a version in the body wins.
 */
async function versionFromIfMatch(request: FastifyRequest): Promise<void> {
  const ifMatch = request.headers["if-match"];
  const body = request.body as Record<string, unknown> | null;
  if (ifMatch === undefined || body === null || typeof body !== "object" || Array.isArray(body) || "version" in body) return;
  const match = ifMatch.trim().match(/^(?:W\/)?"?(\d{1,9})"?$/);
  if (!match) throw invalid([{ path: "headers.if-match", value: ifMatch, message: 'must be the version you edited, e.g. "3"' }]);
  body.version = Number(match[1]);
}

/** Decisions name patients of every site; a site-restricted caller sees only its own sites' patients. */
async function visibleDecision(context: Context, access: Access, trialId: string, decision: Entity<DecisionDoc>): Promise<DecisionView> {
  const status = decision.status as DecisionView["status"];
  if (access.sites === null) return { id: decision.id, status, version: decision.version, ...decision.data };
  const mine = new Set((await listEntities(context.store.db, trialId, "patient", { sites: access.sites })).map((p) => p.id));
  const patients = decision.data.basedOn.patients.filter((p) => mine.has(p.USUBJID));
  return {
    id: decision.id,
    status,
    version: decision.version,
    ...decision.data,
    basedOn: { ...decision.data.basedOn, patients },
  };
}

const slotView = (slot: Entity<SlotDoc>) => ({ id: slot.id, status: slot.status as SlotStatus, ...slot.data });

export const conductRoutes =
  (context: Context): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = context.store;
    const tags = ["conduct"];

    // Cohort slots: request → reserve (expires) → confirm by registering the patient; waitlist.
    app.post(
      "/api/trials/:trialId/slots",
      {
        schema: {
          params: trialParams,
          body: slotBody,
          tags,
          summary: "Request a place in the enrolling cohort (reserved, or waitlisted when full)",
          response: { 201: out.slot },
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "slots.request");
        const slot = await requestSlot(db, access, request.params.trialId, request.body, context.now());
        return reply.status(201).send(slotView(slot));
      },
    );
    app.get(
      "/api/trials/:trialId/slots",
      { schema: { params: trialParams, tags, response: { 200: z.array(out.slot) } } },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return (await listSlots(db, access, request.params.trialId)).map(slotView);
      },
    );
    const slotParams = trialParams.extend({ slotId: z.string().uuid() });
    app.post(
      "/api/trials/:trialId/slots/:slotId/confirm",
      {
        schema: {
          params: slotParams,
          body: confirmBody,
          tags,
          summary: "Register the patient in a reserved slot",
          response: { 201: out.registration },
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
        return reply
          .status(201)
          .send(
            await confirmSlot(
              db,
              access,
              request.params.trialId,
              request.params.slotId,
              request.body.patient,
              context.now(),
              request.body.factors,
            ),
          );
      },
    );
    app.post(
      "/api/trials/:trialId/slots/:slotId/release",
      { schema: { params: slotParams, body: releaseBody, tags, response: { 200: out.ok } } },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "slots.request");
        await releaseSlot(db, access, request.params.trialId, request.params.slotId, request.body.reason, context.now());
        return { ok: true };
      },
    );

    // Patients, their DLT windows and clinical records.
    app.get(
      "/api/trials/:trialId/patients",
      {
        schema: {
          params: trialParams,
          tags,
          summary: "Patients with their DLT window and status today",
          response: { 200: z.array(out.dltWindow) },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return visiblePart(await trialState(db, request.params.trialId, context.now()), access.sites).windows;
      },
    );
    const patientParams = trialParams.extend({ usubjid });
    app.get(
      "/api/trials/:trialId/patients/:usubjid",
      { schema: { params: patientParams, tags, response: { 200: out.patientRecord } } },
      async (request, reply) => {
        const { trialId, usubjid: USUBJID } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "patients.read");
        const patient = await getEntity<Record<string, unknown>>(db, trialId, "patient", USUBJID, { sites: access.sites });
        if (!patient) throw notFound(`patient ${USUBJID}`);
        const state = await trialState(db, trialId, context.now());
        const window = state.windows.find((w) => w.USUBJID === USUBJID);
        // Each lab record's CTCAE grade, or why it has none (core's analysis: units read, baselines converted).
        const labGrades = state.analysis.patients.find((p) => p.USUBJID === USUBJID)?.labGrades ?? [];
        const records = await listRecords(db, access, trialId, USUBJID);
        reply.header("etag", `"${patient.version}"`);
        return {
          patient: patient.data,
          version: patient.version,
          dltWindow: window ?? null,
          labGrades,
          records: Object.fromEntries(
            Object.entries(records).map(([domain, list]) => [domain, list.map((r) => ({ id: r.id, version: r.version, ...r.data }))]),
          ) as PatientRecord["records"],
        };
      },
    );
    for (const domain of Object.keys(recordDomains) as RecordDomain[]) {
      app.post(
        `/api/trials/:trialId/patients/:usubjid/${domain}`,
        {
          schema: {
            params: patientParams,
            body: recordDomains[domain].entry,
            tags,
            summary: `Record ${domain} for a patient (own sites only; 422 asks to confirm an implausible entry)`,
            response: { 201: out.storedRecord },
          },
        },
        async (request, reply) => {
          const { trialId, usubjid: USUBJID } = request.params;
          const access = await authorize(db, requireUser(request), trialId, "patients.write");
          const { confirmation, ...fields } = request.body as Record<string, unknown> & { confirmation?: string };
          const record = await addRecord(db, access, trialId, USUBJID, domain, fields, context.now(), confirmation);
          return reply.status(201).send({ id: record.id, version: record.version, ...record.data });
        },
      );
    }
    app.put(
      "/api/trials/:trialId/patients/:usubjid",
      {
        preValidation: versionFromIfMatch,
        schema: {
          params: patientParams,
          body: patientCorrectionBody,
          tags,
          summary: "Correct a patient's registration (reason and the edited version required)",
          response: { 200: out.patientCorrected },
        },
      },
      async (request) => {
        const { trialId, usubjid: USUBJID } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "patients.write");
        const patient = await correctPatient(db, access, trialId, USUBJID, request.body, context.now());
        return { patient: patient.data, version: patient.version };
      },
    );
    app.delete(
      "/api/trials/:trialId/patients/:usubjid",
      {
        preValidation: versionFromIfMatch,
        schema: {
          params: patientParams,
          body: deletionBody,
          tags,
          summary: "Withdraw a registration made in error (reason required; refused once a decision used the patient)",
          response: { 200: out.ok },
        },
      },
      async (request) => {
        const { trialId, usubjid: USUBJID } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "patients.write");
        await deletePatient(db, access, trialId, USUBJID, request.body.reason, request.body.version, context.now());
        return { ok: true };
      },
    );
    app.get(
      "/api/trials/:trialId/records/:recordId",
      { schema: { params: recordParams, tags, response: { 200: out.recordWithKind } } },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        const record = await getRecord(db, access, request.params.trialId, request.params.recordId);
        reply.header("etag", `"${record.version}"`);
        return { id: record.id, kind: record.kind, version: record.version, ...record.data };
      },
    );
    app.put(
      "/api/trials/:trialId/records/:recordId",
      {
        preValidation: versionFromIfMatch,
        schema: {
          params: recordParams,
          body: correctionBody,
          tags,
          summary: "Correct a record (reason and the edited version required; 409 with the current record if it changed meanwhile)",
          response: { 200: out.storedRecord },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
        const record = await correctRecord(db, access, request.params.trialId, request.params.recordId, request.body, context.now());
        return { id: record.id, version: record.version, ...record.data };
      },
    );
    app.delete(
      "/api/trials/:trialId/records/:recordId",
      { preValidation: versionFromIfMatch, schema: { params: recordParams, body: deletionBody, tags, response: { 200: out.ok } } },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
        await deleteRecord(
          db,
          access,
          request.params.trialId,
          request.params.recordId,
          request.body.reason,
          request.body.version,
          context.now(),
        );
        return { ok: true };
      },
    );
    app.post(
      "/api/trials/:trialId/adverse-events/:recordId/adjudication",
      {
        preValidation: versionFromIfMatch,
        schema: {
          params: recordParams,
          body: adjudicationBody,
          tags,
          summary: "The safety review's DLT adjudication",
          response: { 200: out.storedRecord },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "dlt.adjudicate");
        const event = await adjudicate(db, access.actor, request.params.trialId, request.params.recordId, request.body, context.now());
        return { id: event.id, version: event.version, ...event.data };
      },
    );

    // Escalation meetings: recommendation → accept/override → signature → next cohort.
    app.post(
      "/api/trials/:trialId/decisions",
      {
        schema: {
          params: trialParams,
          tags,
          summary: "Prepare the escalation meeting: the design's recommendation from adjudicated data",
          response: { 201: out.decision },
        },
      },
      async (request, reply) => {
        const { trialId } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "decision.prepare");
        return reply
          .status(201)
          .send(await visibleDecision(context, access, trialId, await prepareDecision(db, access, trialId, context.now())));
      },
    );
    app.get(
      "/api/trials/:trialId/decisions",
      { schema: { params: trialParams, tags, response: { 200: z.array(out.decision) } } },
      async (request) => {
        const { trialId } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "trial.read");
        const decisions = await listEntities<DecisionDoc>(db, trialId, "decision");
        return Promise.all(decisions.map((d) => visibleDecision(context, access, trialId, d)));
      },
    );
    app.get(
      "/api/trials/:trialId/decisions/:decisionId",
      { schema: { params: decisionParams, tags, response: { 200: out.decision } } },
      async (request) => {
        const { trialId, decisionId } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "trial.read");
        const decision = await getEntity<DecisionDoc>(db, trialId, "decision", decisionId);
        if (!decision) throw notFound(`decision ${decisionId}`);
        return visibleDecision(context, access, trialId, decision);
      },
    );
    app.post(
      "/api/trials/:trialId/decisions/:decisionId/resolution",
      {
        schema: {
          params: decisionParams,
          body: resolutionBody,
          tags,
          summary: "The committee accepts or overrides (reason required)",
          response: { 200: out.decision },
        },
      },
      async (request) => {
        const { trialId, decisionId } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "decision.sign");
        return visibleDecision(
          context,
          access,
          trialId,
          await resolveDecision(db, access, trialId, decisionId, request.body, context.now()),
        );
      },
    );
    app.post(
      "/api/trials/:trialId/decisions/:decisionId/signature",
      {
        schema: {
          params: decisionParams,
          body: signatureBody,
          tags,
          summary: "Electronic signature: re-enter the password; binds name, time and meaning to the record's hash",
          response: { 200: out.decision },
        },
      },
      async (request) => {
        const { trialId, decisionId } = request.params;
        const user = requireUser(request);
        const access = await authorize(db, user, trialId, "decision.sign");
        const signed = await signDecision(
          db,
          access,
          user,
          trialId,
          decisionId,
          request.body.password,
          request.body.meaning,
          context.now(),
          request.ip,
          request.body.version,
        );
        return visibleDecision(context, access, trialId, signed);
      },
    );

    // Data queries: monitors question data, sites answer, monitors close or send back.
    const queryParams = trialParams.extend({ queryId: z.string().uuid() });
    app.post(
      "/api/trials/:trialId/queries",
      {
        schema: {
          params: trialParams,
          body: queryBody,
          tags,
          summary: "Raise a data query on a patient or one of their records",
          response: { 201: out.dataQuery },
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "queries.raise");
        return reply.status(201).send(await raiseQuery(db, access, request.params.trialId, request.body, context.now()));
      },
    );
    app.get(
      "/api/trials/:trialId/queries",
      {
        schema: {
          params: trialParams,
          querystring: z.object({ status: z.enum(["open", "answered", "closed"]).optional(), USUBJID: usubjid.optional() }).strict(),
          tags,
          summary: "Data queries (own sites only for site roles)",
          response: { 200: z.array(out.dataQuery) },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return listQueries(db, access, request.params.trialId, request.query);
      },
    );
    // A query's moves after it is raised: who may make each, and whether it needs a text.
    const moves = [
      { move: "answer", permission: "queries.answer", body: queryMessageBody, summary: "The site answers a query" },
      { move: "reopen", permission: "queries.raise", body: queryMessageBody, summary: "Send an answered query back to the site" },
      { move: "close", permission: "queries.raise", body: queryCloseBody, summary: "Close a query" },
    ] as const;
    for (const { move, permission, body, summary } of moves) {
      app.post(
        `/api/trials/:trialId/queries/:queryId/${move}`,
        { schema: { params: queryParams, body, tags, summary, response: { 200: out.dataQuery } } },
        async (request) => {
          const access = await authorize(db, requireUser(request), request.params.trialId, permission);
          return moveQuery(db, access, request.params.trialId, request.params.queryId, move, request.body.text, context.now());
        },
      );
    }
  };
