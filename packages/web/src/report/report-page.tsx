import {
  doseEscalationPlot,
  doseOptimizationTables,
  exposureTables,
  pkPlot,
  type ReportTable,
  standardTables,
  swimmerPlot,
  type TrialDataInput,
  trialReport,
  waterfallPlot,
} from "@escalate/core";
import { responses } from "@escalate/server/contract";
import { useQuery } from "@tanstack/react-query";
import { type ChangeEvent, useMemo, useState } from "react";
import { Link } from "wouter";
import { parse as parseYaml } from "yaml";
import { get } from "../api.js";
import { Empty, ErrorMessage, Loading, ScrollRegion } from "../components/ui.js";
import { VegaChart } from "../components/vega-chart.js";

function computeReport(input: TrialDataInput) {
  const { report, analysis, data: parsed } = trialReport(input);
  return {
    report,
    title: parsed.trial.title ?? parsed.trial.id,
    about: `${parsed.compound.name}${parsed.trial.indication ? ` · ${parsed.trial.indication}` : ""} · data cut ${parsed.trial.dataCutDate}`,
    safety: standardTables(parsed, analysis),
    exposure: exposureTables(parsed, analysis),
    plots: [
      {
        title: "Dose escalation",
        description: "Each patient by cohort and dose level, marked by DLT status",
        spec: doseEscalationPlot(analysis, parsed),
      },
      { title: "Swimmer plot", description: "Time on study per patient with responses and DLTs", spec: swimmerPlot(analysis, parsed) },
      {
        title: "Waterfall plot",
        description: "Best percentage change in the sum of target lesions per patient",
        spec: waterfallPlot(analysis),
      },
      { title: "Pharmacokinetics", description: "Concentration over time per patient", spec: pkPlot(parsed) },
    ].filter((p) => p.spec !== null),
  };
}

/** The trial report (as `escalate report` writes it) on the live data, with interactive plots; printable. */
export function ReportPage({ trialId }: { trialId: string }) {
  const data = useQuery({ queryKey: ["data", trialId], queryFn: () => get(`/api/trials/${trialId}/data`, responses.trialData) });
  const computed = useMemo(() => (data.data ? computeReport(data.data) : null), [data.data]);
  if (data.isLoading) return <Loading what="the trial data" />;
  if (data.error) return <ErrorMessage error={data.error} />;
  if (!computed) return null;
  return (
    <>
      <p className="breadcrumbs no-print">
        <Link href="/trials">Trials</Link> › <Link href={`/trials/${trialId}`}>{trialId}</Link> › Report
      </p>
      <ReportView computed={computed} />
    </>
  );
}

/** A report from a trial file (YAML or JSON in the trial format, e.g. the reference trials in examples/), computed in the browser. */
/**
 * The project's example trials (the reference trials of docs/case-studies.md and the demo), each loaded
 * only when chosen; named by the titles their files carry.
 */
const EXAMPLES = import.meta.glob<string>(["../../../../examples/*/trial.yaml", "../../../../examples/trials/*.yaml"], {
  query: "?raw",
  import: "default",
});
const EXAMPLE_TITLES: Record<string, string> = {
  "trastuzumab-dm1-phase1": "Trastuzumab-DM1, phase I (HER2-positive breast cancer)",
  "ave9633-aml-phase1": "AVE9633, phase I (CD33-positive AML)",
  "huc242-dm4-phase1": "huC242-DM4, phase I (CanAg-expressing solid tumours)",
  "hun901-dm1-myeloma-phase1": "huN901-DM1, phase I (CD56-positive multiple myeloma)",
  "hun901-dm1-sclc-study001": "huN901-DM1, phase II (small-cell lung cancer)",
  "adc-first-in-human": "ESC-101, first in human (the demo trial)",
};
const exampleName = (path: string) => path.match(/examples\/([^/]+)\/trial\.yaml$/)?.[1] ?? path.match(/([^/]+)\.yaml$/)![1]!;

export function ReportFromFilePage() {
  const [computed, setComputed] = useState<ReturnType<typeof computeReport> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const show = (text: string, json: boolean) => {
    setError(null);
    setComputed(null);
    try {
      setComputed(computeReport((json ? JSON.parse(text) : parseYaml(text)) as TrialDataInput));
    } catch (caught) {
      setError(caught);
    }
  };
  async function read(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (file) show(await file.text(), file.name.endsWith(".json"));
  }
  return (
    <>
      <div className="no-print">
        <h1>Report from a trial file</h1>
        <p className="muted">Nothing is uploaded: the file is read and analysed in your browser.</p>
        <label className="field narrow">
          <span className="label">Trial file (YAML or JSON, the format of escalate analyze)</span>
          <input type="file" accept=".yaml,.yml,.json" onChange={read} />
        </label>
        <p>Or open an example trial:</p>
        <ul className="examples">
          {Object.entries(EXAMPLES).map(([path, load]) => (
            <li key={path}>
              <button type="button" onClick={async () => show(await load(), false)}>
                {EXAMPLE_TITLES[exampleName(path)] ?? exampleName(path)}
              </button>
            </li>
          ))}
        </ul>
        <ErrorMessage error={error} />
      </div>
      {computed && <ReportView computed={computed} />}
    </>
  );
}

/** A table the core built for every renderer (the CLI and HTML reports show the same). */
function CoreTable({ table }: { table: ReportTable }) {
  return (
    <ScrollRegion label={table.caption}>
      <table>
        <caption>{table.caption}</caption>
        <thead>
          <tr>
            {table.headers.map((header) => (
              <th scope="col" key={header}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            // A listing may name one patient on several rows: the whole row is its key.
            <tr key={row.join("\u0000")}>
              <th scope="row">{row[0]}</th>
              {row.slice(1).map((cell, i) => (
                <td key={table.headers[i + 1]}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function ReportView({ computed }: { computed: ReturnType<typeof computeReport> }) {
  const { report, plots } = computed;
  const tables = doseOptimizationTables(report);
  const percent = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
  return (
    <div className="report">
      <h1>{computed.title}</h1>
      <p className="muted">
        {report.trial} · {computed.about}
      </p>
      <button type="button" className="no-print" onClick={() => window.print()}>
        Print
      </button>
      {report.enrolled === 0 ? (
        <Empty>No patients yet: the report fills in as the trial enrols.</Empty>
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Enrolled</dt>
              <dd>{report.enrolled}</dd>
            </div>
            <div>
              <dt>MTD</dt>
              <dd>{report.mtd ?? (report.mtdEstablished ? "none" : "not yet established")}</dd>
            </div>
            <div>
              <dt>Objective response rate</dt>
              <dd>
                {report.orr.responders}/{report.orr.evaluable} = {percent(report.orr.estimate)} (95% CI {percent(report.orr.lower)}–
                {percent(report.orr.upper)})
              </dd>
            </div>
            <div>
              <dt>Median half-life</dt>
              <dd>{report.halfLifeDays === null ? "—" : `${report.halfLifeDays.toFixed(1)} days`}</dd>
            </div>
          </dl>
          <CoreTable table={tables.byDose} />
          {tables.comparison && <CoreTable table={tables.comparison} />}
          {computed.safety.map((table) => (
            <CoreTable key={table.caption} table={table} />
          ))}
          {computed.exposure.tables.map((table) => (
            <CoreTable key={table.caption} table={table} />
          ))}
          {computed.exposure.notes.map((note) => (
            <p key={note.text}>
              {note.text}
              {note.value === undefined ? (
                "."
              ) : (
                <>
                  : <strong>{note.value}</strong>.
                </>
              )}
            </p>
          ))}
          {tables.notes.map((note) => (
            <p key={note.text}>
              {note.text}
              {note.value !== undefined && (
                <>
                  : <strong>{note.value}</strong>.
                </>
              )}
            </p>
          ))}
          <table>
            <caption>Best overall response</caption>
            <thead>
              <tr>
                {Object.keys(report.bestResponse).map((key) => (
                  <th scope="col" key={key}>
                    {key}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {Object.entries(report.bestResponse).map(([key, count]) => (
                  <td key={key}>{count}</td>
                ))}
              </tr>
            </tbody>
          </table>
          {plots.map((plot) => (
            <VegaChart key={plot.title} spec={plot.spec!} title={plot.title} description={plot.description} />
          ))}
        </>
      )}
    </div>
  );
}
