import { analyzeCommand, exportCommand } from "./commands/analyze.js";
import { boundariesCommand, describeCommand, mtdCommand, nextCommand, pathsCommand } from "./commands/decisions.js";
import { demoCommand } from "./commands/demo.js";
import { ciCommand, simonCommand } from "./commands/phase2.js";
import { reportCommand } from "./commands/report.js";
import { auditCommand, serveCommand, workerCommand } from "./commands/serve.js";
import type { CommandResult } from "./commands/shared.js";
import { simulateCommand } from "./commands/simulate.js";
import { describeError, UsageError } from "./errors.js";
import { type Options, parseCommandLine } from "./options.js";

const HELP = `escalate — dose-finding designs for early-phase oncology trials

Usage:
  escalate demo                                       a BOIN design, its decision table and operating characteristics
  escalate boundaries <design> [--json]               decision table (escalate / de-escalate / eliminate per n)
  escalate next <design> --outcomes "1NNN 2NTN" [--json]   next-dose decision with reasons
  escalate mtd <design> --outcomes "…" [--json]       MTD selection from the data so far
  escalate simulate <design> --truth 0.05,0.15,0.3,0.45,0.6
                   (--trials N --seed S [--threads T] | --exact) [--json]
  escalate paths <design> --outcomes "…" --cohorts k [--json]   dose-transition pathways
  escalate describe <design>                          protocol-ready markdown
  escalate simon --p0 0.05 --p1 0.2 --alpha 0.1 --beta 0.1 [--max-n 150] [--json]
                                                      Simon two-stage designs: optimal, minimax, admissible
  escalate simon … --patients 14 --responses 1        conduct: the decision under the optimal design
  escalate analyze <trial.yaml | folder> [--json]     per patient: doses, worst grades, DLT, best response, t½;
                                                      per dose level: DLTs and responders (folder: trial.yaml + SDTM CSVs)
  escalate export <trial> --out <folder>              the trial as trial.json + DM/EX/AE/LB/TR/PC.csv
  escalate report <example> [--format md|json] [--doses "2.4 mg/kg,3.6 mg/kg"] [--out FILE]
                                                      the trial's findings computed from its patient data
  escalate serve [--port 8080] [--host 127.0.0.1] [--db FILE|postgres://…] [--demo]
                 [--trust-proxy ADDRESSES] [--log-level info] [--anchor-key DIR/private.pem --anchors FILE]
                                                      the trial conduct server (API docs at /api/docs);
                                                      --demo loads the example trial and one user per role
  escalate worker [--db postgres://…]                 runs queued simulation jobs from a shared database
  escalate audit verify [--db FILE|URL] [--anchors FILE --public-key DIR/public.pem] [--json]
                                                      checks the hash chains and the state (exit 3 if tampered)
  escalate audit keygen --out DIR                     an Ed25519 key pair for anchoring the audit trail
  escalate audit anchor [--db …] --key DIR/private.pem --anchors FILE
                                                      appends the signed heads of every chain to FILE
  escalate ci --responders 4 --n 10 [--method exact|wilson|jeffreys] [--level 0.95] [--json]
                                                      response rate with its interval

<design> is a YAML or JSON design file, or a design name (three-plus-three, boin, keyboard, mtpi2, crm, …)
completed by --target, --doses, --cohort-size and --cohorts (these flags also override a file).
Outcomes: cohorts separated by spaces, each a dose number then N (no DLT) or T (DLT) per patient.
Exit codes: 0 success, 2 invalid input, 1 internal error, 3 audit verification failed.
The database is DATABASE_URL when set (postgres://…), else data/escalate.db (SQLite).`;

const VERSION = "0.1.0";

type Command = (reference: string | undefined, options: Options) => CommandResult | Promise<CommandResult>;

const COMMANDS: Record<string, Command> = {
  demo: () => demoCommand(),
  boundaries: boundariesCommand,
  next: nextCommand,
  mtd: mtdCommand,
  simulate: simulateCommand,
  paths: pathsCommand,
  describe: describeCommand,
  simon: simonCommand,
  ci: ciCommand,
  analyze: analyzeCommand,
  export: exportCommand,
  report: reportCommand,
  serve: serveCommand,
  worker: workerCommand,
  audit: auditCommand,
};

export async function run(argv: string[]): Promise<{ stdout: string; exitCode: number; stderr: string }> {
  try {
    const { positionals, options } = parseCommandLine(argv);
    if (options.version) return { stdout: `${VERSION}\n`, stderr: "", exitCode: 0 };
    const [name, reference, ...extra] = positionals;
    if (options.help || name === undefined || name === "help") return { stdout: `${HELP}\n`, stderr: "", exitCode: 0 };
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")} (see escalate --help)`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (quote --outcomes values that contain spaces)`);
    const result = await command(reference, options);
    const stdout = "json" in result ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`;
    return { stdout, stderr: "", exitCode: result.exitCode ?? 0 };
  } catch (error) {
    const { message, exitCode } = describeError(error);
    if (exitCode === 1 && process.env.ESCALATE_DEBUG && error instanceof Error) return { stdout: "", stderr: `${error.stack}\n`, exitCode };
    return { stdout: "", stderr: `escalate: ${message}\n`, exitCode };
  }
}
