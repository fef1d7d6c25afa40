import { logisticFit, powerModel } from "../pk/exposure.js";
import { isResponder, type TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";
import type { ReportNote, ReportTable } from "./trial-report.js";
import { doseLabel } from "./trial-report.js";

/**
 * Exposure by dose level for each analyte of the ADC (geometric means of Cmax and AUC, median
 * half-life), dose proportionality by the power model with its 95% interval, and exposure–response
 * (DLT and objective response against ln AUC) by logistic regression — the comparisons dosage
 * optimization reviews weigh. Built once for the CLI, HTML and web reports.
 */
export function exposureTables(data: TrialData, analysis: TrialAnalysis): { tables: ReportTable[]; notes: ReportNote[] } {
  const analytes = [...new Set(analysis.patients.flatMap((p) => p.pk.map((r) => r.analyte)))];
  const tables: ReportTable[] = [];
  const notes: ReportNote[] = [];
  const fixed = (x: number, digits = 3) => Number(x.toPrecision(digits)).toString();
  const geometricMean = (values: number[]) => Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const m = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  };
  for (const analyte of analytes) {
    const rows = data.trial.doseLevels.flatMap((level) => {
      const results = analysis.patients
        .filter((p) => p.doseLevel === level.level)
        .flatMap((p) => p.pk.filter((r) => r.analyte === analyte));
      if (results.length === 0) return [];
      const halfLives = results.flatMap((r) => (r.halfLife === null ? [] : [r.halfLife]));
      return [
        [
          doseLabel(level),
          String(results.length),
          fixed(geometricMean(results.map((r) => r.cmax))),
          fixed(geometricMean(results.map((r) => r.aucLast))),
          halfLives.length === 0 ? "—" : fixed(median(halfLives)),
        ],
      ];
    });
    const unit = analysis.patients.flatMap((p) => p.pk.filter((r) => r.analyte === analyte))[0]?.unit ?? "";
    tables.push({
      caption: `Exposure of ${analyte} by dose level (geometric means; NCA)`,
      headers: ["Dose level", "Patients with PK", `Cmax (${unit})`, `AUClast (${unit}·h)`, "t½ median (h)"],
      rows,
    });
    // Dose proportionality: every patient's AUC against the dose amount of their level.
    const points = analysis.patients.flatMap((p) => {
      const result = p.pk.find((r) => r.analyte === analyte);
      const amount = data.trial.doseLevels.find((l) => l.level === p.doseLevel)?.amount;
      return result && amount && result.aucLast > 0 ? [{ dose: amount, auc: result.aucLast, patient: p }] : [];
    });
    const model = powerModel(
      points.map((p) => p.dose),
      points.map((p) => p.auc),
    );
    if (model === null) notes.push({ text: `Dose proportionality of ${analyte}: not estimable (AUC at a single dose level)` });
    else {
      const interval = model.lower === null ? "" : ` (95% CI ${fixed(model.lower)} to ${fixed(model.upper!)})`;
      const verdict =
        model.lower === null
          ? ""
          : model.lower > 1
            ? ": more than proportional"
            : model.upper! < 1
              ? ": less than proportional"
              : ": consistent with proportionality";
      notes.push({
        text: `Dose proportionality of ${analyte} AUC (power model, ${model.n} patients)`,
        value: `slope ${fixed(model.slope)}${interval}${verdict}`,
      });
    }
    // Exposure–response: DLT (DLT-evaluable patients) and objective response (assessed) against ln AUC.
    for (const [outcome, eligible, event] of [
      [
        "DLT",
        (p: (typeof points)[number]["patient"]) => p.dlt.status === "DLT" || p.dlt.status === "no DLT",
        (p: (typeof points)[number]["patient"]) => p.dlt.status === "DLT",
      ],
      ["objective response", (p: (typeof points)[number]["patient"]) => p.bestResponse !== null, isResponder],
    ] as const) {
      const used = points.filter((p) => eligible(p.patient));
      const fit = logisticFit(
        used.map((p) => Math.log(p.auc)),
        used.map((p) => event(p.patient)),
      );
      const perDoubling = (b: number) => fixed(Math.exp(b * Math.LN2));
      notes.push(
        fit === null
          ? {
              text: `Exposure–response of ${outcome} on ${analyte} AUC: not estimable (${used.length} patients; no events, all events, or complete separation)`,
            }
          : {
              text: `Exposure–response of ${outcome} on ${analyte} AUC (logistic, ${fit.n} patients, ${fit.events} with ${outcome})`,
              value: `odds ratio per doubling of AUC ${perDoubling(fit.slope)} (95% CI ${perDoubling(fit.lower)} to ${perDoubling(fit.upper)})`,
            },
      );
    }
  }
  return { tables, notes };
}
