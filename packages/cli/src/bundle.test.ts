import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./main.js";

/**
 * The `escalate` users run — bin/escalate.js, the one-file bundle `npm ci` builds and its V8 code cache
 * (build-bundle.js) — not the sources the other tests import. Each command that loads an ES module kept
 * outside the bundle (the server, worker threads, Vega) is run through it once.
 */
const PACKAGE = new URL("../", import.meta.url);
const LAUNCHER = fileURLToPath(new URL("bin/escalate.js", PACKAGE));
const ROOT = fileURLToPath(new URL("../../", PACKAGE));
const EXAMPLE = join(ROOT, "examples/boin-adc.yaml");
const scratch = mkdtempSync(join(tmpdir(), "escalate-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);
const escalate = (...args: string[]) =>
  execFileAsync(process.execPath, [LAUNCHER, ...args], { cwd: scratch, env: { ...process.env, DATABASE_URL: "" } });

describe("the built escalate command", () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(new URL("bundle/escalate.cjs", PACKAGE))))
      throw new Error("packages/cli/bundle is missing: `npm ci` (or `npm run build`) builds it");
  });

  it("starts from the code cache made at build time, which this Node accepts", async () => {
    const probe = `import(${JSON.stringify(new URL("bin/bundle-loader.js", PACKAGE).href)}).then((m) => console.log(m.loadBundle().cacheAccepted))`;
    const { stdout } = await execFileAsync(process.execPath, ["-e", probe]);
    expect(stdout.trim()).toBe("true");
  });

  it("answers --version from package.json, with nothing on stderr", async () => {
    const { stdout, stderr } = await escalate("--version");
    const { version } = JSON.parse(readFileSync(new URL("package.json", PACKAGE), "utf8")) as { version: string };
    expect(stdout.trim()).toBe(version);
    expect(stderr).toBe("");
  });

  it("gives the same decision as the sources", async () => {
    const args = ["next", EXAMPLE, "--outcomes", "1NNN 2NNN 3NTT", "--json"];
    const { stdout } = await escalate(...args);
    expect(JSON.parse(stdout)).toEqual(JSON.parse((await run(args)).stdout));
  });

  it("simulates on worker threads with the numbers of the sources", { timeout: 60_000 }, async () => {
    const args = [
      "simulate",
      EXAMPLE,
      "--truth",
      "0.05,0.1,0.2,0.3,0.45,0.6",
      "--trials",
      "2000",
      "--seed",
      "11",
      "--threads",
      "2",
      "--json",
    ];
    const { stdout } = await escalate(...args);
    expect(JSON.parse(stdout)).toEqual(JSON.parse((await run(args)).stdout));
  });

  it("draws the HTML report's plots with Vega", { timeout: 60_000 }, async () => {
    const out = join(scratch, "report.html");
    await escalate("report", join(ROOT, "examples/trastuzumab-dm1-phase1"), "--format", "html", "--out", out);
    expect(readFileSync(out, "utf8").match(/<svg/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it("serves the demo trial, as `npm start` does", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, [LAUNCHER, "serve", "--demo", "--port", "0", "--threads", "1"], {
      cwd: scratch,
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let output = "";
        const collect = (chunk: Buffer) => {
          output += chunk;
          const match = output.match(/Escalate server on (http:\/\/\S+)/);
          if (match) resolve(match[1]!);
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        child.on("exit", (code) => reject(new Error(`escalate serve exited (${code}):\n${output}`)));
      });
      expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true, database: "sqlite" });
      expect(await (await fetch(`${base}/`)).text()).toContain("<div id=");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
