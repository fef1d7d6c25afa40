import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  adamDatasets,
  analyzeTrialRecords,
  datasetCsvRows,
  datasetJson,
  datasetRecords,
  parseTrialData,
  type Records,
  sdtmDatasets,
  type TrialAnalysis,
  type TrialData,
  trialFromSdtm,
  ValidationError,
} from "@escalate/core";
import { stringify } from "csv-stringify/sync";
import { readDocument } from "../design-file.js";
import { UsageError } from "../errors.js";
import type { Options } from "../options.js";
import { cliVersion } from "../package-root.js";
import { fixed, percent, renderTable } from "../table.js";
import { readTrialFolder, readTrialFolderDocument, writeTrialFolder } from "../trial-csv.js";
import type { CommandResult } from "./shared.js";

/** A trial file (YAML/JSON) or a folder of SDTM CSV files with trial.yaml. */
export function loadTrial(reference: string): TrialData {
  if (!existsSync(reference)) throw new UsageError(`trial data not found: ${reference}`);
  if (statSync(reference).isDirectory()) return readTrialFolder(reference);
  return parseTrialData(readDocument(reference, "trial data file", "trial data (compound, trial, patients, ...)"));
}

/**
 * `escalate export <trial> --out <folder>`: the trial as trial.json plus SDTM-named CSV files; with
 * `--standard sdtm|adam`, CDISC datasets, one file per dataset named in lower case (dm.json, adsl.csv),
 * as Dataset-JSON v1.1 (default) or CSV.
 */
export function exportCommand(reference: string | undefined, options: Options): CommandResult {
  if (reference === undefined) throw new UsageError("missing <trial>: a trial data file or folder");
  if (options.out === undefined) throw new UsageError("--out <folder> is required");
  if (options.standard !== undefined)
    return exportCdisc(loadTrial(reference), options.standard, options.format ?? "dataset-json", options.out, options.json);
  if (options.format !== undefined) throw new UsageError("--format applies with --standard sdtm|adam (dataset-json or csv)");
  const written = writeTrialFolder(loadTrial(reference), options.out);
  return options.json ? { json: { folder: options.out, files: written } } : { text: `Wrote ${written.join(", ")} to ${options.out}` };
}

/**
 * `escalate analyze`: every patient and record that can be read is analysed; one that cannot is left
 * out and named in `problems` (the file, row or record, the field and the rule), and the rest of the
 * trial is analysed, exit 0. `--strict` makes any problem an error (exit 2).
 */
export function analyzeCommand(reference: string | undefined, options: Options): CommandResult {
  if (reference === undefined) throw new UsageError("missing <trial>: a trial data file (YAML or JSON, see docs/formats.md)");
  if (!existsSync(reference)) throw new UsageError(`trial data not found: ${reference}`);
  const { document, ids } = statSync(reference).isDirectory()
    ? existsSync(join(reference, "dm.json"))
      ? readSdtmFolder(reference)
      : readTrialFolderDocument(reference)
    : { document: readDocument(reference, "trial data file", "trial data (compound, trial, patients, ...)"), ids: {} };
  const { analysis } = analyzeTrialRecords(document as Parameters<typeof analyzeTrialRecords>[0], ids);
  if (options.strict && analysis.problems.length > 0)
    throw new ValidationError(
      analysis.problems.map((p) => ({
        path: `${p.USUBJID}: ${p.collection}${p.record === undefined ? "" : `[${p.record}]`}${p.path ? `.${p.path}` : ""}`,
        ...(p.value === undefined ? {} : { value: p.value }),
        message: p.message,
      })),
      "trial data (--strict)",
    );
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
  // Lab records graded grade ≥ 3, and those that could not be graded (a grade 0 and "cannot tell" differ).
  const labRows = analysis.patients.flatMap((p) =>
    p.labGrades
      .filter((g) => g.term !== null && (g.grade === null || g.grade >= 3))
      .map((g) => [
        p.USUBJID,
        g.test,
        g.day,
        g.value ?? "—",
        g.unit,
        g.grade === null ? "—" : `G${g.grade}`,
        g.grade === null ? g.reason : (g.term ?? ""),
      ]),
  );
  const labs =
    labRows.length > 0 ? renderTable(["patient", "test", "day", "value", "unit", "grade", "term / why not graded"], labRows) : "";
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
    ...(labs ? ["", "Lab records of grade 3 or more, and those that could not be graded (all in --json: labGrades):", labs] : []),
    ...(problems.length > 0 ? ["", "Data that could not be analysed (the rest of the trial was):", ...problems] : []),
    "",
    `Design history (complete cohorts): ${analysis.outcomes || "(none yet)"}`,
  ].join("\n");
}

function exportCdisc(data: TrialData, standard: "sdtm" | "adam", format: string, folder: string, json: boolean): CommandResult {
  if (format !== "dataset-json" && format !== "csv")
    throw new ValidationError([{ path: "--format", value: format, message: "must be dataset-json or csv with --standard" }], "option");
  const datasets = standard === "sdtm" ? sdtmDatasets(data) : adamDatasets(data);
  mkdirSync(folder, { recursive: true });
  const meta = {
    studyOID: data.trial.id,
    creationDateTime: new Date().toISOString().slice(0, 19),
    asOfDateTime: `${data.trial.dataCutDate}T00:00:00`,
    sourceSystem: { name: "Escalate", version: cliVersion() },
  };
  const files = datasets.map((dataset) => {
    const file = `${dataset.name.toLowerCase()}.${format === "csv" ? "csv" : "json"}`;
    const content =
      format === "csv" ? stringify(datasetCsvRows(dataset), { escape_formulas: true }) : `${JSON.stringify(datasetJson(dataset, meta))}\n`;
    writeFileSync(join(folder, file), content);
    return file;
  });
  if (standard === "sdtm") {
    // The study description SDTM does not carry (dose levels, DLT rules, design): analyze reads it back from here.
    writeFileSync(join(folder, "trial.json"), `${JSON.stringify({ compound: data.compound, trial: data.trial }, null, 2)}\n`);
    files.push("trial.json");
  }
  const result = { folder, standard, format, files, records: Object.fromEntries(datasets.map((d) => [d.name, d.rows.length])) };
  return json ? { json: result } : { text: `Wrote ${standard === "sdtm" ? "SDTM" : "ADaM"} ${files.join(", ")} (${format}) to ${folder}` };
}

/**
 * An SDTM Dataset-JSON folder (dm.json, ex.json, …) with the study description beside it (trial.yaml or
 * trial.json: compound and trial — dose levels, DLT rules, design — which SDTM does not carry).
 */
function readSdtmFolder(folder: string): { document: Record<string, unknown>; ids: Record<string, string[]> } {
  const studyFile = ["trial.yaml", "trial.yml", "trial.json"].map((name) => join(folder, name)).find((path) => existsSync(path));
  if (!studyFile) throw new UsageError(`${folder} has SDTM datasets but no trial.yaml or trial.json (compound and trial) beside them`);
  const study = readDocument(studyFile, "trial file", "compound and trial");
  const datasets: Record<string, Records> = {};
  for (const file of readdirSync(folder).filter((name) => /^[a-z]+\.json$/.test(name) && name !== "trial.json")) {
    datasets[file.replace(/\.json$/, "").toUpperCase()] = datasetRecords(
      readDocument(join(folder, file), "Dataset-JSON file", "an SDTM dataset"),
      file,
    );
  }
  const document = trialFromSdtm({ compound: study.compound, trial: study.trial }, datasets);
  const named = (domain: string, collection: string) =>
    [collection, (datasets[domain] ?? []).map((_, i) => `${domain.toLowerCase()}.json row ${i + 1}`)] as const;
  const ids = Object.fromEntries([
    named("DM", "patients"),
    named("EX", "administrations"),
    named("AE", "adverseEvents"),
    named("LB", "labs"),
    named("TR", "tumours"),
    named("PC", "pk"),
  ]);
  return { document, ids };
}
