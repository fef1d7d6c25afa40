import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseWith, ValidationError } from "@escalate/core";
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { User } from "./access.js";
import { StaleWrite } from "./audit/events.js";
import { sameSecret, userBySession, userByToken } from "./auth/accounts.js";
import { responses } from "./contract/index.js";
import type { Store } from "./db/database.js";
import { conflict, forbidden, HttpError, invalid, unauthorized, unavailable } from "./errors.js";
import { inputProblem } from "./input-guard.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes, SESSION_COOKIE } from "./routes/auth.js";
import { conductRoutes } from "./routes/conduct.js";
import { simulationRoutes } from "./routes/simulations.js";
import { trialRoutes } from "./routes/trials.js";
import type { SimulationQueue } from "./simulation/jobs.js";

declare module "fastify" {
  interface FastifyRequest {
    user: User | null;
  }
  interface FastifyContextConfig {
    /** Answers without a logged-in user (login, the session probe, health); every other API route answers 401 first. */
    public?: boolean;
  }
}

export interface AppOptions {
  store: Store;
  /** The clock (tests move it to expire reservations and end DLT windows). */
  now?: () => Date;
  /** Where simulation studies' shards go (queue.ts); none = they wait for a queue to be started on the database. */
  jobs?: SimulationQueue | null;
  /** Login attempts per client address per minute. */
  loginRateLimit?: number;
  /** Structured request logs (pino JSON, with request ids; cookies, tokens and bodies are never logged). */
  logger?: boolean | { level?: string; stream?: { write(line: string): void } };
  /**
   * Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by default, so the client
   * address is the connection's peer and a client cannot choose it.
   */
  trustProxy?: readonly string[];
  /** The built web app (packages/web/dist), served at / with the API under /api. */
  webRoot?: string | undefined;
  /**
   * An answer that breaks its route's response schema: a 500 (the default when NODE_ENV is "test" or
   * "development", so the drift is found at once), or otherwise logged and sent as it is, so a trial
   * team is never stopped by a documentation fault.
   */
  strictResponses?: boolean;
}

export interface Context {
  store: Store;
  now: () => Date;
  jobs: SimulationQueue | null;
}

export const API_BODY_LIMIT = 1024 * 1024;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The HTTP API: every route validates its input with the shared zod schemas and answers JSON. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: API_BODY_LIMIT,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
  }).withTypeProvider<ZodTypeProvider>();
  const context: Context = { store: options.store, now: options.now ?? (() => new Date()), jobs: options.jobs ?? null };

  // Validation with the core's parser, so HTTP errors name field, value and rule exactly as the CLI does.
  app.setValidatorCompiler(({ schema }) => (data) => {
    try {
      return { value: parseWith(schema as z.ZodType, data) };
    } catch (error) {
      return { error: error as Error };
    }
  });
  // Answers are checked against their route's response schema (the contract the web app imports).
  const strictResponses = options.strictResponses ?? ["test", "development"].includes(process.env.NODE_ENV ?? "");
  app.setSerializerCompiler(({ schema, method, url }) => (data) => {
    const checked = (schema as z.ZodType).safeEncode(data);
    if (checked.success) return JSON.stringify(checked.data);
    const problem = `${method} ${url} answered outside its response schema: ${checked.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`)
      .join("; ")}`;
    if (strictResponses) throw new Error(problem);
    app.log.error(problem);
    return JSON.stringify(data);
  });
  // Every documented route refuses in one shape: declared once here rather than on each route.
  app.addHook("onRoute", (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (schema?.response && !schema.hide) schema.response = { ...schema.response, "4xx": responses.refusal, "5xx": responses.refusal };
  });
  app.setErrorHandler((caught, request, reply) => {
    const error = asHttpError(caught) ?? caught;
    const validation = (error as { validation?: unknown }).validation;
    const cause = error instanceof ValidationError ? error : validation && (error as { cause?: unknown }).cause;
    const part = (error as { validationContext?: string }).validationContext ?? "body";
    if (cause instanceof ValidationError || error instanceof ValidationError) {
      const issues = (cause instanceof ValidationError ? cause : (error as ValidationError)).issues.map((i) =>
        withoutSecret({
          ...i,
          path: i.path ? `${part}.${i.path}` : part,
        }),
      );
      return reply.status(400).send({ error: "invalid", message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues });
    }
    if (error instanceof HttpError) {
      if (error.statusCode === 503) reply.header("retry-after", "5");
      return reply.status(error.statusCode).send({
        ...error.details,
        error: error.code,
        message: error.message,
        ...(error.issues ? { issues: error.issues.map(withoutSecret) } : {}),
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({
        error: (error as { code?: string }).code ?? "bad-request",
        message: error instanceof Error ? error.message : String(error),
      });
    }
    request.log.error(error);
    return reply.status(500).send({ error: "internal", message: "the server failed; nothing was changed by this request" });
  });
  const webApp = options.webRoot !== undefined && existsSync(join(options.webRoot, "index.html"));
  // Before any schema, on every request: who is calling (401 before any field is judged), then what no
  // field may hold (depth, NUL, lone surrogates).
  app.addHook("preValidation", async (request) => {
    if (
      !request.user &&
      request.routeOptions.config.public !== true &&
      request.url.startsWith("/api/") &&
      !request.url.startsWith("/api/docs")
    )
      throw unauthorized();
    for (const [part, value] of [
      ["params", request.params],
      ["querystring", request.query],
      ["body", request.body],
    ] as const) {
      const problem = inputProblem(value, part);
      if (problem) throw invalid([problem]);
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    // The web app's own routes (/design, /trials/…) get its index.html, so links and reloads work.
    if (webApp && request.method === "GET" && !path.startsWith("/api/") && !/\.[a-z0-9]+$/i.test(path))
      return reply.type("text/html").sendFile("index.html");
    return reply.status(404).send({ error: "not-found", message: `no route ${request.method} ${path}` });
  });

  // Security headers on every answer. Scripts only from this server (the web app interprets Vega's
  // chart expressions rather than eval-ing them); styles may be inline (charts, the API docs).
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        workerSrc: ["'self'", "blob:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Plain-HTTP deployments (a LAN address, TLS ended at a proxy) must not have their requests upgraded.
        upgradeInsecureRequests: null,
      },
    },
    // Plain-HTTP deployments (loopback, a TLS-terminating proxy) must not be told to upgrade.
    hsts: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Escalate trial conduct API",
        version: "0.1.0",
        description: "Dose-escalation trial conduct: roles, slots, DLTs, signed decisions, audit trail.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
          token: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });

  // Who is calling: a session cookie (with CSRF protection on writes) or an API token (scripts).
  app.decorateRequest("user", null);
  app.addHook("onRequest", async (request) => {
    const now = context.now();
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (bearer) {
      request.user = await userByToken(context.store.db, bearer);
      return;
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId) return;
    const session = await userBySession(context.store.db, sessionId, now);
    if (!session) return;
    if (!SAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin;
      if (origin !== undefined && originHost(origin) !== request.headers.host)
        throw forbidden(`cross-site request from ${JSON.stringify(origin.slice(0, 200))} refused`);
      const token = request.headers["x-csrf-token"];
      if (typeof token !== "string" || !sameSecret(token, session.csrfToken)) {
        throw forbidden("missing or wrong X-CSRF-Token header (GET /api/auth/session gives the token)");
      }
    }
    request.user = session.user;
  });

  app.get("/api/health", { schema: { hide: true }, config: { public: true } }, async () => ({ ok: true, database: context.store.dialect }));
  if (webApp) {
    await app.register(fastifyStatic, { root: options.webRoot!, prefix: "/", wildcard: false, index: "index.html" });
  } else {
    // Without the web app the front door is the API's documentation.
    app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/api/docs"));
  }
  await app.register(authRoutes(context, options.loginRateLimit ?? 10));
  await app.register(trialRoutes(context));
  await app.register(conductRoutes(context));
  await app.register(auditRoutes(context));
  await app.register(simulationRoutes(context));
  return app;
}

/** The host of an Origin header; null for "null" (sandboxed or privacy-sensitive contexts) or a malformed one. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

const UNAVAILABLE_CODES = new Set([
  // PostgreSQL: the server is shutting down, restarting or starting, or the connection failed.
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  // The network.
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  // SQLite: locked past the busy timeout, an I/O error, a full disk.
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_IOERR",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
]);
const UNIQUE_CODES = new Set(["23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);

/**
 * The HTTP meaning of errors from below the routes: a database that cannot be reached is 503 (the
 * request failed, the server goes on), a unique key taken by a concurrent create is 409, an edit of a
 * record changed meanwhile is 409 with the current record.
 */
function asHttpError(error: unknown): HttpError | null {
  if (error instanceof StaleWrite) {
    const current =
      error.expected === "new" || !error.current
        ? null
        : { id: error.key.id, kind: error.key.kind, version: error.current.version, ...error.current.data };
    return conflict(error.message, undefined, error.expected === "new" ? {} : { current });
  }
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  const message = error instanceof Error ? error.message : "";
  if (UNIQUE_CODES.has(code)) return conflict("that exists already (created by a concurrent request)");
  if (
    UNAVAILABLE_CODES.has(code) ||
    code.startsWith("SQLITE_IOERR") ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i.test(
      message,
    )
  )
    return unavailable();
  return null;
}

/** Fields whose values an error never repeats (they may be a password or a token). */
const SECRET_FIELD = /(password|token|secret)$/i;
function withoutSecret<T extends { path: string; value?: unknown }>(issue: T): T {
  // A whole object (e.g. a body with an unknown key) may hold a password: never repeated either.
  const secret = SECRET_FIELD.test(issue.path) || (typeof issue.value === "object" && issue.value !== null);
  if (!secret || !("value" in issue)) return issue;
  const { value: _secret, ...rest } = issue;
  return rest as T;
}

function loggerOptions(logger: AppOptions["logger"]) {
  if (!logger) return false;
  const { level = "info", stream } = logger === true ? {} : logger;
  // Requests are logged with their id, method, URL, peer and status; never headers or bodies.
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: ["req.headers.cookie", "req.headers.authorization", 'req.headers["x-csrf-token"]'],
  };
}
