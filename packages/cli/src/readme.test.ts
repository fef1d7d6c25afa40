import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./main.js";

/**
 * Every command the README shows, run as written (from the repository's root, as a new user would):
 * each must exit 0. The long-running server and the commands on its demo database are covered by
 * serve.test.ts; files a command writes go to a scratch folder instead of the checkout.
 */
const ROOT = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "escalate-readme-"));

/** The README's `npx escalate …` lines inside sh blocks, without trailing comments, split as a shell would. */
function readmeCommands(): string[][] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((block) => block.split("\n"))
    .filter((line) => line.startsWith("npx escalate "))
    .map((line) => line.replace(/\s+#.*$/, ""))
    .filter((line) => !line.includes("[")) // usage synopses, not commands
    .map((line) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(2))
    .concat(readme.includes("`npx escalate demo`") ? [["demo"]] : []);
}

const LONG_RUNNING = new Set(["serve", "worker", "audit"]);

describe("the README's commands", () => {
  const commands = readmeCommands();
  // What an earlier command writes (--out) is read from the scratch folder too (export, then analyze).
  const outputs = new Set(commands.flatMap((argv) => argv.flatMap((arg, i) => (argv[i - 1] === "--out" ? [arg] : []))));
  it("finds them", () => expect(commands.length).toBeGreaterThanOrEqual(15));

  it.each(commands.filter((argv) => !LONG_RUNNING.has(argv[0]!)).map((argv) => [argv.join(" "), argv]))("%s", async (_line, argv) => {
    const args = (argv as string[]).map((arg, i, all) =>
      all[i - 1] === "--out" || (i > 0 && outputs.has(arg) && !all[i - 1]!.startsWith("--")) ? join(scratch, arg) : arg,
    );
    const previous = process.cwd();
    process.chdir(new URL(".", ROOT).pathname);
    try {
      const result = await run(args);
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout.length).toBeGreaterThan(0);
    } finally {
      process.chdir(previous);
    }
  });
});
