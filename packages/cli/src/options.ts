import { parseArgs } from "node:util";
import { parseWith, ValidationError } from "@escalate/core/validation";
import { z } from "zod";
import { UsageError } from "./errors.js";

const OPTIONS = {
  json: { type: "boolean" },
  outcomes: { type: "string" },
  truth: { type: "string" },
  trials: { type: "string" },
  seed: { type: "string" },
  threads: { type: "string" },
  exact: { type: "boolean" },
  accrual: { type: "string" },
  efficacy: { type: "string" },
  arrivals: { type: "string" },
  "response-days": { type: "string" },
  window: { type: "string" },
  "when-full": { type: "string" },
  "dlt-time": { type: "string" },
  cohorts: { type: "string" },
  target: { type: "string" },
  doses: { type: "string" },
  "cohort-size": { type: "string" },
  p0: { type: "string" },
  p1: { type: "string" },
  alpha: { type: "string" },
  beta: { type: "string" },
  "max-n": { type: "string" },
  responders: { type: "string" },
  n: { type: "string" },
  patients: { type: "string" },
  responses: { type: "string" },
  method: { type: "string" },
  level: { type: "string" },
  "response-rate": { type: "string" },
  difference: { type: "string" },
  pcs: { type: "string" },
  arms: { type: "string" },
  interim: { type: "string" },
  "per-arm": { type: "string" },
  boundary: { type: "string" },
  "interim-per-arm": { type: "string" },
  "interim-boundary": { type: "string" },
  rates: { type: "string" },
  counts: { type: "string" },
  "odds-ratio": { type: "string" },
  "prior-variances": { type: "string" },
  out: { type: "string" },
  format: { type: "string" },
  standard: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  db: { type: "string" },
  demo: { type: "boolean" },
  strict: { type: "boolean" },
  "trust-proxy": { type: "string" },
  "log-level": { type: "string" },
  key: { type: "string" },
  anchors: { type: "string" },
  "public-key": { type: "string" },
  "anchor-key": { type: "string" },
  "anchor-minutes": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** A flag's text as a number: "abc" is named as what it is ("must be a number"), not coerced to NaN. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const number = () => z.string().trim().regex(NUMBER, "must be a number").transform(Number).pipe(z.number());
const integer = (min: number, max: number) =>
  z.string().trim().regex(NUMBER, "must be a number").transform(Number).pipe(z.number().int().min(min).max(max));

/** Comma-separated numbers; an empty or non-numeric part is NaN, which the core names. */
const numberList = () => z.string().transform((text) => text.split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part))));

/** Every flag's schema: the CLI validates with the same library and messages as the core. */
const optionsSchema = z.object({
  json: z.boolean().default(false),
  outcomes: z.string().optional(),
  truth: z
    .string()
    .transform((text) => text.split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part))))
    .pipe(z.array(z.number().min(0).max(1)).min(1))
    .optional(),
  trials: integer(1, 100_000_000).optional(),
  seed: integer(0, Number.MAX_SAFE_INTEGER).optional(),
  threads: integer(1, 256).optional(),
  exact: z.boolean().default(false),
  /** Response probability per dose (calendar time; backfill). Ranges are checked by the core. */
  efficacy: z
    .string()
    .transform((text) => text.split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part))))
    .optional(),
  /** Calendar time: patients per month; the other calendar flags refine it (ranges checked by the core). */
  accrual: number().optional(),
  arrivals: z.enum(["poisson", "uniform", "fixed"]).optional(),
  "response-days": number().optional(),
  window: number().optional(),
  "when-full": z.enum(["wait", "turn-away"]).optional(),
  "dlt-time": z
    .string()
    .regex(/^(uniform|weibull:\d+(\.\d+)?)$/, 'must be "uniform" or "weibull:SHAPE" (e.g. weibull:2 for late DLTs)')
    .optional(),
  cohorts: integer(1, 1000).optional(),
  target: number().pipe(z.number().gt(0).lt(1)).optional(),
  /** A dose count for designs (`--doses 5`), or dose labels for reports (`--doses "2.4 mg/kg,3.6 mg/kg"`). */
  doses: z.string().min(1).optional(),
  "cohort-size": integer(1, 30).optional(),
  // Phase II: ranges are checked by the core, which names the field and the allowed values.
  p0: number().optional(),
  p1: number().optional(),
  alpha: number().optional(),
  beta: number().optional(),
  "max-n": number().optional(),
  responders: number().optional(),
  n: number().optional(),
  patients: number().optional(),
  responses: number().optional(),
  method: z.enum(["exact", "wilson", "jeffreys"]).default("exact"),
  // ROSE: ranges are checked by the core.
  "response-rate": number().optional(),
  difference: number().optional(),
  /** One probability for both scenarios, or "equal,better". */
  pcs: numberList().pipe(z.array(z.number()).min(1).max(2)).optional(),
  arms: number().optional(),
  interim: number().optional(),
  "per-arm": number().optional(),
  boundary: number().optional(),
  "interim-per-arm": number().optional(),
  "interim-boundary": number().optional(),
  rates: numberList().optional(),
  /** escalate calibrate: the odds ratio between neighbouring doses in the calibration scenarios (range checked by the core). */
  "odds-ratio": number().optional(),
  /** escalate calibrate: prior variances to try with each half-width. */
  "prior-variances": numberList()
    .pipe(z.array(z.number().gt(0).max(100)).min(1))
    .optional(),
  /** Responses/patients per arm, lowest dose first: "6/20,9/20". */
  counts: z
    .string()
    .transform((text) => text.split(",").map((part) => part.trim()))
    .pipe(
      z
        .array(z.string().regex(/^\d+\/\d+$/, 'must be responses/patients per arm, e.g. "6/20,9/20"'))
        .min(2)
        .max(3),
    )
    .transform((parts) => parts.map((part) => part.split("/").map(Number) as [number, number]))
    .optional(),
  level: number().default(0.95),
  out: z.string().min(1).optional(),
  /** report: md, html or json; export --standard: dataset-json or csv. Each command checks its own. */
  format: z.enum(["md", "html", "json", "dataset-json", "csv"]).optional(),
  /** escalate export: the CDISC standard of the datasets written. */
  standard: z.enum(["sdtm", "adam"]).optional(),
  port: integer(0, 65535).optional(),
  host: z.string().min(1).optional(),
  /** An SQLite file path or a postgres:// URL. */
  db: z.string().min(1).optional(),
  demo: z.boolean().default(false),
  /** escalate analyze: any data problem is an error (exit 2) instead of being reported beside the analysis. */
  strict: z.boolean().default(false),
  /** Proxies whose X-Forwarded-For the server believes: addresses or CIDR ranges, comma-separated. */
  "trust-proxy": z
    .string()
    .transform((text) => text.split(",").map((part) => part.trim()))
    .pipe(z.array(z.string().regex(/^[0-9a-fA-F.:]+(\/\d{1,3})?$/, "must be IP addresses or CIDR ranges, comma-separated")).min(1))
    .optional(),
  "log-level": z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  /** The anchor signing key (escalate audit anchor). */
  key: z.string().min(1).optional(),
  /** The anchors file (escalate audit anchor / verify, escalate serve). */
  anchors: z.string().min(1).optional(),
  "public-key": z.string().min(1).optional(),
  "anchor-key": z.string().min(1).optional(),
  "anchor-minutes": integer(1, 7 * 24 * 60).default(60),
  help: z.boolean().default(false),
  version: z.boolean().default(false),
});

export type Options = z.infer<typeof optionsSchema>;
type Flag = keyof typeof OPTIONS;

/** Flags every command takes. */
const EVERYWHERE: readonly Flag[] = ["json", "help", "version"];
/** A design named on the command line is completed (or a design file overridden) by these. */
const DESIGN: readonly Flag[] = ["target", "doses", "cohort-size", "cohorts"];

/**
 * The flags each command takes: one declaration, from which a flag given to a command it does not
 * apply to is an error naming it, and `escalate <command> --help` lists them.
 */
export const COMMAND_FLAGS: Record<string, readonly Flag[]> = {
  demo: [],
  boundaries: DESIGN,
  next: [...DESIGN, "outcomes"],
  mtd: [...DESIGN, "outcomes"],
  paths: [...DESIGN, "outcomes"],
  describe: DESIGN,
  simulate: [
    ...DESIGN,
    "truth",
    "trials",
    "seed",
    "threads",
    "exact",
    "accrual",
    "efficacy",
    "arrivals",
    "window",
    "when-full",
    "dlt-time",
  ],
  simon: ["p0", "p1", "alpha", "beta", "max-n", "patients", "responses"],
  ci: ["responders", "n", "method", "level"],
  rose: [
    "response-rate",
    "difference",
    "pcs",
    "arms",
    "interim",
    "max-n",
    "per-arm",
    "boundary",
    "interim-per-arm",
    "interim-boundary",
    "rates",
    "counts",
  ],
  calibrate: [...DESIGN, "odds-ratio", "prior-variances"],
  analyze: ["strict"],
  export: ["out", "standard", "format"],
  report: ["format", "out", "doses"],
  serve: ["port", "host", "db", "demo", "threads", "trust-proxy", "log-level", "anchor-key", "anchors", "anchor-minutes"],
  worker: ["db", "threads"],
  audit: ["db", "out", "key", "anchors", "public-key"],
};

/** Refuses a flag the command does not take, naming it and the ones it does. */
export function checkFlags(command: string, given: readonly string[]): void {
  const allowed = new Set<string>([...EVERYWHERE, ...(COMMAND_FLAGS[command] ?? [])]);
  const stray = given.filter((flag) => !allowed.has(flag));
  if (stray.length === 0) return;
  const takes = (COMMAND_FLAGS[command] ?? []).map((flag) => `--${flag}`).join(", ") || "no flags but --json";
  throw new UsageError(
    `${stray.map((flag) => `--${flag}`).join(", ")} ${stray.length > 1 ? "do" : "does"} not apply to escalate ${command} (it takes ${takes})`,
  );
}

export function parseCommandLine(argv: string[]): { positionals: string[]; options: Options } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const command = parsed.positionals[0];
  if (command !== undefined && command in COMMAND_FLAGS) checkFlags(command, Object.keys(parsed.values));
  try {
    return { positionals: parsed.positionals, options: parseWith(optionsSchema, parsed.values, "option") };
  } catch (error) {
    if (error instanceof ValidationError) {
      // Name flags as the user typed them: "--trials", "--truth (value 2)".
      throw new ValidationError(
        error.issues.map((issue) => {
          const [flag, ...rest] = issue.path.split(".");
          const where = rest.length > 0 ? ` (value ${Number(rest[0]) + 1})` : "";
          return { ...issue, path: `--${flag}${where}` };
        }),
        "option",
      );
    }
    throw error;
  }
}
