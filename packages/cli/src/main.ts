import type { CommandResult } from "./commands/shared.js";
import { describeError, UsageError } from "./errors.js";
import { COMMAND_FLAGS, type Options, parseCommandLine } from "./options.js";
import { cliVersion } from "./package-root.js";

const HELP = `escalate — dose-finding designs for early-phase oncology trials

Usage:
  escalate demo                                       a BOIN design, its decision table and operating characteristics
  escalate boundaries <design> [--json]               decision table (escalate / de-escalate / eliminate per n)
  escalate next <design> --outcomes "1NNN 2NTN" [--json]   next-dose decision with reasons
  escalate mtd <design> --outcomes "…" [--json]       MTD selection from the data so far
  escalate simulate <design> --truth 0.05,0.15,0.3,0.45,0.6
                   (--trials N --seed S [--threads T] | --exact) [--json]
  escalate paths <design> --outcomes "…" --cohorts k [--json]   dose-transition pathways
  escalate calibrate <design> [--odds-ratio 2] [--prior-variances 0.5,1.34] [--json]
                                                      CRM skeleton (and prior variance) by exact PCS (Lee & Cheung 2009)
  escalate describe <design>                          protocol-ready markdown
  escalate simon --p0 0.05 --p1 0.2 --alpha 0.1 --beta 0.1 [--max-n 150] [--json]
                                                      Simon two-stage designs: optimal, minimax, admissible
  escalate simon … --patients 14 --responses 1        conduct: the decision under the optimal design
  escalate rose --response-rate 0.3 --difference 0.2 [--pcs 0.6,0.6] [--arms 2|3] [--interim 0.5] [--json]
                                                      randomized dose comparison (ROSE): patients per arm and boundary
  escalate rose [<design>] --per-arm 20 --boundary 2 [--interim-per-arm 10 --interim-boundary 0]
                (--rates 0.3,0.5 | --counts 6/20,9/20)   exact selection probabilities, or the decision
  escalate analyze <trial.yaml | folder> [--strict] [--json]   (folder: trial.yaml + SDTM CSVs, or + SDTM Dataset-JSON)
                                                      per patient: doses, worst grades, DLT, best response, t½;
                                                      per dose level: DLTs and responders (folder: trial.yaml + SDTM CSVs);
                                                      per record: lab grades; bad records named, the rest analysed
                                                      (--strict: any problem is an error)
  escalate export <trial> --out <folder>              the trial as trial.json + DM/EX/AE/LB/TR/PC.csv
  escalate export <trial> --standard sdtm|adam [--format dataset-json|csv] --out <folder>
                                                      CDISC datasets (SDTM DM SUPPDM VS EX AE LB TU TR RS PC TS;
                                                      ADaM ADSL ADAE ADLB ADRS ADEX), one file each
  escalate report <example> [--format md|json] [--doses "2.4 mg/kg,3.6 mg/kg"] [--out FILE]
                                                      the trial's findings computed from its patient data
  escalate serve [--port 8080] [--host 127.0.0.1] [--db FILE|postgres://…] [--demo]
                 [--trust-proxy ADDRESSES] [--log-level info] [--anchor-key DIR/private.pem --anchors FILE]
                                                      the trial conduct server (API docs at /api/docs);
                                                      --demo loads the example trial and one user per role
  escalate worker [--db postgres://…]                 runs simulation studies' shards from a shared database
  escalate audit verify [--db FILE|URL] [--anchors FILE --public-key DIR/public.pem] [--json]
                                                      checks the hash chains and the state (exit 3 if tampered)
  escalate audit keygen --out DIR                     an Ed25519 key pair for anchoring the audit trail
  escalate audit anchor [--db …] --key DIR/private.pem --anchors FILE
                                                      appends the signed heads of every chain to FILE
  escalate ci --responders 4 --n 10 [--method exact|wilson|jeffreys] [--level 0.95] [--json]
                                                      response rate with its interval

<design> is a YAML or JSON design file, or a design name (three-plus-three, boin, keyboard, mtpi2, crm, …)
completed by --target, --doses, --cohort-size and --cohorts (these flags also override a file).
Outcomes: cohorts separated by spaces, each a dose number then N (no DLT) or T (DLT) per patient
(E = response without DLT, B = both); [days] after N or E: follow-up so far, still in the DLT window.
Exit codes: 0 success, 2 invalid input, 1 internal error, 3 audit verification failed.
The database is DATABASE_URL when set (postgres://…), else data/escalate.db (SQLite).`;

type Command = (reference: string | undefined, options: Options) => CommandResult | Promise<CommandResult>;

/**
 * Each command is loaded when it is run, so `escalate --version` or `escalate next` never load the
 * server, its database drivers, Vega or worker threads.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import("./commands/demo.js")).demoCommand,
  boundaries: async () => (await import("./commands/decisions.js")).boundariesCommand,
  next: async () => (await import("./commands/decisions.js")).nextCommand,
  mtd: async () => (await import("./commands/decisions.js")).mtdCommand,
  simulate: async () => (await import("./commands/simulate.js")).simulateCommand,
  calibrate: async () => (await import("./commands/calibrate.js")).calibrateCommand,
  paths: async () => (await import("./commands/decisions.js")).pathsCommand,
  describe: async () => (await import("./commands/decisions.js")).describeCommand,
  simon: async () => (await import("./commands/phase2.js")).simonCommand,
  ci: async () => (await import("./commands/phase2.js")).ciCommand,
  rose: async () => (await import("./commands/rose.js")).roseCommand,
  analyze: async () => (await import("./commands/analyze.js")).analyzeCommand,
  export: async () => (await import("./commands/analyze.js")).exportCommand,
  report: async () => (await import("./commands/report.js")).reportCommand,
  serve: async () => (await import("./commands/serve.js")).serveCommand,
  worker: async () => (await import("./commands/serve.js")).workerCommand,
  audit: async () => (await import("./commands/serve.js")).auditCommand,
};

export async function run(argv: string[]): Promise<{ stdout: string; exitCode: number; stderr: string }> {
  try {
    const { positionals, options } = parseCommandLine(argv);
    // The version is the package's own (package.json), never typed twice.
    if (options.version) return { stdout: `${cliVersion()}\n`, stderr: "", exitCode: 0 };
    const [name, reference, ...extra] = positionals;
    if (options.help && name !== undefined && name in COMMANDS) return { stdout: `${commandHelp(name)}\n`, stderr: "", exitCode: 0 };
    if (options.help || name === undefined || name === "help") return { stdout: `${HELP}\n`, stderr: "", exitCode: 0 };
    const load = COMMANDS[name];
    if (!load) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")} (see escalate --help)`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (quote --outcomes values that contain spaces)`);
    const result = await (await load())(reference, options);
    const stdout = "json" in result ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`;
    return { stdout, stderr: "", exitCode: result.exitCode ?? 0 };
  } catch (error) {
    const { message, exitCode } = describeError(error);
    if (exitCode === 1 && process.env.ESCALATE_DEBUG && error instanceof Error) return { stdout: "", stderr: `${error.stack}\n`, exitCode };
    return { stdout: "", stderr: `escalate: ${message}\n`, exitCode };
  }
}

/** `escalate <command> --help`: its usage lines from the main help, and the flags it takes. */
function commandHelp(name: string): string {
  const lines = HELP.split("\n");
  const usage: string[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith(`  escalate ${name}`)) return;
    usage.push(line);
    for (let j = i + 1; j < lines.length && /^ {4,}/.test(lines[j]!); j++) usage.push(lines[j]!);
  });
  const flags = (COMMAND_FLAGS[name] ?? []).map((flag) => `--${flag}`);
  return [...usage, "", `Flags: ${[...flags, "--json", "--help"].join(", ")}`].join("\n");
}
