import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, authorize, grantsOf, type User } from "../access.js";
import type { Context } from "../app.js";
import type { Actor } from "../audit/events.js";
import { responses as out } from "../contract/index.js";
import { simulationBody } from "../contract/requests.js";
import { forbidden } from "../errors.js";
import { cancelJob, createJob, getJob, listJobs } from "../simulation/jobs.js";
import { requireUser } from "./helpers.js";

export const simulationRoutes =
  (context: Context): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = context.store;
    const statistician = async (userId: string) => (await grantsOf(db, userId)).some((g) => g.role === "statistician");
    /**
     * Who runs (or cancels) a study: for a trial's study, whoever holds simulation.run in it; otherwise
     * an administrator, or anyone who is a statistician in some trial.
     */
    const runner = async (user: User, trialId: string | null | undefined, refusal: string): Promise<Actor> => {
      if (trialId) return (await authorize(db, user, trialId, "simulation.run")).actor;
      if (user.admin) return actorOf(user, "admin");
      if (!(await statistician(user.id))) throw forbidden(refusal);
      return actorOf(user, "statistician");
    };
    const jobParams = z.object({ jobId: z.string().uuid() }).strict();
    app.post(
      "/api/simulations",
      {
        schema: {
          body: simulationBody,
          tags: ["simulation"],
          summary: "Queue a simulation study: designs × scenarios × trials, from a seed",
          response: { 202: out.jobCreated },
        },
      },
      async (request, reply) => {
        const actor = await runner(
          requireUser(request),
          request.body.trialId,
          "simulation studies need the statistician role (or a trialId where you hold it)",
        );
        const id = await createJob(db, actor, request.body, context.now(), context.jobs);
        return reply.status(202).send({ id, status: "queued" });
      },
    );
    app.get(
      "/api/simulations/:jobId",
      {
        schema: {
          params: jobParams,
          tags: ["simulation"],
          summary: "A study's progress and, task by task, its results",
          response: { 200: out.simulationJob },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const job = await getJob(db, request.params.jobId);
        if (job.trialId) await authorize(db, user, job.trialId, "trial.read");
        else if (!user.admin && !(await statistician(user.id)))
          throw forbidden("simulation studies are visible to statisticians and administrators");
        return job;
      },
    );
    app.get(
      "/api/simulations",
      {
        schema: {
          tags: ["simulation"],
          summary: "The studies you asked for (every study, for administrators), newest first",
          response: { 200: z.array(out.simulationSummary) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        return listJobs(db, user.admin ? null : user.id);
      },
    );
    app.post(
      "/api/simulations/:jobId/cancel",
      {
        schema: {
          params: jobParams,
          tags: ["simulation"],
          summary: "Cancel a queued or running study (409 once it has finished)",
          response: { 200: out.simulationJob },
        },
      },
      async (request) => {
        const job = await getJob(db, request.params.jobId);
        const actor = await runner(requireUser(request), job.trialId, "cancelling a study needs the statistician role or administration");
        await cancelJob(db, actor, job.id, context.now(), context.jobs);
        return getJob(db, job.id);
      },
    );
  };
