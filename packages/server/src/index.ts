/**
 * @escalate/server — the trial conduct server: HTTP API (Fastify), database (Kysely on SQLite or
 * PostgreSQL), accounts and roles, the hash-chained audit log, cohort slots, escalation decisions and
 * simulation jobs. The statistics are the core's; this package stores, guards and serves them.
 */

export { SYSTEM_ACTOR } from "./access.js";
export { type AppOptions, buildApp } from "./app.js";
export { type Anchor, anchorHeads, appendAnchor, generateAnchorKeys, readAnchors, verifyAnchors } from "./audit/anchors.js";
export { type AuditReport, verifyAudit } from "./audit/verify.js";
export { createUser } from "./auth/accounts.js";
export { DEFAULT_DATABASE, openStore, type Store } from "./db/database.js";
export { loadDemo } from "./demo.js";
export { type RunningServer, type ServeOptions, startServer } from "./server.js";
export { startSimulationQueue } from "./simulation/queue.js";
