import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { grantsOf, requireAdmin, type User } from "../access.js";
import type { Context } from "../app.js";
import {
  changeOwnPassword,
  createApiToken,
  createUser,
  endUserSessions,
  login,
  logout,
  resetPassword,
  revokeApiToken,
  setUserDisabled,
  userBySession,
} from "../auth/accounts.js";
import { responses as out } from "../contract/index.js";
import { loginBody, passwordChangeBody, passwordResetBody, revokeBody, tokenBody, userBody } from "../contract/requests.js";
import { listEntities } from "../db/entities.js";
import { notFound } from "../errors.js";
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
          response: { 200: out.session },
        },
        config: { public: true, rateLimit: { max: loginsPerMinute, timeWindow: "1 minute" } },
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
    app.post(
      "/api/auth/logout",
      { schema: { tags: ["auth"], response: { 200: out.ok } }, config: { public: true } },
      async (request, reply) => {
        const sessionId = request.cookies[SESSION_COOKIE];
        if (sessionId) await logout(db, sessionId, context.now(), request.ip);
        reply.clearCookie(SESSION_COOKIE, { path: "/" });
        return { ok: true };
      },
    );
    app.get(
      "/api/auth/session",
      {
        schema: {
          tags: ["auth"],
          summary: "The logged-in user, their grants and the CSRF token for writes (user null when not logged in)",
          response: { 200: out.sessionProbe },
        },
        config: { public: true },
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
      {
        schema: {
          body: tokenBody,
          tags: ["auth"],
          summary: "Create an API token for scripts (shown once)",
          response: { 201: out.apiToken },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const token = await createApiToken(db, user, request.body.name, context.now());
        return reply.status(201).send({ name: request.body.name, token });
      },
    );
    app.delete(
      "/api/auth/tokens/:name",
      { schema: { params: z.object({ name: z.string().min(1).max(100) }), tags: ["auth"], response: { 200: out.ok } } },
      async (request) => {
        const user = requireUser(request);
        if (!(await revokeApiToken(db, user, request.params.name, context.now()))) throw notFound(`API token ${request.params.name}`);
        return { ok: true };
      },
    );
    app.post(
      "/api/users",
      { schema: { body: userBody, tags: ["users"], summary: "Create a user (system administrators)", response: { 201: out.user } } },
      async (request, reply) => {
        const actor = requireAdmin(requireUser(request));
        return reply.status(201).send(await createUser(db, actor, request.body, context.now()));
      },
    );
    app.post(
      "/api/auth/password",
      {
        schema: {
          body: passwordChangeBody,
          tags: ["auth"],
          summary: "Change your own password (the current one first); your other sessions end",
          response: { 200: out.ok },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const sessionId = request.cookies[SESSION_COOKIE] ?? null;
        await changeOwnPassword(db, user, request.body, context.now(), request.ip, sessionId);
        return { ok: true };
      },
    );
    const userParams = z.object({ userId: z.string().uuid() }).strict();
    app.post(
      "/api/users/:userId/password",
      {
        schema: {
          params: userParams,
          body: passwordResetBody,
          tags: ["users"],
          summary: "Set a user's password (administrators; reason required; their sessions end)",
          response: { 200: out.ok },
        },
      },
      async (request) => {
        const actor = requireAdmin(requireUser(request));
        await resetPassword(db, actor, request.params.userId, request.body.password, request.body.reason, context.now());
        return { ok: true };
      },
    );
    for (const [move, disabled] of [
      ["disable", true],
      ["enable", false],
    ] as const) {
      app.post(
        `/api/users/:userId/${move}`,
        {
          schema: {
            params: userParams,
            body: revokeBody,
            tags: ["users"],
            summary: `${move === "disable" ? "Disable" : "Enable"} an account (administrators; reason required)`,
            response: { 200: out.ok },
          },
        },
        async (request) => {
          const actor = requireAdmin(requireUser(request));
          await setUserDisabled(db, actor, request.params.userId, disabled, request.body.reason, context.now());
          return { ok: true };
        },
      );
    }
    app.post(
      "/api/users/:userId/sessions/end",
      {
        schema: {
          params: userParams,
          body: revokeBody,
          tags: ["users"],
          summary: "End every session of a user (administrators; reason required)",
          response: { 200: out.endedSessions },
        },
      },
      async (request) => {
        const actor = requireAdmin(requireUser(request));
        return { ended: await endUserSessions(db, actor, request.params.userId, request.body.reason, context.now()) };
      },
    );
    app.get(
      "/api/users",
      { schema: { tags: ["users"], summary: "Every account (system administrators)", response: { 200: z.array(out.account) } } },
      async (request) => {
        requireAdmin(requireUser(request));
        const users = await listEntities<User>(db, "", "user");
        return users.map((u) => ({ ...u.data, status: u.status }));
      },
    );
  };
