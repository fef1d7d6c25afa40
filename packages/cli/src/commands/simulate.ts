import { type CalendarOptionsInput, exactOperatingCharacteristics, type OperatingCharacteristics } from "@escalate/core";
import { loadDesign } from "../design-file.js";
import { UsageError } from "../errors.js";
import { importExternal } from "../external-modules.js";
import type { Options } from "../options.js";
import { createProgress } from "../progress.js";
import { fixed, percent, renderTable } from "../table.js";
import { type CommandResult, designOverrides } from "./shared.js";

export async function simulateCommand(reference: string | undefined, options: Options): Promise<CommandResult> {
  const design = loadDesign(reference, designOverrides(options));
  if (!options.truth) throw new UsageError("missing --truth: the true DLT probability of each dose, e.g. --truth 0.05,0.15,0.3,0.45,0.6");
  if (options.exact && (options.trials !== undefined || options.seed !== undefined || options.threads !== undefined)) {
    throw new UsageError("--exact enumerates every trial path; it takes no --trials, --seed or --threads");
  }
  const calendar = calendarOf(options);
  if (options.exact && calendar)
    throw new UsageError("--exact enumerates outcomes, not time: calendar flags (--accrual, …) need Monte Carlo (--trials, --seed)");
  let result: OperatingCharacteristics;
  if (options.exact) {
    result = exactOperatingCharacteristics(design, { truth: options.truth });
  } else {
    if (options.trials === undefined || options.seed === undefined) {
      throw new UsageError("give --trials N and --seed S for Monte Carlo simulation, or --exact for exact operating characteristics");
    }
    const { simulateInParallel } = await importExternal("@escalate/server/simulation"); // worker threads, loaded only here
    const progress = createProgress("Simulating", options.trials);
    result = await simulateInParallel({
      spec: design.spec,
      truth: options.truth,
      trials: options.trials,
      seed: options.seed,
      ...(calendar ? { calendar } : {}),
      ...(options.efficacy ? { efficacy: options.efficacy } : {}),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      onProgress: (done, blocks) => progress(Math.round((done / blocks) * (options.trials ?? 0))),
    });
  }
  if (options.json) return { json: result };
  return {
    text: formatOperatingCharacteristics(
      result,
      options.truth,
      design.doseLabels,
      design.module.capabilities.efficacyAware ? "OBD" : "MTD",
    ),
  };
}

/** The calendar-time options from --accrual and the flags that refine it (the core checks their ranges). */
function calendarOf(options: Options): CalendarOptionsInput | undefined {
  const refinements = (["arrivals", "window", "when-full", "dlt-time", "response-days"] as const).filter(
    (flag) => options[flag] !== undefined,
  );
  if (options.accrual === undefined) {
    if (refinements.length > 0)
      throw new UsageError(`--${refinements[0]} describes calendar time: give --accrual (patients per month) with it`);
    return undefined;
  }
  const dltTime = options["dlt-time"];
  return {
    accrual: options.accrual,
    ...(options.arrivals ? { arrivals: options.arrivals } : {}),
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options["response-days"] === undefined ? {} : { responseDays: options["response-days"] }),
    ...(options["when-full"] ? { whenFull: options["when-full"] } : {}),
    ...(dltTime === undefined
      ? {}
      : { dltTime: dltTime === "uniform" ? "uniform" : { weibullShape: Number(dltTime.slice("weibull:".length)) } }),
  };
}

export function formatOperatingCharacteristics(
  result: OperatingCharacteristics,
  truth: readonly number[],
  labels: readonly string[],
  /** What a selection is: the MTD, or the optimal biological dose for efficacy-aware designs. */
  selected: "MTD" | "OBD" = "MTD",
): string {
  const se = result.standardErrors;
  const withSe = (value: string, error: number | undefined, format: (x: number) => string) =>
    se && error !== undefined ? `${value} ± ${format(error)}` : value;
  const backfilled = result.backfilled?.some((n) => n > 0) ? result.backfilled : undefined;
  const programme = result.programme;
  const rows = truth.map((p, d) => [
    `${d + 1}`,
    labels[d] ?? "",
    fixed(p, 3),
    withSe(percent(result.selection[d]!), se?.selection[d], (x) => percent(x)),
    ...(programme ? [withSe(percent(programme.selection[d]!), programme.standardErrors?.selection[d], (x) => percent(x))] : []),
    withSe(fixed(result.patients[d]!), se?.patients[d], (x) => fixed(x)),
    ...(backfilled ? [withSe(fixed(backfilled[d]!), se?.backfilled?.[d], (x) => fixed(x))] : []),
    withSe(fixed(result.dlts[d]!), se?.dlts[d], (x) => fixed(x)),
  ]);
  const header = result.exact
    ? `Exact operating characteristics (all ${result.paths === undefined ? "" : `${result.paths.toLocaleString("en")} `}trial paths enumerated)`
    : `Monte Carlo operating characteristics, ${result.trials} trials (± one standard error)`;
  return [
    header,
    "",
    renderTable(
      [
        "dose",
        "label",
        "true P(DLT)",
        programme ? `dose finding's ${selected}` : `selected as ${selected}`,
        ...(programme ? ["finally selected"] : []),
        "patients",
        ...(backfilled ? ["of them backfill"] : []),
        "DLTs",
      ],
      rows,
    ),
    "",
    `No ${selected} selected:        ${withSe(percent(result.noMtd), se?.noMtd, (x) => percent(x))}`,
    ...(programme
      ? [
          `Randomized stage run:   ${percent(programme.randomized)} of trials (two admissible doses or more to compare); none finally selected: ${withSe(percent(programme.none), programme.standardErrors?.none, (x) => percent(x))}`,
          `Randomized patients:    ${withSe(fixed(programme.randomizedPatients), programme.standardErrors?.randomizedPatients, (x) => fixed(x))} on average (included below)${programme.earlySelection > 0 ? `; lower dose selected at the interim in ${percent(programme.earlySelection)} of trials` : ""}`,
        ]
      : []),
    `Mean sample size:       ${withSe(fixed(result.sampleSize), se?.sampleSize, (x) => fixed(x))}${programme ? " (the whole programme)" : ""}`,
    `Patients overdosed:     ${withSe(percent(result.overdosed), se?.overdosed, (x) => percent(x))} (treated at doses with true P(DLT) above the target)`,
    ...(result.durationMonths === undefined
      ? []
      : [
          `Trial duration:         ${withSe(fixed(result.durationMonths, 1), se?.durationMonths, (x) => fixed(x, 2))} months (median ${fixed(result.durationQuantilesMonths!.median, 1)}, 10–90%: ${fixed(result.durationQuantilesMonths!.p10, 1)}–${fixed(result.durationQuantilesMonths!.p90, 1)})`,
          `Treated while pending:  ${withSe(fixed(result.treatedWhilePending!), se?.treatedWhilePending, (x) => fixed(x))} patients (dosed on decisions taken before earlier patients' outcomes were known)`,
          ...(result.turnedAway
            ? [`Turned away:            ${withSe(fixed(result.turnedAway), se?.turnedAway, (x) => fixed(x))} arrivals (no place open)`]
            : []),
        ]),
  ].join("\n");
}
