import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { grantsOf, requireAdmin } from "../access.js";
import type { Context } from "../app.js";
import { createApiToken, createUser, endSession, login, revokeApiToken, userBySession } from "../auth/accounts.js";
import { listEntities } from "../db/entities.js";
import { notFound } from "../errors.js";
import { loginBody, tokenBody, userBody } from "../schemas.js";
import { requireUser } from "./helpers.js";

export const SESSION_COOKIE = "escalate_session";

export const authRoutes =
  (context: Context, loginsPerMinute: number): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = context.store;
    app.post(
      "/api/auth/login",
      {
        schema: {
          body: loginBody,
          tags: ["auth"],
          summary: "Log in: sets an HttpOnly, SameSite=Strict session cookie; returns the CSRF token",
        },
        config: { rateLimit: { max: loginsPerMinute, timeWindow: "1 minute" } },
      },
      async (request, reply) => {
        const session = await login(db, request.body.username, request.body.password, context.now(), request.ip);
        reply.setCookie(SESSION_COOKIE, session.sessionId, {
          httpOnly: true,
          sameSite: "strict",
          secure: request.protocol === "https",
          path: "/",
          expires: session.expiresAt,
        });
        return { user: session.user, csrfToken: session.csrfToken, grants: await grantsOf(db, session.user.id) };
      },
    );
    app.post("/api/auth/logout", { schema: { tags: ["auth"] } }, async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await endSession(db, sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return { ok: true };
    });
    app.get(
      "/api/auth/session",
      {
        schema: {
          tags: ["auth"],
          summary: "The logged-in user, their grants and the CSRF token for writes (user null when not logged in)",
        },
      },
      async (request) => {
        // Anonymous callers get a plain answer, not a 401: the web app asks this on every start.
        const user = request.user;
        if (!user) return { user: null, grants: [], csrfToken: null };
        const sessionId = request.cookies[SESSION_COOKIE];
        const session = sessionId ? await userBySession(db, sessionId, context.now()) : null;
        return { user, grants: await grantsOf(db, user.id), csrfToken: session?.csrfToken ?? null };
      },
    );
    app.post(
      "/api/auth/tokens",
      { schema: { body: tokenBody, tags: ["auth"], summary: "Create an API token for scripts (shown once)" } },
      async (request, reply) => {
        const user = requireUser(request);
        const token = await createApiToken(db, user, request.body.name, context.now());
        return reply.status(201).send({ name: request.body.name, token });
      },
    );
    app.delete(
      "/api/auth/tokens/:name",
      { schema: { params: z.object({ name: z.string().min(1).max(100) }), tags: ["auth"] } },
      async (request) => {
        const user = requireUser(request);
        if (!(await revokeApiToken(db, user, request.params.name, context.now()))) throw notFound(`API token ${request.params.name}`);
        return { ok: true };
      },
    );
    app.post(
      "/api/users",
      { schema: { body: userBody, tags: ["users"], summary: "Create a user (system administrators)" } },
      async (request, reply) => {
        const actor = requireAdmin(requireUser(request));
        return reply.status(201).send(await createUser(db, actor, request.body, context.now()));
      },
    );
    app.get("/api/users", { schema: { tags: ["users"] } }, async (request) => {
      requireAdmin(requireUser(request));
      const users = await listEntities<Record<string, unknown>>(db, "", "user");
      return users.map((u) => ({ id: u.id, status: u.status, ...u.data }));
    });
  };
