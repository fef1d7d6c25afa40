import {
  type CalendarOptions,
  checkCalendar,
  checkEfficacy,
  type Design,
  dosePaths,
  type OperatingCharacteristics,
  OutcomeSyntaxError,
  type PathNode,
  ValidationError,
} from "@escalate/core";
import { responses } from "@escalate/server/contract";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { useLocation } from "wouter";
import { post } from "../api.js";
import { Pathways } from "../components/pathways.js";
import { download, ErrorMessage, Field, ScrollRegion } from "../components/ui.js";
import { VegaChart } from "../components/vega-chart.js";
import { mayRunStudies, useSession } from "../session.js";
import { CalibrationPanel } from "./calibration-panel.js";
import {
  type CheckedDesign,
  checkDesign,
  DESIGNS,
  type DesignForm,
  defaultForm,
  defaultScenarios,
  designName,
  hasField,
  needsAmounts,
  scenarioError,
} from "./design-form.js";
import { htmlReport, resultsCsv } from "./export.js";
import { OptionsFields } from "./options-form.js";
import {
  type DesignPageState,
  decodeState,
  encodeState,
  FRAGMENT,
  readLibrary,
  removeFromLibrary,
  saveToLibrary,
} from "./saved-designs.js";
import { exactInBrowser, simulateInBrowser } from "./simulation.js";

export interface ScenarioResult {
  design: string;
  scenario: string;
  truth: number[];
  result: OperatingCharacteristics;
  /** Efficacy-aware designs: the scenario's true optimal dose (0-based; null: none acceptable), outlined on the charts. */
  optimum?: number | null;
}

function DesignEditor({
  name,
  form,
  setForm,
  checked,
}: {
  name: string;
  form: DesignForm;
  setForm: (f: DesignForm) => void;
  checked: CheckedDesign;
}) {
  const set = (field: keyof DesignForm) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const { errors } = checked;
  const kind = form.design;
  return (
    <fieldset className="design-editor">
      <legend>
        {name}: {designName(form)}
      </legend>
      <Field label="Design" error={errors.design}>
        <select
          value={kind}
          onChange={(e) => setForm({ ...defaultForm(e.target.value), cohorts: form.cohorts, cohortSize: form.cohortSize })}
        >
          {DESIGNS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
      </Field>
      {hasField(kind, "target") && (
        <Field label="Target DLT probability" error={errors.target} hint="between 0 and 1, e.g. 0.3">
          <input inputMode="decimal" value={form.target} onChange={set("target")} />
        </Field>
      )}
      <Field
        label="Doses"
        error={errors.doses}
        hint={
          needsAmounts(kind) ? "labels starting with the amount, e.g. 1 mg/kg, 2 mg/kg" : "a number of doses, or labels separated by commas"
        }
      >
        <input value={form.doses} onChange={set("doses")} />
      </Field>
      {hasField(kind, "cohortSize") && (
        <div className="row">
          <Field label="Cohort size" error={errors.cohortSize}>
            <input inputMode="numeric" value={form.cohortSize} onChange={set("cohortSize")} />
          </Field>
          <Field label="Cohorts (maximum)" error={errors.cohorts}>
            <input inputMode="numeric" value={form.cohorts} onChange={set("cohorts")} />
          </Field>
        </div>
      )}
      {hasField(kind, "skeleton") && (
        <Field label="Skeleton (prior DLT probabilities)" error={errors.skeleton} hint="increasing, one per dose">
          <input value={form.skeleton} onChange={set("skeleton")} />
        </Field>
      )}
      {checked.design?.module.calibration && checked.spec && (
        <CalibrationPanel
          spec={checked.spec}
          use={(changes) => {
            // The calibrated fields as the design file holds them (the CRM's skeleton as { halfWidth, priorMtd }),
            // which the other options override the fields with.
            let other: Record<string, unknown> = {};
            try {
              other = form.other.trim() === "" ? {} : (JSON.parse(form.other) as Record<string, unknown>);
            } catch {
              other = {};
            }
            setForm({ ...form, other: JSON.stringify({ ...other, ...changes }) });
          }}
        />
      )}
      {hasField(kind, "window") && (
        <Field label="DLT window (days)" error={errors.window}>
          <input inputMode="numeric" value={form.window} onChange={set("window")} />
        </Field>
      )}
      {hasField(kind, "referenceDose") && (
        <Field label="Reference dose (amount)" error={errors.referenceDose}>
          <input inputMode="decimal" value={form.referenceDose} onChange={set("referenceDose")} />
        </Field>
      )}
      <div className="row safe-defaults">
        <label className="checkbox">
          <input type="checkbox" checked={form.noSkipping} onChange={(e) => setForm({ ...form, noSkipping: e.target.checked })} /> Never
          skip an untried dose
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.coherent} onChange={(e) => setForm({ ...form, coherent: e.target.checked })} /> No escalation
          right after a cohort above the target (coherence)
        </label>
      </div>
      <details className="more-options" open={form.other.trim() !== ""}>
        <summary>More options and rules</summary>
        <OptionsFields design={form.design} other={form.other} setOther={(other) => setForm({ ...form, other })} />
        <Field
          label="Other options (JSON)"
          error={errors.other}
          hint='the options above as the design file holds them, and richer ones (e.g. a prior), e.g. {"extraSafe": true, "rules": [{"type": "stop-at-n-at-dose", "n": 12}]}'
        >
          <textarea rows={2} value={form.other} onChange={set("other")} spellCheck={false} />
        </Field>
      </details>
    </fieldset>
  );
}

function DecisionTable({ design }: { design: Design }) {
  let table: ReturnType<Design["boundaries"]>;
  try {
    table = design.boundaries();
  } catch {
    return (
      <p className="muted">
        A model-based design has no fixed table: it decides from every dose's data (see the protocol text and the operating
        characteristics).
      </p>
    );
  }
  const cell = (value: number | null) => (value === null ? "—" : value);
  return (
    <ScrollRegion label="Decision table">
      {table.lambdaE !== null && (
        <p>
          Escalate when the observed DLT rate ≤ λe = {table.lambdaE.toFixed(3)}; de-escalate when ≥ λd = {table.lambdaD?.toFixed(3)}.
        </p>
      )}
      <table className="decision-table">
        <caption>Decision table: DLTs among the patients treated at the current dose</caption>
        <thead>
          <tr>
            <th scope="col">Patients</th>
            <th scope="col">Escalate if DLTs ≤</th>
            <th scope="col">De-escalate if DLTs ≥</th>
            <th scope="col">Eliminate if DLTs ≥</th>
          </tr>
        </thead>
        <tbody>
          {table.table.map((row) => (
            <tr key={row.n}>
              <th scope="row">{row.n}</th>
              <td>{cell(row.escalate)}</td>
              <td>{cell(row.deescalate)}</td>
              <td>{cell(row.eliminate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The decision flow for one cohort, with the design's own thresholds at the cohort size. */
function Flowchart({ design }: { design: Design }) {
  const spec = design.spec as { cohortSize: number; cohorts?: number; design: string; startDose?: number };
  const modelBased = design.module.capabilities.modelBased;
  let row: { escalate: number | null; deescalate: number | null; eliminate: number | null } | undefined;
  if (!modelBased) {
    try {
      row = design.boundaries().table.find((r) => r.n === spec.cohortSize);
    } catch {
      row = undefined;
    }
  }
  const n = spec.cohortSize;
  const branches = row
    ? [
        { label: "Escalate", when: row.escalate === null ? "never at this count" : `DLTs ≤ ${row.escalate} of ${n}` },
        { label: "Stay", when: "otherwise" },
        { label: "De-escalate", when: row.deescalate === null ? "never at this count" : `DLTs ≥ ${row.deescalate} of ${n}` },
        ...(row.eliminate === null ? [] : [{ label: "Eliminate this and higher doses", when: `DLTs ≥ ${row.eliminate} of ${n}` }]),
      ]
    : [
        { label: "Model update", when: "all doses' data, every patient" },
        {
          label: "Next dose",
          when: design.module.nextDoseInBrief ?? "estimate closest to the target",
        },
      ];
  return (
    <figure className="flowchart" aria-label="How the design decides, for one cohort">
      <div className="flow-box">
        Treat a cohort of {n} at the current dose (start: dose {spec.startDose ?? 1})
      </div>
      <div className="flow-arrow" aria-hidden="true">
        ↓
      </div>
      <div className="flow-box">Count DLTs{modelBased ? " (and, for the TITE-CRM, follow-up so far)" : " at the current dose"}</div>
      <div className="flow-arrow" aria-hidden="true">
        ↓
      </div>
      <ul className="flow-branches">
        {branches.map((b) => (
          <li key={b.label} className="flow-box">
            <strong>{b.label}</strong>
            <span>{b.when}</span>
          </li>
        ))}
      </ul>
      <div className="flow-arrow" aria-hidden="true">
        ↓
      </div>
      <div className="flow-box">
        Apply the rules; stop {spec.cohorts ? `after ${spec.cohorts} cohorts (${spec.cohorts * n} patients)` : "as the design says"} or when
        no dose is safe; select the MTD
      </div>
    </figure>
  );
}

/** The true MTD of a scenario: the dose whose true DLT probability is closest to the target (ties: the lower). */
export function trueMtd(truth: readonly number[], target: number): number {
  let best = 0;
  for (let d = 1; d < truth.length; d++) if (Math.abs(truth[d]! - target) < Math.abs(truth[best]! - target) - 1e-12) best = d;
  return best;
}

export function charts(results: ScenarioResult[], doseLabels: readonly string[], target: number | undefined) {
  const rows = results.flatMap((r) =>
    r.result.selection.map((selected, d) => ({
      // Outlined on the charts: the dose a perfect design would select.
      trueMtd: r.optimum !== undefined ? d === r.optimum : target !== undefined && d === trueMtd(r.truth, target),
      design: r.design,
      scenario: r.scenario,
      dose: doseLabels[d] ?? `${d + 1}`,
      doseIndex: d + 1,
      selected: Math.round(selected * 1000) / 10,
      patients: Math.round(r.result.patients[d]! * 100) / 100,
      truth: r.truth[d],
    })),
  );
  const base = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values: rows },
    width: 180,
    height: 140,
  };
  const bars = (field: string, title: string) => ({
    ...base,
    facet: { column: { field: "scenario", title: null } },
    spec: {
      width: 180,
      height: 140,
      mark: "bar",
      encoding: {
        x: { field: "dose", sort: { field: "doseIndex" }, title: "dose" },
        xOffset: { field: "design" },
        y: { field, type: "quantitative", title },
        color: { field: "design", title: "design" },
        stroke: { condition: { test: "datum.trueMtd", value: "#000000" }, value: null },
        strokeWidth: { condition: { test: "datum.trueMtd", value: 2.5 }, value: 0 },
        tooltip: [
          { field: "design" },
          { field: "dose" },
          { field, title },
          { field: "truth", title: "true DLT probability" },
          { field: "trueMtd", title: "the dose to find (true MTD, or true OBD)" },
        ],
      },
    },
  });
  const overdose = {
    ...base,
    data: {
      values: results.map((r) => ({ design: r.design, scenario: r.scenario, overdosed: Math.round(r.result.overdosed * 1000) / 10 })),
    },
    // Horizontal bars: scenario names stay readable at any width.
    height: { step: 18 },
    mark: "bar",
    encoding: {
      y: { field: "scenario", title: null, sort: null },
      yOffset: { field: "design" },
      x: { field: "overdosed", type: "quantitative", title: "% of patients treated where the true DLT rate exceeds the target" },
      color: { field: "design", title: "design" },
      tooltip: [{ field: "design" }, { field: "scenario" }, { field: "overdosed", title: "% overdosed" }],
    },
  };
  return { selection: bars("selected", "% selected as MTD"), patients: bars("patients", "patients treated"), overdose };
}

/** A scenario as typed, read: its true DLT probabilities and (for designs that need them) response probabilities. */
interface ParsedScenario {
  name: string;
  truth: number[];
  efficacy: number[];
}
const truthOf = (text: string) => text.split(",").map((x) => Number(x.trim()));

/** The protocol's headings sit under the page's "Protocol text" heading: one level below it, and so on. */
const PROTOCOL_HEADINGS = { h1: "h3", h2: "h4", h3: "h5", h4: "h6" } as const;

/** Dose-transition pathways of design A from any history: what each outcome of the next cohorts leads to. */
function DesignPathways({ design }: { design: Design }) {
  const [history, setHistory] = useState("");
  const [cohorts, setCohorts] = useState("2");
  let node: PathNode | null = null;
  let problem: string | undefined;
  try {
    node = dosePaths(design, history.trim(), Number(cohorts));
  } catch (caught) {
    if (caught instanceof ValidationError) problem = caught.issues[0]?.message ?? caught.message;
    else if (caught instanceof OutcomeSyntaxError) problem = caught.message;
    else throw caught;
  }
  return (
    <section aria-labelledby="pathways-heading">
      <h3 id="pathways-heading">Dose-transition pathways</h3>
      <div className="filters">
        <Field label="Outcomes so far" error={problem} hint="e.g. 1NNN 2NTN (dose, then N or T per patient); empty: the start">
          <input value={history} onChange={(e) => setHistory(e.target.value)} spellCheck={false} />
        </Field>
        <Field label="Cohorts ahead">
          <select value={cohorts} onChange={(e) => setCohorts(e.target.value)}>
            <option value="1">1</option>
            <option value="2">2</option>
          </select>
        </Field>
      </div>
      {node && node.children.length > 0 && <Pathways node={node} doseName={(level) => design.doseLabels[level - 1] ?? `dose ${level}`} />}
      {node && node.children.length === 0 && <p>{node.stop ? "The design has stopped here." : "No further cohort from here."}</p>}
    </section>
  );
}

/** The page's state from a shared link (/design#s=…), or the defaults; and why a link could not be read. */
function initialState(): { state: DesignPageState | null; problem: string | null } {
  const encoded = new URLSearchParams(window.location.hash.slice(1)).get(FRAGMENT);
  if (!encoded) return { state: null, problem: null };
  const decoded = decodeState(encoded);
  return "state" in decoded ? { state: decoded.state, problem: null } : { state: null, problem: decoded.problem };
}

/** Save to and open from this browser's design library; copy the link that reopens the page as it is. */
function Library({ state, load }: { state: DesignPageState; load: (state: DesignPageState) => void }) {
  const [entries, setEntries] = useState(() => readLibrary());
  const [name, setName] = useState("");
  const [copied, setCopied] = useState(false);
  return (
    <section aria-labelledby="library-heading" className="card">
      <h2 id="library-heading">Your designs</h2>
      <p className="muted">
        The page's address always holds the whole design: reload it, bookmark it, or share it.{" "}
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard.writeText(window.location.href);
            setCopied(true);
          }}
        >
          {copied ? "Link copied" : "Copy the link"}
        </button>
      </p>
      <form
        className="filters"
        aria-label="Save this design"
        onSubmit={(e) => {
          e.preventDefault();
          setEntries(saveToLibrary(name.trim(), state, new Date()));
          setName("");
        }}
      >
        <Field label="Name">
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <button type="submit">Save in this browser</button>
      </form>
      {entries.length > 0 && (
        <ul className="library">
          {entries.map((entry) => (
            <li key={entry.name}>
              <strong>{entry.name}</strong> <span className="muted">saved {entry.savedAt.slice(0, 10)}</span>{" "}
              <button type="button" onClick={() => load(entry.state)}>
                Open
              </button>{" "}
              <button type="button" onClick={() => setEntries(removeFromLibrary(entry.name))} aria-label={`Delete ${entry.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function DesignPage() {
  const [initial] = useState(initialState);
  const start = initial.state;
  const [formA, setFormA] = useState(start?.formA ?? defaultForm());
  const [formB, setFormB] = useState(start?.formB ?? defaultForm("crm"));
  const [compare, setCompare] = useState(start?.compare ?? false);
  const checkedA = useMemo(() => checkDesign(formA), [formA]);
  const checkedB = useMemo(() => checkDesign(formB), [formB]);
  const doseCount = checkedA.design?.doseCount ?? 5;
  const [scenarios, setScenarios] = useState<DesignPageState["scenarios"]>(() => start?.scenarios ?? defaultScenarios(5, 0.3));
  const [trials, setTrials] = useState(start?.trials ?? "2000");
  const [seed, setSeed] = useState(start?.seed ?? "2026");
  // Calendar time: off by default (outcomes only); on, patients arrive at a rate and each is followed over the DLT window.
  const [inCalendar, setInCalendar] = useState(start?.inCalendar ?? false);
  const [accrual, setAccrual] = useState(start?.accrual ?? "3");
  const [windowDays, setWindowDays] = useState(start?.windowDays ?? "");
  const [whenFull, setWhenFull] = useState<"wait" | "turn-away">(start?.whenFull ?? "wait");
  const pageState: DesignPageState = { formA, formB, compare, scenarios, trials, seed, inCalendar, accrual, windowDays, whenFull };
  const load = (state: DesignPageState) => {
    setFormA(state.formA);
    setFormB(state.formB);
    setCompare(state.compare);
    setScenarios(state.scenarios);
    setTrials(state.trials);
    setSeed(state.seed);
    setInCalendar(state.inCalendar);
    setAccrual(state.accrual);
    setWindowDays(state.windowDays);
    setWhenFull(state.whenFull);
  };
  // The address always holds the page as it is: a reload, a bookmark or a shared link reopens it.
  const encoded = encodeState(pageState);
  useEffect(() => {
    window.history.replaceState(window.history.state, "", `${window.location.pathname}#${FRAGMENT}=${encoded}`);
  }, [encoded]);
  // Preset scenarios follow the dose count; scenarios the user typed are kept (and flagged if they no longer fit).
  const presetCount = useRef(doseCount);
  useEffect(() => {
    const previous = presetCount.current;
    if (previous === doseCount) return;
    presetCount.current = doseCount;
    const target = Number(formA.target) || 0.3;
    const before = defaultScenarios(previous, target);
    const after = defaultScenarios(doseCount, target);
    setScenarios((current) =>
      current.map((scenario, i) =>
        before[i] && scenario.name === before[i]!.name && scenario.truth === before[i]!.truth
          ? { ...scenario, ...after[i]!, ...(scenario.efficacy === undefined ? {} : { efficacy: defaultEfficacy(doseCount) }) }
          : scenario,
      ),
    );
  }, [doseCount, formA.target]);
  const [progress, setProgress] = useState<number | null>(null);
  const [results, setResults] = useState<ScenarioResult[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState(false);
  const abort = useRef<AbortController | null>(null);

  // Results and charts name each design by its method and target; two alike are told apart by A and B.
  const [nameA, nameB] = [designName(formA), designName(formB)];
  const alike = compare && nameA === nameB;
  const designs = [
    { name: alike ? `${nameA} (A)` : nameA, checked: checkedA },
    ...(compare ? [{ name: alike ? `${nameB} (B)` : nameB, checked: checkedB }] : []),
  ];
  const scenarioErrors = scenarios.map((s) => scenarioError(s.truth, doseCount));
  // A design with backfill needs calendar time (its patients arrive while cohorts are assessed) and response rates.
  const backfills = designs.some((d) => d.checked.design !== null && d.checked.design.engine.rules.backfill !== null);
  // Designs that decide from responses (BOIN12), designs with backfill and randomized stages (ROSE selects
  // on responses) need response probabilities.
  const needsResponses =
    backfills ||
    designs.some(
      (d) => d.checked.design?.module.capabilities.efficacyAware === true || (d.checked.design?.engine.rules.randomized ?? null) !== null,
    );
  const parseScenario = (scenario: DesignPageState["scenarios"][number]): ParsedScenario => ({
    name: scenario.name,
    truth: truthOf(scenario.truth),
    efficacy: efficacyOf(scenario),
  });
  const efficacyOf = (scenario: { efficacy?: string }) =>
    (scenario.efficacy ?? defaultEfficacy(doseCount)).split(",").map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
  const efficacyErrors = scenarios.map((scenario) => {
    if (!needsResponses) return undefined;
    try {
      checkEfficacy(efficacyOf(scenario), doseCount);
      return undefined;
    } catch (caught) {
      if (!(caught instanceof ValidationError)) throw caught;
      return caught.issues[0]?.message ?? caught.message;
    }
  });
  let calendar: CalendarOptions | undefined;
  const calendarErrors: { accrual?: string; window?: string } = {};
  if (inCalendar || backfills) {
    try {
      calendar = checkCalendar({
        accrual: Number(accrual),
        whenFull,
        ...(windowDays.trim() === "" ? {} : { window: Number(windowDays) }),
      });
    } catch (caught) {
      if (!(caught instanceof ValidationError)) throw caught;
      for (const issue of caught.issues) calendarErrors[issue.path as "accrual" | "window"] = issue.message;
    }
  }
  const ready =
    designs.every((d) => d.checked.design !== null) &&
    scenarioErrors.every((e) => e === undefined) &&
    efficacyErrors.every((e) => e === undefined) &&
    (!(inCalendar || backfills) || calendar !== undefined);
  const protocol = checkedA.design?.describe() ?? "";

  // Exact enumeration where every design allows it (outcomes only: no calendar time, no responses).
  const exactPossible =
    ready && calendar === undefined && !needsResponses && designs.every((d) => d.checked.design?.module.capabilities.exact === true);
  /**
   * Runs every design × scenario through `compute` (exact or simulated), showing progress and allowing
   * cancellation; the results replace the previous ones once all are done.
   */
  async function runStudy(
    compute: (
      design: (typeof designs)[number],
      scenario: ParsedScenario,
      signal: AbortSignal,
      progress: (part: number) => void,
    ) => Promise<ScenarioResult>,
  ) {
    setError(null);
    setResults(null);
    const controller = new AbortController();
    abort.current = controller;
    const jobs = designs.flatMap((design) => scenarios.map((scenario) => ({ design, scenario: parseScenario(scenario) })));
    const out: ScenarioResult[] = [];
    try {
      setProgress(0);
      for (const [i, job] of jobs.entries()) {
        out.push(await compute(job.design, job.scenario, controller.signal, (part) => setProgress((i + part) / jobs.length)));
        setProgress((i + 1) / jobs.length);
      }
      setResults(out);
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === "AbortError")) setError(caught);
    } finally {
      setProgress(null);
      abort.current = null;
    }
  }

  const runExact = () =>
    runStudy(async (design, scenario, signal) => ({
      design: design.name,
      scenario: scenario.name,
      truth: scenario.truth,
      result: await exactInBrowser(design.checked.spec!, scenario.truth, signal),
    }));

  const run = () =>
    runStudy(async (job, scenario, signal, progress) => {
      const design = job.checked.design!;
      const result = await simulateInBrowser({
        spec: design.spec,
        truth: scenario.truth,
        trials: Number(trials),
        seed: Number(seed),
        ...(calendar ? { calendar } : {}),
        ...(needsResponses ? { efficacy: scenario.efficacy } : {}),
        signal,
        onProgress: (done, blocks) => progress(done / blocks),
      });
      // Efficacy-aware designs are judged against the scenario's true optimal dose, not its MTD.
      const optimum = needsResponses ? design.module.trueOptimum?.(design.spec as never, scenario.truth, scenario.efficacy) : undefined;
      return {
        design: job.name,
        scenario: scenario.name,
        truth: scenario.truth,
        result,
        ...(optimum === undefined ? {} : { optimum }),
      };
    });

  // Statisticians and administrators may queue the same study on the server, which keeps it.
  const { data: session } = useSession();
  const [, navigate] = useLocation();
  const canQueue = mayRunStudies(session);
  const queue = useMutation({
    mutationFn: () =>
      post("/api/simulations", responses.jobCreated, {
        designs: designs.map((d) => d.checked.spec!),
        scenarios: scenarios.map((s) => ({ name: s.name, truth: truthOf(s.truth) })),
        trials: Number(trials),
        seed: Number(seed),
      }),
    onSuccess: (job) => navigate(`/simulations/${job.id}`),
  });

  const chartSpecs = results && checkedA.design ? charts(results, checkedA.design.doseLabels, checkedA.design.spec.target) : null;

  return (
    <div className="design-page">
      <h1>Design and simulate</h1>
      <p className="muted">Everything on this page runs in your browser: the same engine as the command line, in web workers.</p>
      {initial.problem && (
        <div role="alert" className="error">
          <strong>The shared design could not be opened: {initial.problem}.</strong> The page starts from the defaults.
        </div>
      )}
      <Library state={pageState} load={load} />
      <div className="columns">
        <DesignEditor name="Design A" form={formA} setForm={setFormA} checked={checkedA} />
        {compare && <DesignEditor name="Design B" form={formB} setForm={setFormB} checked={checkedB} />}
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} /> Compare with a second design
      </label>

      {checkedA.design && (
        <>
          <section aria-labelledby="rules-heading">
            <h2 id="rules-heading">How design A decides</h2>
            <div className="columns">
              <Flowchart design={checkedA.design} />
              <DecisionTable design={checkedA.design} />
            </div>
            <DesignPathways design={checkedA.design} />
          </section>
          <section aria-labelledby="protocol-heading">
            <h2 id="protocol-heading">Protocol text</h2>
            <button
              type="button"
              onClick={async () => {
                await navigator.clipboard.writeText(protocol);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy protocol text (Markdown)"}
            </button>{" "}
            <button
              type="button"
              onClick={() => download("design.json", `${JSON.stringify(checkedA.design!.spec, null, 2)}\n`, "application/json")}
            >
              Download design file (JSON, for the CLI)
            </button>
            {/* Rendered for reading (tables included); copied as Markdown for the protocol document. */}
            <ScrollRegion label="Protocol text of design A">
              <div className="protocol-text">
                <Markdown remarkPlugins={[remarkGfm]} components={PROTOCOL_HEADINGS}>
                  {protocol}
                </Markdown>
              </div>
            </ScrollRegion>
          </section>
        </>
      )}

      <section aria-labelledby="oc-heading">
        <h2 id="oc-heading">Operating characteristics</h2>
        <p className="muted">True DLT probability per dose in each scenario (non-decreasing, {doseCount} values).</p>
        {scenarios.map((scenario, i) => (
          <div className="row scenario" key={`scenario-${i.toString()}`}>
            <Field label={`Scenario ${i + 1} name`}>
              <input
                value={scenario.name}
                onChange={(e) => setScenarios(scenarios.map((s, j) => (j === i ? { ...s, name: e.target.value } : s)))}
              />
            </Field>
            <Field label={`Scenario ${i + 1} true DLT probabilities`} error={scenarioErrors[i]}>
              <input
                value={scenario.truth}
                onChange={(e) => setScenarios(scenarios.map((s, j) => (j === i ? { ...s, truth: e.target.value } : s)))}
              />
            </Field>
            {needsResponses && (
              <Field
                label={`Scenario ${i + 1} response probabilities`}
                error={efficacyErrors[i]}
                hint={
                  backfills
                    ? "backfill opens a dose once a response is seen"
                    : "the design's decisions or its randomized comparison read responses"
                }
              >
                <input
                  value={scenario.efficacy ?? defaultEfficacy(doseCount)}
                  onChange={(e) => setScenarios(scenarios.map((s, j) => (j === i ? { ...s, efficacy: e.target.value } : s)))}
                />
              </Field>
            )}
            <button
              type="button"
              aria-label={`Remove scenario ${i + 1}`}
              onClick={() => setScenarios(scenarios.filter((_, j) => j !== i))}
              disabled={scenarios.length === 1}
            >
              Remove
            </button>
          </div>
        ))}
        <div className="row">
          <button
            type="button"
            onClick={() =>
              setScenarios([...scenarios, { name: `Scenario ${scenarios.length + 1}`, truth: defaultScenarios(doseCount, 0.3)[1]!.truth }])
            }
          >
            Add scenario
          </button>
          <button type="button" onClick={() => setScenarios(defaultScenarios(doseCount, Number(formA.target) || 0.3))}>
            Reset scenarios to {doseCount} doses
          </button>
        </div>
        <div className="row">
          <Field label="Simulated trials">
            <input inputMode="numeric" value={trials} onChange={(e) => setTrials(e.target.value)} />
          </Field>
          <Field label="Seed">
            <input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={inCalendar || backfills} disabled={backfills} onChange={(e) => setInCalendar(e.target.checked)} />{" "}
          In calendar time: accrual, DLT window, trial duration{backfills ? " (always, with backfill)" : ""}
        </label>
        {(inCalendar || backfills) && (
          <div className="row">
            <Field label="Patients per month" error={calendarErrors.accrual} hint="arrivals as a Poisson process">
              <input inputMode="decimal" value={accrual} onChange={(e) => setAccrual(e.target.value)} />
            </Field>
            <Field label="DLT window (days)" error={calendarErrors.window} hint="empty: the design's own, or 30">
              <input inputMode="numeric" value={windowDays} onChange={(e) => setWindowDays(e.target.value)} />
            </Field>
            <Field label="Arrivals when no place is open">
              <select value={whenFull} onChange={(e) => setWhenFull(e.target.value as "wait" | "turn-away")}>
                <option value="wait">wait for the next place</option>
                <option value="turn-away">are turned away</option>
              </select>
            </Field>
          </div>
        )}
        {progress === null ? (
          <div className="row">
            <button type="button" className="primary" onClick={run} disabled={!ready}>
              Simulate
            </button>
            <button
              type="button"
              onClick={runExact}
              disabled={!exactPossible}
              title={
                exactPossible
                  ? "Every trial path, weighted by its probability"
                  : "Exact enumeration needs designs that decide from DLT counts alone, without calendar time or response probabilities"
              }
            >
              Exact operating characteristics
            </button>
            {canQueue && (
              <button
                type="button"
                onClick={() => queue.mutate()}
                disabled={!ready || calendar !== undefined || needsResponses || queue.isPending}
                title={
                  calendar !== undefined || needsResponses
                    ? "The server runs studies without calendar time or response probabilities"
                    : "Run this study on the server and keep it"
                }
              >
                Queue on the server
              </button>
            )}
          </div>
        ) : (
          <div className="progress-row">
            <progress max={1} value={progress} aria-label="Simulation progress" />
            <span>{Math.round(progress * 100)}%</span>
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          </div>
        )}
        <ErrorMessage error={error ?? queue.error} />
        {results && chartSpecs && checkedA.design && (
          <div className="results">
            <div className="row">
              <button type="button" onClick={() => download("operating-characteristics.csv", resultsCsv(results), "text/csv")}>
                Download CSV
              </button>
              <button
                type="button"
                onClick={async () =>
                  download(
                    "design-report.html",
                    await htmlReport({ protocol, results, charts: chartSpecs, trials: Number(trials), seed: Number(seed) }),
                    "text/html",
                  )
                }
              >
                Download HTML report
              </button>
            </div>
            <ResultsTable results={results} doseLabels={checkedA.design.doseLabels} />
            <VegaChart
              spec={chartSpecs.selection}
              title="Selection as MTD"
              description="Percentage of simulated trials selecting each dose as the MTD, per scenario and design; the true MTD (true DLT probability closest to the target) is outlined"
            />
            {checkedA.design.spec.target !== undefined && (
              <p className="muted">
                {results.some((r) => r.optimum !== undefined)
                  ? "Outlined bars: each scenario's true optimal biological dose (the acceptable dose of highest true utility, by the design's own utilities and limits), or its true MTD for designs without efficacy."
                  : "Outlined bars: each scenario's true MTD, the dose whose true DLT probability is closest to the target."}
              </p>
            )}
            <VegaChart
              spec={chartSpecs.patients}
              title="Patients per dose"
              description="Expected number of patients treated at each dose, per scenario and design"
            />
            <VegaChart
              spec={chartSpecs.overdose}
              title="Overdosing"
              description="Expected percentage of patients treated above the target, per scenario and design"
            />
          </div>
        )}
      </section>
    </div>
  );
}

export function ResultsTable({ results, doseLabels }: { results: ScenarioResult[]; doseLabels: readonly string[] }) {
  const calendar = results.some((r) => r.result.durationMonths !== undefined);
  // A programme with a randomized stage: the dose finally selected, after the comparison.
  const programme = results.some((r) => r.result.programme !== undefined);
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    <ScrollRegion label="Operating characteristics">
      <table className="results-table">
        <caption>
          {results[0]?.result.trials === null
            ? "Exact operating characteristics (every trial path, weighted by its probability: no simulation error)"
            : `Operating characteristics (${results[0]?.result.trials?.toLocaleString("en")} simulated trials each)`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Scenario</th>
            <th scope="col">Design</th>
            {doseLabels.map((label) => (
              <th scope="col" key={label}>
                {label}
              </th>
            ))}
            <th scope="col">No MTD</th>
            <th scope="col">Patients</th>
            <th scope="col">Overdosed</th>
            {programme && <th scope="col">Randomized stage</th>}
            {calendar && <th scope="col">Duration (months)</th>}
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={`${r.scenario}:${r.design}`}>
              <th scope="row">{r.scenario}</th>
              <td>{r.design}</td>
              {r.result.selection.map((s, d) => (
                <td key={doseLabels[d]} title={`true DLT probability ${r.truth[d]}; ${r.result.patients[d]!.toFixed(1)} patients`}>
                  {percent(s)}
                  <span className="sub">
                    {r.result.patients[d]!.toFixed(1)} pts
                    {r.result.backfilled?.some((n) => n > 0) ? `, ${r.result.backfilled[d]!.toFixed(1)} backfill` : ""}
                  </span>
                  {r.result.programme && <span className="sub">finally {percent(r.result.programme.selection[d]!)}</span>}
                </td>
              ))}
              <td>{percent(r.result.noMtd)}</td>
              <td>{r.result.sampleSize.toFixed(1)}</td>
              <td>{percent(r.result.overdosed)}</td>
              {programme && (
                <td title="trials that ran the randomized comparison; its mean patients">
                  {r.result.programme ? percent(r.result.programme.randomized) : "—"}
                  {r.result.programme && <span className="sub">{r.result.programme.randomizedPatients.toFixed(1)} pts</span>}
                </td>
              )}
              {calendar && (
                <td title="mean; median and 10–90% range below">
                  {r.result.durationMonths?.toFixed(1)}
                  <span className="sub">
                    {r.result.durationQuantilesMonths?.median.toFixed(1)} ({r.result.durationQuantilesMonths?.p10.toFixed(1)}–
                    {r.result.durationQuantilesMonths?.p90.toFixed(1)})
                  </span>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** Response probabilities to start from: rising with dose, 0.1 apart. */
function defaultEfficacy(doseCount: number): string {
  return Array.from({ length: doseCount }, (_, d) => Math.min(0.9, 0.1 * (d + 1)).toFixed(1)).join(", ");
}
