import {
  doseEscalationPlot,
  doseOptimizationTables,
  exposureTables,
  pkPlot,
  standardTables,
  swimmerPlot,
  type TrialAnalysis,
  type TrialData,
  type TrialReport,
  type VegaLiteSpec,
  waterfallPlot,
} from "@escalate/core";
import { importExternal } from "./external-modules.js";

/** Renders a Vega-Lite specification to an SVG string, headless (no browser, no canvas). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // Vega is loaded when a plot is drawn, not when the CLI starts.
  const [{ parse: parseVega, View }, { compile }] = await Promise.all([importExternal("vega"), importExternal("vega-lite")]);
  // biome-ignore lint/suspicious/noExplicitAny: vega-lite's TopLevelSpec type is wider than our plain-data spec
  const vega = compile(spec as any).spec;
  const view = new View(parseVega(vega), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function table(headers: string[], rows: (string | number)[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const pct = (value: number | null) => (value === null ? "—" : `${(100 * value).toFixed(1)}%`);

/** A self-contained HTML page around a title, paragraphs and tables (no plots). */
export function htmlPage(
  title: string,
  sections: { heading?: string; paragraphs?: string[]; table?: { headers: string[]; rows: (string | number)[][] } }[],
): string {
  const body = sections
    .map((section) =>
      [
        section.heading ? `<h2>${escapeHtml(section.heading)}</h2>` : "",
        ...(section.paragraphs ?? []).map((p) => `<p>${escapeHtml(p)}</p>`),
        section.table ? table(section.table.headers, section.table.rows) : "",
      ].join("\n"),
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2rem auto; color: #222; }
  table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
  th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.75rem; text-align: left; }
  td:not(:first-child) { text-align: right; }
  figure { margin: 1rem 0 2rem; }
`;

/** One self-contained HTML file: summary, tables and the plots as inline SVG. */
export async function htmlReport(report: TrialReport, analysis: TrialAnalysis, data: TrialData): Promise<string> {
  const plots = [doseEscalationPlot(analysis, data), swimmerPlot(analysis, data), waterfallPlot(analysis), pkPlot(data)].filter(
    (spec): spec is VegaLiteSpec => spec !== null,
  );
  const svgs = await Promise.all(plots.map(renderSvg));
  const { compound, trial } = data;
  const safety = standardTables(data, analysis);
  const exposure = exposureTables(data, analysis);
  const tables = doseOptimizationTables(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(trial.title ?? trial.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(trial.title ?? trial.id)}</h1>
<p>${escapeHtml(compound.name)}: ${escapeHtml([compound.antibody, compound.target && `target ${compound.target}`, compound.payload].filter(Boolean).join("; "))}.
Indication: ${escapeHtml(trial.indication ?? "—")}. Data cut ${escapeHtml(analysis.dataCutDate)}. Enrolled: ${report.enrolled}.</p>
<h2>Dose escalation and optimization</h2>
${table(tables.byDose.headers, tables.byDose.rows)}
${tables.comparison ? table(tables.comparison.headers, tables.comparison.rows) : ""}
${tables.notes.map((note) => `<p>${escapeHtml(note.text)}${note.value === undefined ? "" : `: <strong>${escapeHtml(note.value)}</strong>.`}</p>`).join("\n")}
<h2>Safety</h2>
${safety.map((t) => `<h3>${escapeHtml(t.caption)}</h3>\n${table(t.headers, t.rows)}`).join("\n")}
${
  exposure.tables.length === 0
    ? ""
    : `<h2>Exposure</h2>
${exposure.tables.map((t) => `<h3>${escapeHtml(t.caption)}</h3>\n${table(t.headers, t.rows)}`).join("\n")}
${exposure.notes.map((note) => `<p>${escapeHtml(note.text)}${note.value === undefined ? "." : `: <strong>${escapeHtml(note.value)}</strong>.`}</p>`).join("\n")}`
}
<h2>Responses</h2>
${table(["CR", "PR", "MR", "SD", "PD", "NE"], [[report.bestResponse.CR, report.bestResponse.PR, report.bestResponse.MR, report.bestResponse.SD, report.bestResponse.PD, report.bestResponse.NE]])}
<p>Objective response rate: ${report.orr.responders} of ${report.orr.evaluable} evaluable, ${pct(report.orr.estimate)} (exact 95% CI ${pct(report.orr.lower)}–${pct(report.orr.upper)}).
${report.halfLifeDays === null ? "" : `Median terminal half-life: ${report.halfLifeDays.toFixed(1)} days.`}</p>
<h2>Plots</h2>
${svgs.map((svg) => `<figure>${svg}</figure>`).join("\n")}
</body>
</html>
`;
}
