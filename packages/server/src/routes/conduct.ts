import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type Access, authorize } from "../access.js";
import type { Context } from "../app.js";
import { type DecisionDoc, prepareDecision, resolveDecision, signDecision } from "../conduct/decisions.js";
import { listQueries, moveQuery, raiseQuery } from "../conduct/queries.js";
import { addRecord, adjudicate, correctRecord, deleteRecord, dltWindows, listRecords } from "../conduct/records.js";
import { confirmSlot, listSlots, releaseSlot, requestSlot } from "../conduct/slots.js";
import { type Entity, getEntity, listEntities } from "../db/entities.js";
import { notFound } from "../errors.js";
import {
  adjudicationBody,
  confirmBody,
  correctionBody,
  queryBody,
  queryCloseBody,
  queryMessageBody,
  type RecordDomain,
  recordDomains,
  releaseBody,
  resolutionBody,
  revokeBody,
  signatureBody,
  slotBody,
} from "../schemas.js";
import { requireUser } from "./helpers.js";
import { trialParams } from "./trials.js";

const usubjid = z.string().min(1).max(100);
const recordParams = trialParams.extend({ recordId: z.string().uuid() });
const decisionParams = trialParams.extend({ decisionId: z.string().regex(/^\d{1,6}$/, "must be a decision number") });

/** Decisions name patients of every site; a site-restricted caller sees only its own sites' patients. */
async function visibleDecision(context: Context, access: Access, trialId: string, decision: Entity<DecisionDoc>) {
  if (access.sites === null) return { id: decision.id, status: decision.status, ...decision.data };
  const mine = new Set((await listEntities(context.store.db, trialId, "patient", { sites: access.sites })).map((p) => p.id));
  const patients = decision.data.basedOn.patients.filter((p) => mine.has(p.USUBJID));
  return { id: decision.id, status: decision.status, ...decision.data, basedOn: { ...decision.data.basedOn, patients } };
}

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
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "slots.request");
        const slot = await requestSlot(db, access, request.params.trialId, request.body, context.now());
        return reply.status(201).send({ id: slot.id, status: slot.status, ...slot.data });
      },
    );
    app.get("/api/trials/:trialId/slots", { schema: { params: trialParams, tags } }, async (request) => {
      const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
      return (await listSlots(db, access, request.params.trialId)).map((s) => ({ id: s.id, status: s.status, ...s.data }));
    });
    const slotParams = trialParams.extend({ slotId: z.string().uuid() });
    app.post(
      "/api/trials/:trialId/slots/:slotId/confirm",
      { schema: { params: slotParams, body: confirmBody, tags, summary: "Register the patient in a reserved slot" } },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
        return reply
          .status(201)
          .send(await confirmSlot(db, access, request.params.trialId, request.params.slotId, request.body.patient, context.now()));
      },
    );
    app.post("/api/trials/:trialId/slots/:slotId/release", { schema: { params: slotParams, body: releaseBody, tags } }, async (request) => {
      const access = await authorize(db, requireUser(request), request.params.trialId, "slots.request");
      await releaseSlot(db, access, request.params.trialId, request.params.slotId, request.body.reason, context.now());
      return { ok: true };
    });

    // Patients, their DLT windows and clinical records.
    app.get(
      "/api/trials/:trialId/patients",
      { schema: { params: trialParams, tags, summary: "Patients with their DLT window and status today" } },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return (await dltWindows(db, access, request.params.trialId, context.now())).windows;
      },
    );
    app.get("/api/trials/:trialId/patients/:usubjid", { schema: { params: trialParams.extend({ usubjid }), tags } }, async (request) => {
      const { trialId, usubjid: USUBJID } = request.params;
      const access = await authorize(db, requireUser(request), trialId, "patients.read");
      const patient = await getEntity<Record<string, unknown>>(db, trialId, "patient", USUBJID, { sites: access.sites });
      if (!patient) throw notFound(`patient ${USUBJID}`);
      const window = (await dltWindows(db, access, trialId, context.now())).windows.find((w) => w.USUBJID === USUBJID);
      const records = await listRecords(db, access, trialId, USUBJID);
      return {
        patient: patient.data,
        dltWindow: window ?? null,
        records: Object.fromEntries(
          Object.entries(records).map(([domain, list]) => [domain, list.map((r) => ({ id: r.id, version: r.version, ...r.data }))]),
        ),
      };
    });
    for (const domain of Object.keys(recordDomains) as RecordDomain[]) {
      app.post(
        `/api/trials/:trialId/patients/:usubjid/${domain}`,
        {
          schema: {
            params: trialParams.extend({ usubjid }),
            body: recordDomains[domain].schema,
            tags,
            summary: `Record ${domain} for a patient (own sites only)`,
          },
        },
        async (request, reply) => {
          const { trialId, usubjid: USUBJID } = request.params;
          const access = await authorize(db, requireUser(request), trialId, "patients.write");
          const record = await addRecord(db, access, trialId, USUBJID, domain, request.body as Record<string, unknown>, context.now());
          return reply.status(201).send({ id: record.id, ...record.data });
        },
      );
    }
    app.put(
      "/api/trials/:trialId/records/:recordId",
      {
        schema: {
          params: recordParams,
          body: correctionBody,
          tags,
          summary: "Correct a record (reason required; old and new values are logged)",
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
        const record = await correctRecord(
          db,
          access,
          request.params.trialId,
          request.params.recordId,
          request.body.record,
          request.body.reason,
          context.now(),
        );
        return { id: record.id, version: record.version, ...record.data };
      },
    );
    app.delete("/api/trials/:trialId/records/:recordId", { schema: { params: recordParams, body: revokeBody, tags } }, async (request) => {
      const access = await authorize(db, requireUser(request), request.params.trialId, "patients.write");
      await deleteRecord(db, access, request.params.trialId, request.params.recordId, request.body.reason, context.now());
      return { ok: true };
    });
    app.post(
      "/api/trials/:trialId/adverse-events/:recordId/adjudication",
      { schema: { params: recordParams, body: adjudicationBody, tags, summary: "The safety review's DLT adjudication" } },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "dlt.adjudicate");
        const event = await adjudicate(
          db,
          access.actor,
          request.params.trialId,
          request.params.recordId,
          request.body.dlt,
          request.body.reason,
          context.now(),
        );
        return { id: event.id, version: event.version, ...event.data };
      },
    );

    // Escalation meetings: recommendation → accept/override → signature → next cohort.
    app.post(
      "/api/trials/:trialId/decisions",
      {
        schema: { params: trialParams, tags, summary: "Prepare the escalation meeting: the design's recommendation from adjudicated data" },
      },
      async (request, reply) => {
        const { trialId } = request.params;
        const access = await authorize(db, requireUser(request), trialId, "decision.prepare");
        return reply
          .status(201)
          .send(await visibleDecision(context, access, trialId, await prepareDecision(db, access, trialId, context.now())));
      },
    );
    app.get("/api/trials/:trialId/decisions", { schema: { params: trialParams, tags } }, async (request) => {
      const { trialId } = request.params;
      const access = await authorize(db, requireUser(request), trialId, "trial.read");
      const decisions = await listEntities<DecisionDoc>(db, trialId, "decision");
      return Promise.all(decisions.map((d) => visibleDecision(context, access, trialId, d)));
    });
    app.get("/api/trials/:trialId/decisions/:decisionId", { schema: { params: decisionParams, tags } }, async (request) => {
      const { trialId, decisionId } = request.params;
      const access = await authorize(db, requireUser(request), trialId, "trial.read");
      const decision = await getEntity<DecisionDoc>(db, trialId, "decision", decisionId);
      if (!decision) throw notFound(`decision ${decisionId}`);
      return visibleDecision(context, access, trialId, decision);
    });
    app.post(
      "/api/trials/:trialId/decisions/:decisionId/resolution",
      { schema: { params: decisionParams, body: resolutionBody, tags, summary: "The committee accepts or overrides (reason required)" } },
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
        );
        return visibleDecision(context, access, trialId, signed);
      },
    );

    // Data queries: monitors question data, sites answer, monitors close or send back.
    const queryParams = trialParams.extend({ queryId: z.string().uuid() });
    app.post(
      "/api/trials/:trialId/queries",
      { schema: { params: trialParams, body: queryBody, tags, summary: "Raise a data query on a patient or one of their records" } },
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
        { schema: { params: queryParams, body, tags, summary } },
        async (request) => {
          const access = await authorize(db, requireUser(request), request.params.trialId, permission);
          return moveQuery(db, access, request.params.trialId, request.params.queryId, move, request.body.text, context.now());
        },
      );
    }
  };
