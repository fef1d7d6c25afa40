// Command start-up: whole `escalate` processes, median of several runs, as ratios to `node -e 0` timed in
// the same run (what Node itself costs on this machine now).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../packages/cli/bin/escalate.js", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../examples/boin-adc.yaml", import.meta.url));

const COMMANDS: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["escalate --version", [BIN, "--version"]],
  ["escalate next (BOIN)", [BIN, "next", EXAMPLE, "--outcomes", "1NNN 2NNN 3NTT"]],
  ["escalate simon", [BIN, "simon", "--p0", "0.05", "--p1", "0.2", "--alpha", "0.1", "--beta", "0.1"]],
];

function medianSeconds(args: string[], runs: number): number {
  execFileSync(process.execPath, args, { stdio: "ignore" }); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    execFileSync(process.execPath, args, { stdio: "ignore" });
    times.push((performance.now() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

export interface StartupRow {
  name: string;
  seconds: number;
  ratio: number;
}

export function startupBenchmark(runs = 7): StartupRow[] {
  const rows = COMMANDS.map(([name, args]) => ({ name, seconds: medianSeconds(args, runs) }));
  const node = rows[0]!.seconds;
  return rows.map((row) => ({ ...row, ratio: row.seconds / node }));
}

export function formatStartup(rows: StartupRow[]): string {
  return [
    `${"command".padEnd(24)} ${"median s".padStart(9)} ${"× node -e 0".padStart(12)}`,
    ...rows.map((r) => `${r.name.padEnd(24)} ${r.seconds.toFixed(3).padStart(9)} ${r.ratio.toFixed(1).padStart(12)}`),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatStartup(startupBenchmark()));
