import { existsSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  doseOptimizationTables,
  exposureTables,
  parsePortfolio,
  parseSimonStudy,
  type ReportTable,
  type SimonStudy,
  simonDesigns,
  standardTables,
  summariseSchedule,
  type TrialAnalysis,
  type TrialData,
  type TrialReport,
  type TwoStageDesign,
  trialReport,
  ValidationError,
} from "@escalate/core";
import { readDocument } from "../design-file.js";
import { UsageError } from "../errors.js";
import { htmlPage, htmlReport } from "../html-report.js";
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
export async function reportCommand(reference: string | undefined, options: Options): Promise<CommandResult> {
  if (reference === undefined) throw new UsageError("missing <example>: a trial folder or file (see examples/)");
  const format = options.format ?? (options.json ? "json" : "md");
  if (format !== "md" && format !== "html" && format !== "json")
    throw new ValidationError([{ path: "--format", value: format, message: "must be md, html or json for escalate report" }], "option");
  const emit = (json: unknown, text: string): CommandResult => {
    const output = format === "json" ? `${JSON.stringify(json, null, 2)}\n` : `${text.trimEnd()}\n`;
    if (format === "html" && !options.out) return { text: output.trimEnd() };
    if (options.out) {
      writeFileSync(options.out, output);
      return { text: `Wrote the ${format} report to ${options.out}` };
    }
    return format === "json" ? { json } : { text: output.trimEnd() };
  };
  if (isFolderWith(reference, "portfolio.yaml")) {
    const overview = portfolioOverview(reference);
    return emit(overview, format === "html" ? portfolioHtml(overview) : portfolioMarkdown(overview));
  }
  if (isFolderWith(reference, "simon.yaml")) {
    const study = parseSimonStudy(
      readDocument(join(reference, "simon.yaml"), "phase II design", "Simon design settings (p0, p1, alpha, beta)"),
    );
    const designs = simonDesigns({
      p0: study.p0,
      p1: study.p1,
      alpha: study.alpha,
      beta: study.beta,
      ...(study.maxN ? { maxN: study.maxN } : {}),
    });
    const json = {
      trial: study.trial,
      design: "simon",
      p0: study.p0,
      p1: study.p1,
      alpha: study.alpha,
      beta: study.beta,
      optimal: designs.optimal,
      minimax: designs.minimax,
    };
    return emit(json, format === "html" ? simonHtml(study, designs) : simonMarkdown(study, designs));
  }
  const doses =
    options.doses === undefined
      ? undefined
      : options.doses
          .split(",")
          .map((label) => label.trim())
          .filter(Boolean);
  const { report, analysis, data } = trialReport(readTrialInput(reference), doses ? { doses } : {});
  if (format === "html") return emit(report, await htmlReport(report, analysis, data));
  return emit(report, format === "json" ? "" : markdown(report, analysis, data, doses));
}

function isFolderWith(path: string, file: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, file));
}

interface TrialStatus {
  phase: string;
  indication: string;
  example: string | null;
  status: string;
}

/** The pipeline with each trial's status computed from its example folder. */
function portfolioOverview(folder: string) {
  const portfolio = parsePortfolio(readDocument(join(folder, "portfolio.yaml"), "portfolio", "compounds"));
  return {
    compounds: portfolio.compounds.map((compound) => ({
      ...compound,
      trials: compound.trials.map((trial): TrialStatus => {
        const path = trial.example ? resolve(folder, trial.example) : null;
        return {
          phase: trial.phase,
          indication: trial.indication,
          example: trial.example ?? null,
          status: path ? trialStatus(path) : "no data",
        };
      }),
    })),
  };
}

function trialStatus(path: string): string {
  if (isFolderWith(path, "simon.yaml")) {
    const study = parseSimonStudy(readDocument(join(path, "simon.yaml"), "phase II design", "Simon design settings"));
    const optimal = simonDesigns({ p0: study.p0, p1: study.p1, alpha: study.alpha, beta: study.beta }).optimal;
    return optimal ? `planned: Simon optimal ${optimal.r1}/${optimal.n1}, ${optimal.r}/${optimal.n}` : "planned";
  }
  if (!existsSync(path)) return "no data in Escalate yet";
  const { report } = trialReport(readTrialInput(path));
  const orr = report.orr.evaluable > 0 ? `, ${report.orr.responders}/${report.orr.evaluable} objective responses` : "";
  return `${report.enrolled} enrolled, ${report.mtdEstablished ? `MTD ${report.mtd}` : "MTD not established"}${orr}`;
}

function portfolioMarkdown(overview: ReturnType<typeof portfolioOverview>): string {
  const rows = portfolioRows(overview).map((cells) => `| ${cells.join(" | ")} |`);
  return [
    "# Portfolio",
    "",
    "| Compound | Antibody | Target | Payload | Owner / partner | Phase | Indication | Status |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

function portfolioRows(overview: ReturnType<typeof portfolioOverview>): string[][] {
  return overview.compounds.flatMap((c) =>
    (c.trials.length > 0 ? c.trials : [{ phase: "—", indication: "—", status: "no trial disclosed" }]).map((t) => [
      c.name,
      c.antibody ?? "—",
      c.target ?? "—",
      c.payload ?? "—",
      [c.owner, c.partner].filter(Boolean).join(" / "),
      t.phase,
      t.indication,
      t.status,
    ]),
  );
}

function portfolioHtml(overview: ReturnType<typeof portfolioOverview>): string {
  return htmlPage("Portfolio", [
    {
      table: {
        headers: ["Compound", "Antibody", "Target", "Payload", "Owner / partner", "Phase", "Indication", "Status"],
        rows: portfolioRows(overview),
      },
    },
  ]);
}

function simonHtml(study: SimonStudy, designs: ReturnType<typeof simonDesigns>): string {
  const row = (name: string, d: TwoStageDesign | null) =>
    d
      ? [name, `${d.r1}/${d.n1}`, `${d.r}/${d.n}`, d.en0.toFixed(1), d.pet0.toFixed(2), d.alpha.toFixed(3), d.power.toFixed(3)]
      : [name, "—", "—", "—", "—", "—", "—"];
  return htmlPage(study.title ?? study.trial, [
    {
      paragraphs: [
        `Simon two-stage design for p0 = ${study.p0} against p1 = ${study.p1} (α = ${study.alpha}, power ${1 - study.beta}): stop after stage 1 if ≤ r1 of n1 respond; promising if > r of n.`,
      ],
      table: {
        headers: ["Design", "r1/n1", "r/n", "EN(p0)", "PET(p0)", "α", "power"],
        rows: [row("optimal", designs.optimal), row("minimax", designs.minimax)],
      },
    },
  ]);
}

function simonMarkdown(study: SimonStudy, designs: ReturnType<typeof simonDesigns>): string {
  const line = (name: string, d: TwoStageDesign | null) =>
    d
      ? `| ${name} | ${d.r1}/${d.n1} | ${d.r}/${d.n} | ${d.en0.toFixed(1)} | ${d.pet0.toFixed(2)} | ${d.alpha.toFixed(3)} | ${d.power.toFixed(3)} |`
      : `| ${name} | — | — | — | — | — | — |`;
  return [
    `# ${study.title ?? study.trial}`,
    "",
    `Simon two-stage design for p0 = ${study.p0} against p1 = ${study.p1} (α = ${study.alpha}, power ${1 - study.beta}): stop after stage 1 if ≤ r1 of n1 respond; promising if > r of n.`,
    "",
    "| Design | r1/n1 | r/n | EN(p0) | PET(p0) | α | power |",
    "|---|---|---|---:|---:|---:|---:|",
    line("optimal", designs.optimal),
    line("minimax", designs.minimax),
    "",
  ].join("\n");
}

function pct(value: number | null): string {
  return value === null ? "—" : `${(100 * value).toFixed(1)}%`;
}

/** Exposure by dose per analyte, dose proportionality and exposure–response (core's model). */
function exposureMarkdown(data: TrialData, analysis: TrialAnalysis): string[] {
  const { tables, notes } = exposureTables(data, analysis);
  if (tables.length === 0) return [];
  return [
    "## Exposure",
    "",
    ...tables.flatMap((t) => [`**${t.caption}**`, "", ...markdownTable(t), ""]),
    ...notes.flatMap((note) => [note.value === undefined ? `${note.text}.` : `${note.text}: **${note.value}**.`, ""]),
  ];
}

/** A core report table in Markdown: numbers right-aligned. */
function markdownTable(table: ReportTable): string[] {
  // Right-aligned: columns of counts, rates and "n / N" only.
  const numeric = table.headers.map((_, i) => table.rows.every((row) => /^(—|[\d.]+%?( \(.*\))?|\d+ \/ \d+)$/.test(row[i] ?? "")));
  return [
    `| ${table.headers.join(" | ")} |`,
    `|${table.headers.map((_, i) => (numeric[i] && i > 0 ? "---:" : "---")).join("|")}|`,
    ...table.rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

function markdown(report: TrialReport, analysis: TrialAnalysis, data: TrialData, doses: string[] | undefined): string {
  const { compound, trial } = data;
  const tables = doseOptimizationTables(report);
  const lines = [
    `# ${trial.title ?? trial.id}`,
    "",
    `${compound.name}: ${[compound.antibody, compound.target && `target ${compound.target}`, compound.linker, compound.payload].filter(Boolean).join("; ")}.`,
    `Indication: ${trial.indication ?? "—"}. Data cut ${analysis.dataCutDate}. Enrolled: ${report.enrolled}.`,
    "",
    "## Dose escalation and optimization",
    "",
    ...markdownTable(tables.byDose),
    "",
    ...tables.notes.flatMap((note) => [note.value === undefined ? note.text : `${note.text}: **${note.value}**.`, ""]),
    ...(tables.comparison ? [...markdownTable(tables.comparison), ""] : []),
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
    "## Safety",
    "",
    ...standardTables(data, analysis).flatMap((t) => [`**${t.caption}**`, "", ...markdownTable(t), ""]),
    ...exposureMarkdown(data, analysis),
    `## Responses${doses ? ` (${doses.join(", ")})` : ""}`,
    "",
    `Best overall response: ${Object.entries(report.bestResponse)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    `Objective response rate: ${report.orr.responders} of ${report.orr.evaluable} evaluable, ${pct(report.orr.estimate)} (exact 95% CI ${pct(report.orr.lower)}–${pct(report.orr.upper)}).`,
    ...unconfirmed(analysis),
    ...stableDisease(analysis),
    ...analysis.patients
      .filter((p) => p.bestResponse?.durationOfResponse)
      .map((p) => {
        const duration = p.bestResponse!.durationOfResponse!;
        return `Duration of response, ${p.USUBJID}: ${(duration.days / 7).toFixed(0)} weeks${duration.censored ? " (ongoing)" : ""}.`;
      }),
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

/** "Stable disease lasted 6 to 18 weeks." */
function stableDisease(analysis: TrialAnalysis): string[] {
  const weeks = analysis.patients.flatMap((p) =>
    p.bestResponse?.durationOfStableDisease ? [p.bestResponse.durationOfStableDisease.days / 7] : [],
  );
  if (weeks.length === 0) return [];
  const [low, high] = [Math.min(...weeks), Math.max(...weeks)].map((w) => Number(w.toFixed(1)));
  return [
    `Stable disease (${weeks.length} patient${weeks.length === 1 ? "" : "s"}) lasted ${low === high ? `${low}` : `${low} to ${high}`} weeks.`,
  ];
}

/** Partial or complete responses seen at some assessment but not confirmed (not counted in the ORR). */
function unconfirmed(analysis: TrialAnalysis): string[] {
  const patients = analysis.patients.filter(
    (p) =>
      p.bestResponse &&
      !["CR", "PR", "sCR", "VGPR"].includes(p.bestResponse.response) &&
      p.bestResponse.assessments.some((a) => a.response === "CR" || a.response === "PR"),
  );
  return patients.length === 0 ? [] : [`Unconfirmed responses (not counted): ${patients.map((p) => p.USUBJID).join(", ")}.`];
}

/** Patients by worst grade per term. */
