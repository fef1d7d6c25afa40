import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createUser, openStore, SYSTEM_ACTOR } from "@escalate/server";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./main.js";

const BIN = fileURLToPath(new URL("./bin.ts", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "escalate-serve-"));
const database = join(folder, "demo.db");
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** `escalate serve --demo` in a child process, as the README's quick start runs it. */
function serveDemo(): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=source", BIN, "serve", "--demo", "--db", database, "--port", "0", "--threads", "1"],
      { env: { ...process.env, DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk;
      const match = output.match(/Escalate server on (http:\/\/\S+)/);
      if (match) resolve({ child, base: match[1]!, output: () => output });
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("exit", (code) => reject(new Error(`escalate serve exited (${code}):\n${output}`)));
  });
}

describe("escalate serve --demo, then escalate audit verify", () => {
  it("serves the demo trial to its users, and the log it wrote verifies", { timeout: 60_000 }, async () => {
    const { child, base, output } = await serveDemo();
    try {
      expect(output()).toMatch(/Demo: loaded trial ESC-101-001 .*password escalate-demo/);
      // One connection per request (`connection: close`): stopping the server then leaves fetch no
      // pooled keep-alive socket to lose under it.
      const login = await fetch(`${base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ username: "chair", password: "escalate-demo" }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const trials = (await (await fetch(`${base}/api/trials`, { headers: { cookie, connection: "close" } })).json()) as { id: string }[];
      expect(trials.map((t) => t.id)).toEqual(["ESC-101-001"]);
      const decisions = (await (
        await fetch(`${base}/api/trials/ESC-101-001/decisions`, { headers: { cookie, connection: "close" } })
      ).json()) as {
        status: string;
        cohort: number;
        basedOn: { patients: { cohort: number; doseLevel: number }[] };
        resolution: { action: string; dose: number | null };
      }[];
      expect(decisions.length).toBeGreaterThan(1);
      expect(decisions.every((d) => d.status === "signed")).toBe(true);
      // Each decision says what it did relative to the dose of the cohort it decided (issue 14: the demo's
      // second decision said "stay" while moving from 2.4 to 3.6 mg/kg).
      for (const decision of decisions) {
        const current = decision.basedOn.patients.find((p) => p.cohort === decision.cohort)!.doseLevel;
        const { action, dose } = decision.resolution;
        const relation = dose === null ? "stop" : dose > current ? "escalate" : dose < current ? "de-escalate" : "stay";
        expect(action, `decision on cohort ${decision.cohort}`).toBe(relation);
      }
      expect((await fetch(`${base}/api/docs/json`, { headers: { connection: "close" } })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }

    const verified = await run(["audit", "verify", "--db", database, "--json"]);
    expect(verified.exitCode).toBe(0);
    const report = JSON.parse(verified.stdout);
    expect(report.ok).toBe(true);
    expect(report.events).toBeGreaterThan(50);

    // Someone with file access changes a recorded grade: verify names the problem and exits 3.
    const store = await openStore(database);
    await sql`drop trigger if exists events_no_update`.execute(store.db);
    await sql`update events set changes = replace(changes, '"AETOXGR":3', '"AETOXGR":2') where type = 'adverseEvent.recorded'`.execute(
      store.db,
    );
    await store.close();
    const tampered = await run(["audit", "verify", "--db", database]);
    expect(tampered.exitCode).toBe(3);
    expect(tampered.stdout).toMatch(/^TAMPERED/);
    expect(tampered.stdout).toMatch(/problem: .*hash/);
  });

  it("anchors the chains' heads with a key of its own, and verify then finds a cut-off tail (exit 3)", async () => {
    const keys = join(folder, "keys");
    const anchors = join(folder, "anchors.json");
    const db = join(folder, "anchored.db");
    const store = await openStore(db);
    await createUser(
      store.db,
      SYSTEM_ACTOR,
      { username: "admin", name: "Admin", password: "violet tractor under 9 moons", admin: true },
      new Date(),
    );
    const bob = await createUser(store.db, SYSTEM_ACTOR, { username: "bob", name: "Bob", password: "amber harbour lights 77" }, new Date());
    await store.close();
    expect((await run(["audit", "keygen", "--out", keys])).exitCode).toBe(0);
    expect((await run(["audit", "keygen", "--out", keys])).stderr).toMatch(/exists already/);
    const anchored = await run(["audit", "anchor", "--db", db, "--key", join(keys, "private.pem"), "--anchors", anchors]);
    expect(anchored.stdout).toMatch(/^Anchored 1 chains at .* into /);
    const check = ["audit", "verify", "--db", db, "--anchors", anchors, "--public-key", join(keys, "public.pem")];
    expect((await run(check)).exitCode).toBe(0);
    // Bob's account goes with every trace of it — the event that created it, its state and its password —
    // and the chain's head is set back: the chains alone still verify; against the anchor, not.
    const tampered = await openStore(db);
    await sql`drop trigger if exists events_no_delete`.execute(tampered.db);
    const last = await tampered.db
      .selectFrom("events")
      .select(["seq", "chain_seq", "prev_hash"])
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    await tampered.db.deleteFrom("events").where("seq", "=", last.seq).execute();
    await tampered.db.deleteFrom("entities").where("id", "=", bob.id).execute();
    await tampered.db.deleteFrom("credentials").where("user_id", "=", bob.id).execute();
    await tampered.db
      .updateTable("chains")
      .set({ seq: last.chain_seq - 1, head: last.prev_hash })
      .execute();
    await tampered.close();
    expect((await run(["audit", "verify", "--db", db])).exitCode).toBe(0);
    const found = await run(check);
    expect(found.exitCode).toBe(3);
    expect(found.stdout).toMatch(/problem: chain system: event \d+, anchored on .*, is gone \(the chain was cut short\)/);
  });

  it("explains its usage", async () => {
    const result = await run(["audit", "check"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/escalate audit verify/);
  });
});
