import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TrialDataInput } from "@escalate/core";
import type { Store } from "@escalate/server";
import { readDocument } from "../design-file.js";
import { UsageError } from "../errors.js";
import { importExternal } from "../external-modules.js";
import type { Options } from "../options.js";
import { cliPackageRoot } from "../package-root.js";
import type { CommandResult } from "./shared.js";

// Loaded when a command runs, not when the CLI starts.
const serverModule = () => importExternal("@escalate/server");

/** The example the demo conducts: a first-in-human ADC trial with two sites, under a BOIN design. */
const DEMO_TRIAL = join(cliPackageRoot(), "../../examples/trials/adc-first-in-human.yaml");
const DEMO_DESIGN = { design: "boin", target: 0.3, cohortSize: 3, cohorts: 10, expansion: 6 };
const DEMO_DATABASE = "data/escalate-demo.db";
/** The built web app (`npm run build` builds it), served at / when present. */
const WEB_ROOT = join(cliPackageRoot(), "../web/dist");

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve(signal));
  });
}

async function loadDemoInto(store: Store): Promise<void> {
  const { loadDemo } = await serverModule();
  const example = readDocument(DEMO_TRIAL, "demo trial", "a trial document") as unknown as TrialDataInput;
  if (await loadDemo(store, example, DEMO_DESIGN))
    process.stdout.write(
      `Demo: loaded trial ${example.trial.id} (users: admin, stat, chair, inv101, coord101, inv102, monitor, auditor; password escalate-demo)\n`,
    );
}

/** `escalate serve [--port] [--db] [--demo]`: the conduct server, until Ctrl-C. */
export async function serveCommand(_reference: string | undefined, options: Options): Promise<CommandResult> {
  const db = options.db ?? (options.demo && !process.env.DATABASE_URL ? DEMO_DATABASE : undefined);
  const { startServer } = await serverModule();
  const server = await startServer({
    db,
    port: options.port,
    host: options.host,
    threads: options.threads,
    webRoot: WEB_ROOT,
    trustProxy: options["trust-proxy"],
    // Requests are logged as JSON lines; the demo logs only warnings and errors, to keep its console readable.
    logLevel: options["log-level"] ?? (options.demo ? "warn" : "info"),
    ...(options["anchor-key"]
      ? { anchors: { keyFile: options["anchor-key"], file: options.anchors ?? "anchors.json", everyMinutes: options["anchor-minutes"] } }
      : {}),
    ...(options.demo ? { prepare: loadDemoInto } : {}),
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === "EADDRINUSE") {
      const port = options.port ?? 8080;
      throw new UsageError(
        `port ${port} is in use by another program: choose another with --port (e.g. --port ${port + 1}), or --port 0 for any free one`,
      );
    }
    throw error;
  });
  process.stdout.write(`Escalate server on ${server.url} (database: ${server.store.dialect} ${server.store.location})\n`);
  process.stdout.write(`Web app: ${server.url}/   API documentation: ${server.url}/api/docs\n`);
  if (server.initialAdmin) {
    process.stdout.write(
      server.initialAdmin.password === null
        ? `First administrator: ${server.initialAdmin.username}, with the password in ESCALATE_ADMIN_PASSWORD\n`
        : `First administrator: ${server.initialAdmin.username} / ${server.initialAdmin.password} (shown once; change it)\n`,
    );
  }
  const signal = await untilSignal();
  await server.close();
  return { text: `stopped (${signal})` };
}

/**
 * `escalate worker [--db]`: runs simulation shards from a shared database until Ctrl-C: from the pg-boss
 * queue on PostgreSQL (any number of machines), or the studies' own rows on SQLite.
 */
export async function workerCommand(_reference: string | undefined, options: Options): Promise<CommandResult> {
  const { openStore, startSimulationQueue } = await serverModule();
  const store = await openStore(options.db);
  const queue = await startSimulationQueue(store, {
    threads: options.threads,
    onError: (error) => process.stderr.write(`queue: ${error.message}\n`),
  });
  process.stdout.write(`Simulation worker on ${store.dialect} ${store.location}\n`);
  const signal = await untilSignal();
  await queue.stop();
  await store.close();
  return { text: `stopped (${signal})` };
}

/** `escalate audit verify [--db] [--json]`: every hash chain and the current state against the log. */
const AUDIT_USAGE = `usage: escalate audit verify [--db FILE|URL] [--anchors anchors.json --public-key DIR/public.pem] [--json]
       escalate audit keygen --out DIR
       escalate audit anchor [--db FILE|URL] --key DIR/private.pem --anchors anchors.json`;

/**
 * `escalate audit verify | keygen | anchor`: check the log (exit 3 when tampered with, or when a chain no
 * longer extends an anchored head), make an anchor key pair, or anchor the chains' heads now.
 */
export async function auditCommand(action: string | undefined, options: Options): Promise<CommandResult> {
  const { anchorHeads, appendAnchor, generateAnchorKeys, openStore, readAnchors, verifyAnchors, verifyAudit } = await serverModule();
  if (action === "keygen") {
    if (!options.out) throw new UsageError(`missing --out DIR\n${AUDIT_USAGE}`);
    const privateFile = join(options.out, "private.pem");
    if (existsSync(privateFile)) throw new UsageError(`${privateFile} exists already: an anchor key is never overwritten`);
    mkdirSync(options.out, { recursive: true });
    const keys = generateAnchorKeys();
    writeFileSync(privateFile, keys.privateKey, { mode: 0o600 });
    writeFileSync(join(options.out, "public.pem"), keys.publicKey);
    return {
      text: `Wrote ${privateFile} (keep it away from the database server's disk) and ${join(options.out, "public.pem")} (for verify).`,
    };
  }
  if (action === "anchor") {
    if (!options.key || !options.anchors) throw new UsageError(`missing --key or --anchors\n${AUDIT_USAGE}`);
    const key = readFileSync(options.key, "utf8");
    const store = await openStore(options.db);
    try {
      const anchor = await anchorHeads(store.db, key, new Date());
      appendAnchor(options.anchors, anchor);
      if (options.json) return { json: anchor };
      return { text: `Anchored ${anchor.chains.length} chains at ${anchor.at} into ${options.anchors}` };
    } finally {
      await store.close();
    }
  }
  if (action !== "verify") throw new UsageError(AUDIT_USAGE);
  if ((options.anchors === undefined) !== (options["public-key"] === undefined))
    throw new UsageError(`--anchors and --public-key go together\n${AUDIT_USAGE}`);
  const store = await openStore(options.db);
  try {
    const report = await verifyAudit(store.db);
    if (options.anchors && options["public-key"]) {
      const anchors = readAnchors(options.anchors);
      report.problems.push(...(await verifyAnchors(store.db, anchors, readFileSync(options["public-key"], "utf8"))));
      report.ok = report.problems.length === 0;
    }
    const exitCode = report.ok ? 0 : 3;
    if (options.json) return { json: report, exitCode };
    const lines = [
      `${report.ok ? "OK" : "TAMPERED"}: ${report.events} events in ${report.chains.length} chains (${store.dialect} ${store.location})${
        options.anchors ? `, checked against ${readAnchors(options.anchors).length} anchors` : ""
      }`,
      ...report.chains.map((c) => `  ${c.chain}: ${c.events} events, head ${c.head}`),
      ...report.problems.map((p) => `  problem: ${p}`),
    ];
    return { text: lines.join("\n"), exitCode };
  } finally {
    await store.close();
  }
}
