import { existsSync, statSync, writeFileSync } from "node:fs";
import { summariseSchedule, type TrialAnalysis, type TrialData, type TrialReport, trialReport } from "@escalate/core";
import { readDocument } from "../design-file.js";
import { UsageError } from "../errors.js";
import type { Options } from "../options.js";
import { readTrialFolder } from "../trial-csv.js";
import type { CommandResult } from "./shared.js";

/** An example folder (trial.yaml, optionally with SDTM CSVs) or a trial file. */
function readTrialInput(reference: string): unknown {
  if (!existsSync(reference)) throw new UsageError(`trial not found: ${reference}`);
  if (statSync(reference).isDirectory()) return readTrialFolder(reference);
  return readDocument(reference, "trial data file", "trial data (compound, trial, patients, ...)");
}

/** `escalate report <example> [--format md|json] [--doses "a,b"] [--out FILE]`. */
export function reportCommand(reference: string | undefined, options: Options): CommandResult {
  if (reference === undefined) throw new UsageError("missing <example>: a trial folder or file (see examples/)");
  const format = options.format ?? (options.json ? "json" : "md");
  if (format === "html") throw new UsageError("--format html is not available yet (md and json are)");
  const doses =
    options.doses === undefined
      ? undefined
      : options.doses
          .split(",")
          .map((label) => label.trim())
          .filter(Boolean);
  const { report, analysis, data } = trialReport(readTrialInput(reference), doses ? { doses } : {});
  const output = format === "json" ? `${JSON.stringify(report, null, 2)}\n` : markdown(report, analysis, data, doses);
  if (options.out) {
    writeFileSync(options.out, output);
    return { text: `Wrote the ${format} report to ${options.out}` };
  }
  return format === "json" ? { json: report } : { text: output.trimEnd() };
}

function pct(value: number | null): string {
  return value === null ? "—" : `${(100 * value).toFixed(1)}%`;
}

function markdown(report: TrialReport, analysis: TrialAnalysis, data: TrialData, doses: string[] | undefined): string {
  const { compound, trial } = data;
  const lines = [
    `# ${trial.title ?? trial.id}`,
    "",
    `${compound.name}: ${[compound.antibody, compound.target && `target ${compound.target}`, compound.linker, compound.payload].filter(Boolean).join("; ")}.`,
    `Indication: ${trial.indication ?? "—"}. Data cut ${analysis.dataCutDate}. Enrolled: ${report.enrolled}.`,
    "",
    "## Dose escalation",
    "",
    "| Dose level | Patients | DLTs |",
    "|---|---:|---:|",
    ...report.doseLevels.map((l) => `| ${l.label} | ${l.patients} | ${l.dlts} |`),
    "",
    report.mtdEstablished ? `MTD (declared by the design from the DLT history): **${report.mtd}**.` : "MTD: not established.",
    "",
    "## Treatment",
    "",
    "| Patient | Dose level | Treatment | Best response |",
    "|---|---|---|---|",
    ...analysis.patients.map((p) => {
      const level = data.trial.doseLevels.find((l) => l.level === p.doseLevel)!;
      const label = level.label ?? `${level.amount} ${level.unit}`;
      return `| ${p.USUBJID} | ${label} | ${treatment(p, data)} | ${p.bestResponse?.response ?? "—"} |`;
    }),
    "",
    "## Toxicities by worst grade",
    "",
    "| Term | Grade 1 | Grade 2 | Grade 3 | Grade 4 | Grade 5 |",
    "|---|---:|---:|---:|---:|---:|",
    ...toxicityRows(analysis),
    "",
    `## Responses${doses ? ` (${doses.join(", ")})` : ""}`,
    "",
    `Best overall response: ${Object.entries(report.bestResponse)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    `Objective response rate: ${report.orr.responders} of ${report.orr.evaluable} evaluable, ${pct(report.orr.estimate)} (exact 95% CI ${pct(report.orr.lower)}–${pct(report.orr.upper)}).`,
    "",
    "## Pharmacokinetics",
    "",
    report.halfLifeDays === null
      ? "No terminal half-life could be estimated."
      : `Median terminal half-life: ${report.halfLifeDays.toFixed(1)} days.`,
    "",
  ];
  return lines.join("\n");
}

/** "12 cycles = 24 doses over 36 weeks" when the schedule was followed, else the counts. */
function treatment(patient: TrialAnalysis["patients"][number], data: TrialData): string {
  if (!patient.dosing) return "—";
  const planned = summariseSchedule(data.trial.schedule, patient.dosing.cycles);
  return planned.administrations === patient.dosesReceived
    ? planned.description
    : `${patient.dosesReceived} doses in ${patient.dosing.cycles} cycle${patient.dosing.cycles === 1 ? "" : "s"}`;
}

/** Patients by worst grade per term. */
function toxicityRows(analysis: TrialAnalysis): string[] {
  const counts = new Map<string, number[]>();
  for (const patient of analysis.patients) {
    for (const { term, grade } of patient.worstGrades) {
      const row = counts.get(term) ?? [0, 0, 0, 0, 0];
      row[grade - 1]!++;
      counts.set(term, row);
    }
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([term, row]) => `| ${term} | ${row.join(" | ")} |`);
}
