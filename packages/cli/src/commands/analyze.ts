import { existsSync, statSync } from "node:fs";
import { analyzeTrial, parseTrialData, type TrialAnalysis, type TrialData } from "@escalate/core";
import { readDocument } from "../design-file.js";
import { UsageError } from "../errors.js";
import type { Options } from "../options.js";
import { fixed, percent, renderTable } from "../table.js";
import { readTrialFolder, writeTrialFolder } from "../trial-csv.js";
import type { CommandResult } from "./shared.js";

/** A trial file (YAML/JSON) or a folder of SDTM CSV files with trial.yaml. */
export function loadTrial(reference: string): TrialData {
  if (!existsSync(reference)) throw new UsageError(`trial data not found: ${reference}`);
  if (statSync(reference).isDirectory()) return readTrialFolder(reference);
  return parseTrialData(readDocument(reference, "trial data file", "trial data (compound, trial, patients, ...)"));
}

/** `escalate export <trial> --out <folder>`: the trial as trial.json plus SDTM-named CSV files. */
export function exportCommand(reference: string | undefined, options: Options): CommandResult {
  if (reference === undefined) throw new UsageError("missing <trial>: a trial data file or folder");
  if (options.out === undefined) throw new UsageError("--out <folder> is required");
  const written = writeTrialFolder(loadTrial(reference), options.out);
  return options.json ? { json: { folder: options.out, files: written } } : { text: `Wrote ${written.join(", ")} to ${options.out}` };
}

export function analyzeCommand(reference: string | undefined, options: Options): CommandResult {
  if (reference === undefined) throw new UsageError("missing <trial>: a trial data file (YAML or JSON, see docs/formats.md)");
  const analysis = analyzeTrial(loadTrial(reference));
  if (options.json) return { json: analysis };
  return { text: formatAnalysis(analysis) };
}

function formatAnalysis(analysis: TrialAnalysis): string {
  const patients = renderTable(
    ["patient", "dose level", "cohort", "doses", "total mg", "RDI", "worst grades", "DLT", "best response", "t½ (h)"],
    analysis.patients.map((p) => [
      p.USUBJID,
      p.doseLevel,
      p.cohort,
      p.dosesReceived,
      fixed(p.totalMg, 1),
      p.dosing ? percent(p.dosing.relativeDoseIntensity, 0) : "—",
      p.worstGrades.length === 0
        ? "—"
        : p.worstGrades
            .slice(0, 3)
            .map((g) => `${g.term} G${g.grade}`)
            .join("; "),
      p.dlt.status,
      p.bestResponse?.response ?? "—",
      p.halfLife === null ? "—" : fixed(p.halfLife, 0),
    ]),
  );
  const levels = renderTable(
    ["dose level", "dose", "patients", "DLT-evaluable", "DLTs", "pending", "responders", "response rate (95% CI)"],
    analysis.doseLevels.map((l) => [
      l.level,
      `${l.amount} ${l.unit}`,
      l.patients,
      l.dltEvaluable,
      l.dlts,
      l.pending,
      l.responders,
      l.responseRate
        ? `${percent(l.responseRate.estimate, 0)} (${percent(l.responseRate.lower, 0)}–${percent(l.responseRate.upper, 0)}) of ${l.responseRate.assessed}`
        : "—",
    ]),
  );
  const dlts = analysis.patients.filter((p) => p.dlt.status === "DLT").map((p) => `  • ${p.USUBJID}: ${p.dlt.reason}`);
  // What could not be analysed, patient by patient: the rest of the tables stand without it.
  const problems = analysis.problems.map(
    (p) =>
      `  • ${p.USUBJID}: ${p.collection}${p.record === undefined ? "" : `[${p.record}]`}${p.path ? `.${p.path}` : ""}${
        p.value === undefined ? "" : ` ${JSON.stringify(p.value)}`
      } ${p.message}`,
  );
  return [
    `Trial ${analysis.trial}, data cut ${analysis.dataCutDate}`,
    "",
    patients,
    "",
    levels,
    ...(dlts.length > 0 ? ["", "Dose-limiting toxicities:", ...dlts] : []),
    ...(problems.length > 0 ? ["", "Data that could not be analysed (the rest of the trial was):", ...problems] : []),
    "",
    `Design history (complete cohorts): ${analysis.outcomes || "(none yet)"}`,
  ].join("\n");
}
