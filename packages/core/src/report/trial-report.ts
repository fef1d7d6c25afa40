import { createDesign } from "../designs/design.js";
import { clopperPearson } from "../stats/intervals.js";
import { analyzeTrialData, parseTrialData, type TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";
import { ValidationError } from "../validation.js";

/** The report's JSON (the field names are a contract: scripts read them). */
export interface TrialReport {
  trial: string;
  enrolled: number;
  doseLevels: { label: string; patients: number; dlts: number }[];
  /** The MTD's label, computed by the trial's design from the patients' DLTs; null if not established. */
  mtd: string | null;
  mtdEstablished: boolean;
  bestResponse: { CR: number; PR: number; MR: number; SD: number; PD: number; NE: number };
  orr: { responders: number; evaluable: number; estimate: number | null; lower: number | null; upper: number | null };
  /** Median terminal half-life in days over the patients with PK, or null. */
  halfLifeDays: number | null;
}

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
  if (data.trial.design) {
    const design = createDesign({ ...data.trial.design, doses: data.trial.doseLevels.map((level) => ({ label: doseLabel(level) })) });
    const decision = design.decide(analysis.outcomes, { estimates: false });
    mtd = decision.mtd === null ? null : design.doseLabels[decision.mtd - 1]!;
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
      doseLevels: analysis.doseLevels.map((level) => ({ label: labels.get(level.level)!, patients: level.patients, dlts: level.dlts })),
      mtd,
      mtdEstablished: mtd !== null,
      bestResponse,
      orr: { responders, evaluable, estimate: interval?.estimate ?? null, lower: interval?.lower ?? null, upper: interval?.upper ?? null },
      halfLifeDays: median(analysis.patients.flatMap((p) => (p.halfLife === null ? [] : [p.halfLife / 24]))),
    },
    analysis,
    data,
  };
}
