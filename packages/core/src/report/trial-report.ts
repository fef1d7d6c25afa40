import { createDesign, type Design } from "../designs/design.js";
import { type RoseDecision, roseDecision } from "../randomized/rose.js";
import { outcomeHistory } from "../safety/dlt.js";
import { clopperPearson } from "../stats/intervals.js";
import { analyzeTrialData, isResponder, parseTrialData, type TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";
import { ValidationError } from "../validation.js";

/** The report's JSON (the field names are a contract: scripts read them). */
export interface TrialReport {
  trial: string;
  enrolled: number;
  /**
   * Per dose level: DLTs among DLT-evaluable patients and responders among patients assessed for
   * response, each rate with its exact (Clopper–Pearson) 95% interval (null with no patient to count).
   */
  doseLevels: {
    label: string;
    patients: number;
    dlts: number;
    dltEvaluable: number;
    toxicity: Interval | null;
    assessed: number;
    responders: number;
    efficacy: Interval | null;
  }[];
  /**
   * Efficacy-aware designs (BOIN12): each dose's rank-based desirability score (null: inadmissible) and
   * the optimal biological dose from the data so far.
   */
  desirability?: { label: string; score: number | null }[];
  obd?: string | null;
  /** A randomized dose comparison after dose finding (patients with an arm): responses by arm and the ROSE decision. */
  comparison: {
    arms: { arm: number; label: string; patients: number; assessed: number; responders: number; efficacy: Interval | null }[];
    decision: RoseDecision;
  } | null;
  /** The MTD's label, computed by the trial's design from the patients' DLTs; null if not established. */
  mtd: string | null;
  mtdEstablished: boolean;
  bestResponse: { CR: number; PR: number; MR: number; SD: number; PD: number; NE: number };
  orr: { responders: number; evaluable: number; estimate: number | null; lower: number | null; upper: number | null };
  /** Median terminal half-life in days over the patients with PK, or null. */
  halfLifeDays: number | null;
}

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

const exactInterval = (successes: number, n: number): Interval | null => (n > 0 ? clopperPearson(successes, n) : null);

export function doseLabel(level: TrialData["trial"]["doseLevels"][number]): string {
  return level.label ?? `${level.amount} ${level.unit}`;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Best-response categories as reported: sCR counts as CR, VGPR as PR, non-CR/non-PD as SD. */
function category(response: string): keyof TrialReport["bestResponse"] {
  if (response === "sCR" || response === "CR") return "CR";
  if (response === "VGPR" || response === "PR") return "PR";
  if (response === "MR") return "MR";
  if (response === "SD" || response === "non-CR/non-PD") return "SD";
  if (response === "PD") return "PD";
  return "NE";
}

/**
 * The findings of a trial computed from its patient data: enrolment and DLTs per dose level, the MTD
 * as the trial's design declares it from the DLT history, best responses, the objective response rate
 * with its exact 95% interval (optionally over chosen dose levels only), and the median half-life.
 */
export function trialReport(
  input: unknown,
  options: { doses?: readonly string[] } = {},
): { report: TrialReport; analysis: TrialAnalysis; data: TrialData } {
  const data = parseTrialData(input);
  const analysis = analyzeTrialData(data);
  const labels = new Map(data.trial.doseLevels.map((level) => [level.level, doseLabel(level)]));
  if (options.doses) {
    const unknown = options.doses.filter((label) => ![...labels.values()].includes(label));
    if (unknown.length > 0) {
      throw new ValidationError(
        [{ path: "doses", value: unknown, message: `must name dose levels of the trial (${[...labels.values()].join(", ")})` }],
        "report",
      );
    }
  }
  let mtd: string | null = null;
  let design: Design | null = null;
  let efficacyAware: Pick<TrialReport, "desirability" | "obd"> = {};
  if (data.trial.design) {
    design = createDesign({ ...data.trial.design, doses: data.trial.doseLevels.map((level) => ({ label: doseLabel(level) })) });
    const decision = design.decide(efficacyHistory(design, data, analysis), { estimates: false });
    mtd = decision.mtd === null ? null : design.doseLabels[decision.mtd - 1]!;
    if (decision.rds !== undefined)
      efficacyAware = {
        desirability: decision.rds.map((entry) => ({ label: design!.doseLabels[entry.dose - 1]!, score: entry.score })),
        obd: decision.obd == null ? null : design.doseLabels[decision.obd - 1]!,
      };
  }
  const chosen = analysis.patients.filter((p) => !options.doses || options.doses.includes(labels.get(p.doseLevel)!));
  const bestResponse = { CR: 0, PR: 0, MR: 0, SD: 0, PD: 0, NE: 0 };
  for (const patient of chosen) if (patient.bestResponse) bestResponse[category(patient.bestResponse.response)]++;
  const evaluable = chosen.filter((p) => p.bestResponse !== null).length;
  const responders = bestResponse.CR + bestResponse.PR;
  const interval = evaluable > 0 ? clopperPearson(responders, evaluable) : null;
  return {
    report: {
      trial: data.trial.id,
      enrolled: data.patients.length,
      doseLevels: analysis.doseLevels.map((level) => {
        const members = analysis.patients.filter((p) => p.doseLevel === level.level);
        const assessed = members.filter((p) => p.bestResponse !== null).length;
        const responders = members.filter(isResponder).length;
        return {
          label: labels.get(level.level)!,
          patients: level.patients,
          dlts: level.dlts,
          dltEvaluable: level.dltEvaluable,
          toxicity: exactInterval(level.dlts, level.dltEvaluable),
          assessed,
          responders,
          efficacy: exactInterval(responders, assessed),
        };
      }),
      ...efficacyAware,
      mtd,
      mtdEstablished: mtd !== null,
      bestResponse,
      orr: { responders, evaluable, estimate: interval?.estimate ?? null, lower: interval?.lower ?? null, upper: interval?.upper ?? null },
      halfLifeDays: median(analysis.patients.flatMap((p) => (p.halfLife === null ? [] : [p.halfLife / 24]))),
      comparison: comparisonOf(design, data, analysis, labels),
    },
    analysis,
    data,
  };
}

/** The design's history with responders written E (or B): what efficacy-aware designs decide from. */
function efficacyHistory(design: Design, data: TrialData, analysis: TrialAnalysis): string {
  if (!design.module.capabilities.efficacyAware) return analysis.outcomes;
  return outcomeHistory(
    data.patients.map((p) => ({
      USUBJID: p.USUBJID,
      doseLevel: p.doseLevel,
      cohort: p.cohort,
      backfill: p.backfill === true,
      randomized: p.randomizedArm !== undefined,
    })),
    analysis.patients.map((p) => ({ USUBJID: p.USUBJID, status: p.dlt.status, dlts: [], reason: p.dlt.reason, followedDays: 0 })),
    { responders: new Set(analysis.patients.filter(isResponder).map((p) => p.USUBJID)) },
  ).outcomes;
}

/** Responses by arm among randomized patients, and the ROSE decision on those assessed so far. */
function comparisonOf(
  design: Design | null,
  data: TrialData,
  analysis: TrialAnalysis,
  labels: Map<number, string>,
): TrialReport["comparison"] {
  const rose = design?.engine.rules.randomized?.rose;
  const randomized = data.patients.filter((p) => p.randomizedArm !== undefined);
  if (!rose || randomized.length === 0) return null;
  const summaries = new Map(analysis.patients.map((p) => [p.USUBJID, p]));
  const armCount = Math.max(...randomized.map((p) => p.randomizedArm!));
  const arms = Array.from({ length: armCount }, (_, i) => {
    const members = randomized.filter((p) => p.randomizedArm === i + 1);
    const assessedMembers = members.filter((p) => (summaries.get(p.USUBJID)?.bestResponse ?? null) !== null);
    const responders = assessedMembers.filter((p) => isResponder(summaries.get(p.USUBJID)!)).length;
    return {
      arm: i + 1,
      label: members.length > 0 ? labels.get(members[0]!.doseLevel)! : "",
      patients: members.length,
      assessed: assessedMembers.length,
      responders,
      efficacy: exactInterval(responders, assessedMembers.length),
    };
  });
  const decision = roseDecision(
    { ...rose, arms: armCount },
    arms.map((a) => a.responders),
    arms.map((a) => a.assessed),
    arms.map((a) => a.label),
  );
  return { arms, decision };
}

/** Words of a note as plain text (`text: value.`). */
export const noteText = (note: ReportNote) => (note.value === undefined ? note.text : `${note.text}: ${note.value}.`);

/** A table of a report as every renderer shows it (CLI Markdown, HTML, the web app): words and numbers already formatted. */
export interface ReportTable {
  caption: string;
  headers: string[];
  rows: string[][];
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const withInterval = (i: Interval | null) => (i === null ? "—" : `${percent(i.estimate)} (${percent(i.lower)}–${percent(i.upper)})`);

/**
 * The report's dose-optimization tables and sentences, built once: toxicity and efficacy by dose with
 * exact 95% intervals (and desirability scores for efficacy-aware designs), the MTD and OBD, and the
 * randomized comparison with its ROSE decision.
 */
/** A sentence of a report: `text`, and the finding renderers emphasise (`text: **value**.`). */
export interface ReportNote {
  text: string;
  value?: string;
}

export function doseOptimizationTables(report: TrialReport): { byDose: ReportTable; comparison: ReportTable | null; notes: ReportNote[] } {
  const scores = report.desirability;
  const byDose: ReportTable = {
    caption: "Toxicity and efficacy by dose level (exact 95% intervals)",
    headers: [
      "Dose level",
      "Patients",
      "DLTs / evaluable",
      "DLT rate (95% CI)",
      "Responders / assessed",
      "Response rate (95% CI)",
      ...(scores ? ["Desirability (RDS)"] : []),
    ],
    rows: report.doseLevels.map((level, i) => [
      level.label,
      String(level.patients),
      `${level.dlts} / ${level.dltEvaluable}`,
      withInterval(level.toxicity),
      `${level.responders} / ${level.assessed}`,
      withInterval(level.efficacy),
      ...(scores ? [scores[i]?.score === null || scores[i] === undefined ? "inadmissible" : String(scores[i]!.score)] : []),
    ]),
  };
  const notes: ReportNote[] = [
    report.mtdEstablished
      ? { text: "MTD (declared by the design from the DLT history)", value: report.mtd! }
      : { text: "MTD: not established." },
  ];
  if (report.obd !== undefined)
    notes.push(
      report.obd === null
        ? { text: "Optimal biological dose: none admissible." }
        : { text: "Optimal biological dose (the design's utility among admissible doses)", value: report.obd },
    );
  const comparison = report.comparison && {
    caption: "Randomized dose comparison (ROSE)",
    headers: ["Arm", "Dose level", "Randomized", "Responders / assessed", "Response rate (95% CI)"],
    rows: report.comparison.arms.map((arm) => [
      String(arm.arm),
      arm.label,
      String(arm.patients),
      `${arm.responders} / ${arm.assessed}`,
      withInterval(arm.efficacy),
    ]),
  };
  if (report.comparison) {
    const { decision } = report.comparison;
    notes.push({
      text: `Randomized comparison${decision.action === "select" ? ` (${decision.stage} analysis)` : ""}: ${decision.reasons.join(" ")}`,
    });
  }
  return { byDose, comparison, notes };
}
