import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { z } from "zod";
import { authorize, type Grant, grantsOf, requireAdmin } from "../access.js";
import type { Context } from "../app.js";
import type { RandomizationDoc } from "../conduct/randomization.js";
import { trialState, visiblePart } from "../conduct/trial-state.js";
import { addSite, type CohortDoc, createTrial, designOf, grantRole, revokeRole, type TrialDoc } from "../conduct/trials.js";
import { responses as out } from "../contract/index.js";
import { grantBody, id, revokeBody, siteBody, trialBody } from "../contract/requests.js";
import { getEntity, listEntities } from "../db/entities.js";
import type { Database } from "../db/schema.js";
import { requireUser } from "./helpers.js";

export const trialParams = z.object({ trialId: id }).strict();

export const trialRoutes =
  (context: Context): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = context.store;
    app.get(
      "/api/trials",
      {
        schema: {
          tags: ["trials"],
          summary: "Trials the caller takes part in (all, for administrators)",
          response: { 200: z.array(out.trialSummary) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const mine = new Set((await grantsOf(db, user.id)).map((g) => g.trialId));
        const trials = await db
          .selectFrom("entities")
          .select(["trial_id", "status", "data"])
          .where("kind", "=", "trial")
          .orderBy("trial_id")
          .execute();
        return trials
          .filter((t) => user.admin || mine.has(t.trial_id))
          .map((t) => {
            const doc = JSON.parse(t.data) as TrialDoc;
            return {
              id: t.trial_id,
              status: t.status,
              title: doc.trial.title ?? null,
              compound: doc.compound,
              phase: doc.trial.phase ?? null,
              indication: doc.trial.indication ?? null,
            };
          });
      },
    );
    app.post(
      "/api/trials",
      {
        schema: {
          body: trialBody,
          tags: ["trials"],
          summary: "Create a trial with its sites; opens cohort 1 at the design's start dose",
          response: { 201: out.trialDocument },
        },
      },
      async (request, reply) => {
        const actor = requireAdmin(requireUser(request));
        const doc = await createTrial(db, actor, request.body, context.now());
        return reply.status(201).send(doc);
      },
    );
    app.get(
      "/api/trials/:trialId",
      { schema: { params: trialParams, tags: ["trials"], response: { 200: out.trialDetail } } },
      async (request) => {
        const { trialId } = request.params;
        await authorize(db, requireUser(request), trialId, "trial.read");
        const [trial] = await listEntities<TrialDoc>(db, trialId, "trial");
        const design = designOf(trial!.data);
        return {
          id: trialId,
          ...trial!.data,
          status: trial!.status,
          protocolText: design.describe(),
          sites: (await listEntities<{ id: string; name: string }>(db, trialId, "site")).map((s) => s.data),
          cohorts: await cohortsWithSlots(context, trialId),
          // The randomized stage as the sites may know it: arms, method and factors (the seed never leaves the server).
          randomization: await randomizationOf(db, trialId),
        };
      },
    );
    app.get(
      "/api/trials/:trialId/cohorts",
      { schema: { params: trialParams, tags: ["conduct"], response: { 200: z.array(out.cohort) } } },
      async (request) => {
        await authorize(db, requireUser(request), request.params.trialId, "trial.read");
        return cohortsWithSlots(context, request.params.trialId);
      },
    );
    app.post(
      "/api/trials/:trialId/sites",
      {
        schema: {
          params: trialParams,
          body: siteBody,
          tags: ["trials"],
          summary: "Open a new site in a running trial (administrators)",
          response: { 201: out.site },
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "trial.manage");
        return reply.status(201).send(await addSite(db, access.actor, request.params.trialId, request.body, context.now()));
      },
    );
    app.get(
      "/api/trials/:trialId/grants",
      { schema: { params: trialParams, tags: ["trials"], response: { 200: z.array(out.trialGrant) } } },
      async (request) => {
        await authorize(db, requireUser(request), request.params.trialId, "trial.manage");
        return (await listEntities<Grant>(db, request.params.trialId, "grant")).map((g) => ({ id: g.id, ...g.data }));
      },
    );
    app.post(
      "/api/trials/:trialId/grants",
      {
        schema: {
          params: trialParams,
          body: grantBody,
          tags: ["trials"],
          summary: "Grant a role (site roles need a site)",
          response: { 201: out.grant },
        },
      },
      async (request, reply) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "trial.manage");
        return reply.status(201).send(await grantRole(db, access.actor, request.params.trialId, request.body, context.now()));
      },
    );
    app.delete(
      "/api/trials/:trialId/grants/:grantId",
      {
        schema: {
          params: trialParams.extend({ grantId: z.string().min(1).max(200) }),
          body: revokeBody,
          tags: ["trials"],
          response: { 200: out.ok },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "trial.manage");
        await revokeRole(db, access.actor, request.params.trialId, request.params.grantId, request.body.reason, context.now());
        return { ok: true };
      },
    );
    app.get(
      "/api/trials/:trialId/data",
      {
        schema: {
          params: trialParams,
          tags: ["analysis"],
          summary:
            "The live data in the trial format of `escalate analyze` (patients limited to the caller's sites; records that cannot be read are left out and listed in the analysis's problems)",
          response: { 200: out.trialData },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return visiblePart(await trialState(db, request.params.trialId, context.now()), access.sites).data;
      },
    );
    app.get(
      "/api/trials/:trialId/analysis",
      {
        schema: {
          params: trialParams,
          tags: ["analysis"],
          summary: "escalate analyze on the live data (patients limited to the caller's sites)",
          response: { 200: out.trialAnalysis },
        },
      },
      async (request) => {
        const access = await authorize(db, requireUser(request), request.params.trialId, "patients.read");
        return visiblePart(await trialState(db, request.params.trialId, context.now()), access.sites).analysis;
      },
    );
  };

async function cohortsWithSlots(context: Context, trialId: string) {
  const cohorts = await listEntities<CohortDoc>(context.store.db, trialId, "cohort");
  const slots = await listEntities(context.store.db, trialId, "slot", { status: ["reserved", "confirmed", "waitlisted"] });
  return cohorts.map((c) => ({
    ...c.data,
    status: c.status,
    reserved: slots.filter((s) => s.parent === c.id && s.status === "reserved").length,
    confirmed: slots.filter((s) => s.parent === c.id && s.status === "confirmed").length,
    waitlisted: slots.filter((s) => s.parent === c.id && s.status === "waitlisted").length,
  }));
}

async function randomizationOf(db: Kysely<Database>, trialId: string) {
  const entity = await getEntity<RandomizationDoc>(db, trialId, "randomization", trialId);
  return entity ? { ...entity.data, status: entity.status } : null;
}
