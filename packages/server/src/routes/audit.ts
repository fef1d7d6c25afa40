import { stringify } from "csv-stringify/sync";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { authorize, requireAdmin } from "../access.js";
import type { Context } from "../app.js";
import { rowToEvent } from "../audit/events.js";
import { verifyAudit } from "../audit/verify.js";
import { responses as out } from "../contract/index.js";
import { requireUser } from "./helpers.js";
import { trialParams } from "./trials.js";

const isoDate = z.iso.date("must be a date, YYYY-MM-DD");
const auditQuery = z
  .object({
    patient: z.string().min(1).max(100).optional(),
    /** Events of one kind: a type ("adverseEvent.corrected") or its family ("adverseEvent"). */
    type: z
      .string()
      .regex(/^[A-Za-z]+(\.[a-z-]+)?$/, 'must be an event type such as "adverseEvent.corrected", or its family such as "adverseEvent"')
      .optional(),
    /** Events on or after this day, and on or before that (UTC). */
    from: isoDate.optional(),
    to: isoDate.optional(),
    format: z.enum(["json", "csv"]).default("json"),
  })
  .strict();

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export const auditRoutes =
  (context: Context): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = context.store;
    app.get(
      "/api/trials/:trialId/audit",
      {
        schema: {
          params: trialParams,
          querystring: auditQuery,
          tags: ["audit"],
          summary: "The trial's audit trail (optionally one patient's), as JSON or CSV",
          response: {
            200: {
              description: "The events in chain order (JSON), or one row per changed entity (CSV)",
              content: {
                "application/json": { schema: z.array(out.auditEvent) },
                "text/csv": { schema: z.string() },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const { trialId } = request.params;
        await authorize(db, requireUser(request), trialId, "audit.read");
        let query = db.selectFrom("events").selectAll().where("chain", "=", trialId);
        const { patient, type, from, to } = request.query;
        if (patient) query = query.where("subject", "=", patient);
        if (type) query = type.includes(".") ? query.where("type", "=", type) : query.where("type", "like", `${type}.%`);
        if (from) query = query.where("at", ">=", from);
        // Through the end of the day: every timestamp of that day sorts before the next day's date.
        if (to) query = query.where("at", "<", nextDay(to));
        const events = (await query.orderBy("chain_seq").execute()).map(rowToEvent);
        if (request.query.format === "json") return events;
        const rows = events.flatMap((e) =>
          (e.changes.length > 0 ? e.changes : [null]).map((c) => ({
            seq: e.chainSeq,
            at: e.at,
            actor: e.actorName,
            role: e.role,
            type: e.type,
            reason: e.reason ?? "",
            patient: e.subject ?? "",
            site: e.siteId ?? "",
            entity: c ? `${c.kind} ${c.id}` : "",
            before: c?.before ? JSON.stringify(c.before.data) : "",
            after: c?.after ? JSON.stringify(c.after.data) : "",
            hash: e.hash,
          })),
        );
        reply.header("content-type", "text/csv; charset=utf-8");
        // The file name takes only safe characters: a patient filter may hold anything, CR/LF included.
        const name = `audit-${trialId}${patient ? `-${patient}` : ""}${type ? `-${type}` : ""}`.replace(/[^A-Za-z0-9._-]/g, "_");
        reply.header("content-disposition", `attachment; filename="${name}.csv"`);
        // Cells a spreadsheet would run as formulas (an AETERM of "=HYPERLINK(…)") are neutralised.
        return stringify(rows, {
          escape_formulas: true,
          header: true,
          columns: ["seq", "at", "actor", "role", "type", "reason", "patient", "site", "entity", "before", "after", "hash"],
        });
      },
    );
    app.get(
      "/api/audit/verify",
      {
        schema: {
          tags: ["audit"],
          summary: "Verify every hash chain and the projection (system administrators)",
          response: { 200: out.auditReport },
        },
      },
      async (request) => {
        requireAdmin(requireUser(request));
        return verifyAudit(db);
      },
    );
  };
