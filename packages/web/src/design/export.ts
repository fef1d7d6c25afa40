import { stringify } from "csv-stringify/browser/esm/sync";
import type { ScenarioResult } from "./design-page.js";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One row per design × scenario × dose: what a statistician pastes into a spreadsheet. */
export function resultsCsv(results: ScenarioResult[]): string {
  const rows = [
    ["design", "scenario", "dose", "true_dlt_probability", "selected", "patients", "dlts", "no_mtd", "sample_size", "overdosed"],
  ];
  for (const r of results)
    r.result.selection.forEach((selected, d) => {
      rows.push([
        r.design,
        r.scenario,
        String(d + 1),
        String(r.truth[d]),
        String(selected),
        String(r.result.patients[d]),
        String(r.result.dlts[d]),
        String(r.result.noMtd),
        String(r.result.sampleSize),
        String(r.result.overdosed),
      ]);
    });
  // Names are typed by users: a cell that a spreadsheet would run as a formula is neutralised.
  return stringify(rows, { escape_formulas: true });
}

async function svgOf(spec: Record<string, unknown>): Promise<string> {
  const [{ parse, View }, { compile }, { expressionInterpreter }] = await Promise.all([
    import("vega"),
    import("vega-lite"),
    import("vega-interpreter"),
  ]);
  // Interpreted expressions (no eval), as in the charts: the Content-Security-Policy allows no 'unsafe-eval'.
  const view = new View(parse(compile(spec as never).spec, undefined, { ast: true }), { renderer: "none", expr: expressionInterpreter });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A self-contained HTML report: protocol text, the results table and the charts as inline SVG. */
export async function htmlReport(input: {
  protocol: string;
  results: ScenarioResult[];
  charts: Record<string, Record<string, unknown>>;
  trials: number;
  seed: number;
}): Promise<string> {
  const svgs = await Promise.all(Object.values(input.charts).map(svgOf));
  const rows = input.results
    .map(
      (r) =>
        `<tr><th>${escapeHtml(r.scenario)}</th><td>${escapeHtml(r.design)}</td>${r.result.selection
          .map((s, d) => `<td>${(s * 100).toFixed(1)}% <small>(${r.result.patients[d]!.toFixed(1)} pts)</small></td>`)
          .join(
            "",
          )}<td>${(r.result.noMtd * 100).toFixed(1)}%</td><td>${r.result.sampleSize.toFixed(1)}</td><td>${(r.result.overdosed * 100).toFixed(1)}%</td></tr>`,
    )
    .join("\n");
  const doses = input.results[0]?.result.selection.map((_, d) => `<th>dose ${d + 1}</th>`).join("") ?? "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Design report</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}</style>
</head><body>
<h1>Design report</h1>
<p>Monte Carlo: ${input.trials.toLocaleString("en")} simulated trials per scenario, seed ${input.seed} (reproducible with <code>escalate simulate</code>).</p>
<h2>Protocol text</h2><pre>${escapeHtml(input.protocol)}</pre>
<h2>Operating characteristics</h2>
<table><thead><tr><th>scenario</th><th>design</th>${doses}<th>no MTD</th><th>patients</th><th>overdosed</th></tr></thead><tbody>
${rows}
</tbody></table>
${svgs.map((svg) => `<figure>${svg}</figure>`).join("\n")}
</body></html>
`;
}
