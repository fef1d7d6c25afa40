import { nonCompartmental } from "../pk/nca.js";
import type { TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";
import { doseLabel } from "./trial-report.js";

/** A Vega-Lite specification (plain data; rendered by the shells, in Node or the browser). */
export type VegaLiteSpec = Record<string, unknown>;

const WIDTH = 560;

/** Each patient in enrolment order at their dose level, DLTs marked. */
export function doseEscalationPlot(analysis: TrialAnalysis, data: TrialData): VegaLiteSpec {
  const labels = new Map(data.trial.doseLevels.map((l) => [l.level, doseLabel(l)]));
  const order = [...data.trial.doseLevels].sort((a, b) => a.level - b.level).map((l) => doseLabel(l));
  const values = [...data.patients]
    .sort((a, b) => a.RFXSTDTC.localeCompare(b.RFXSTDTC) || a.USUBJID.localeCompare(b.USUBJID))
    .map((p, i) => {
      const summary = analysis.patients.find((s) => s.USUBJID === p.USUBJID)!;
      return {
        patient: p.USUBJID,
        order: i + 1,
        cohort: p.cohort,
        dose: labels.get(p.doseLevel),
        dlt: summary.dlt.status === "DLT" ? "DLT" : summary.dlt.status,
      };
    });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Dose escalation",
    width: WIDTH,
    height: 220,
    data: { values },
    mark: { type: "point", filled: true, size: 90 },
    encoding: {
      // Whole patients only: no ticks between them.
      x: { field: "order", type: "quantitative", title: "Patient (order of enrolment)", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "dose", type: "ordinal", sort: [...order].reverse(), title: "Dose level" },
      shape: {
        field: "dlt",
        type: "nominal",
        title: "DLT",
        scale: { domain: ["DLT", "no DLT", "pending", "not evaluable"], range: ["cross", "circle", "triangle-up", "square"] },
      },
      color: {
        field: "dlt",
        type: "nominal",
        scale: { domain: ["DLT", "no DLT", "pending", "not evaluable"], range: ["#d62728", "#1f77b4", "#ff7f0e", "#7f7f7f"] },
      },
      tooltip: [{ field: "patient" }, { field: "cohort" }, { field: "dose" }, { field: "dlt" }],
    },
  };
}

/** Time on treatment per patient with the response at each assessment. */
export function swimmerPlot(analysis: TrialAnalysis, data: TrialData): VegaLiteSpec {
  const bars = analysis.patients.map((p) => {
    const days = [
      ...data.administrations.filter((a) => a.USUBJID === p.USUBJID).map((a) => a.EXSTDY),
      ...(p.bestResponse?.assessments.map((a) => a.day) ?? []),
    ];
    return { patient: p.USUBJID, weeks: Math.max(1, ...days) / 7, best: p.bestResponse?.response ?? "not assessed" };
  });
  const points = analysis.patients.flatMap((p) =>
    (p.bestResponse?.assessments ?? []).map((a) => ({ patient: p.USUBJID, weeks: a.day / 7, response: a.response })),
  );
  const dlts = analysis.patients.flatMap((p) =>
    p.dlt.day === undefined ? [] : [{ patient: p.USUBJID, weeks: p.dlt.day / 7, event: "DLT" }],
  );
  const sort = [...bars].sort((a, b) => b.weeks - a.weeks).map((b) => b.patient);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Time on study and responses",
    width: WIDTH,
    height: { step: 14 },
    layer: [
      {
        data: { values: bars },
        mark: { type: "bar", height: 9, color: "#d9d9d9" },
        encoding: {
          y: { field: "patient", type: "nominal", sort, title: null },
          x: { field: "weeks", type: "quantitative", title: "Weeks from the first dose" },
          tooltip: [{ field: "patient" }, { field: "best", title: "best response" }],
        },
      },
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 50 },
        encoding: {
          y: { field: "patient", type: "nominal", sort },
          x: { field: "weeks", type: "quantitative" },
          color: {
            field: "response",
            type: "nominal",
            title: "Response",
            scale: {
              domain: ["CR", "PR", "MR", "SD", "non-CR/non-PD", "PD", "NE"],
              range: ["#006d2c", "#31a354", "#bcbd22", "#1f77b4", "#6baed6", "#d62728", "#7f7f7f"],
            },
          },
        },
      },
      // Each DLT at the day of its first event, as the legend says.
      ...(dlts.length === 0
        ? []
        : [
            {
              data: { values: dlts },
              mark: { type: "point", shape: "cross", filled: true, size: 90, color: "#000000" },
              encoding: {
                y: { field: "patient", type: "nominal", sort },
                x: { field: "weeks", type: "quantitative" },
                shape: { field: "event", type: "nominal", title: "Toxicity", scale: { domain: ["DLT"], range: ["cross"] } },
                tooltip: [{ field: "patient" }, { field: "event" }],
              },
            },
          ]),
    ],
  };
}

/** Best percentage change of the target-lesion sum per patient, with the −30% (PR) and +20% (PD) lines. */
export function waterfallPlot(analysis: TrialAnalysis): VegaLiteSpec | null {
  const values = analysis.patients
    .filter((p) => p.bestResponse?.bestPercentChange !== null && p.bestResponse?.bestPercentChange !== undefined)
    .map((p) => ({ patient: p.USUBJID, change: p.bestResponse!.bestPercentChange!, best: p.bestResponse!.response }));
  if (values.length === 0) return null;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Best change in the sum of target lesions",
    width: WIDTH,
    height: 220,
    layer: [
      {
        data: { values },
        mark: "bar",
        encoding: {
          x: { field: "patient", type: "nominal", sort: "-y", axis: { labels: false, ticks: false }, title: "Patients" },
          y: { field: "change", type: "quantitative", title: "Best % change from baseline" },
          color: {
            field: "best",
            type: "nominal",
            title: "Best response",
            scale: { domain: ["CR", "PR", "SD", "PD", "NE"], range: ["#006d2c", "#31a354", "#1f77b4", "#d62728", "#7f7f7f"] },
          },
          tooltip: [{ field: "patient" }, { field: "change", format: ".1f" }, { field: "best" }],
        },
      },
      {
        data: { values: [{ y: -30 }, { y: 20 }] },
        mark: { type: "rule", strokeDash: [4, 4] },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  };
}

/** Concentration–time per patient (log scale) with the terminal log-linear fit used for the half-life. */
export function pkPlot(data: TrialData): VegaLiteSpec | null {
  const samples = data.pk
    .map((s) => ({ patient: s.USUBJID, hours: s.PCELTM, concentration: s.PCSTRESN }))
    .filter((s) => s.concentration > 0);
  if (samples.length === 0) return null;
  const fits = [...new Set(data.pk.map((s) => s.USUBJID))].flatMap((id) => {
    const rows = data.pk.filter((s) => s.USUBJID === id).sort((a, b) => a.PCELTM - b.PCELTM);
    if (rows.length < 3) return [];
    const nca = nonCompartmental({ times: rows.map((r) => r.PCELTM), concentrations: rows.map((r) => r.PCSTRESN) });
    if (!nca.lambdaZ) return [];
    const { lambdaZ, intercept, points } = nca.lambdaZ;
    const times = rows
      .filter((r) => r.PCSTRESN > 0)
      .slice(-points)
      .map((r) => r.PCELTM);
    return [times[0]!, times.at(-1)!].map((hours) => ({ patient: id, hours, concentration: Math.exp(intercept - lambdaZ * hours) }));
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Concentration–time profiles with terminal fits",
    width: WIDTH,
    height: 240,
    layer: [
      {
        data: { values: samples },
        mark: { type: "point", filled: true },
        encoding: {
          x: { field: "hours", type: "quantitative", title: "Hours after the start of the first infusion" },
          y: { field: "concentration", type: "quantitative", scale: { type: "log" }, title: "Concentration (µg/mL)" },
          color: { field: "patient", type: "nominal" },
        },
      },
      {
        data: { values: fits },
        mark: { type: "line", strokeDash: [6, 3] },
        encoding: {
          x: { field: "hours", type: "quantitative" },
          y: { field: "concentration", type: "quantitative" },
          color: { field: "patient", type: "nominal" },
        },
      },
    ],
  };
}
