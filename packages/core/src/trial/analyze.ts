import { administeredAmount } from "../dosing/dose-amount.js";
import { doseIntensity } from "../dosing/schedule.js";
import {
  confirmedMyelomaResponse,
  type MyelomaAssessment,
  type MyelomaCriteria,
  type MyelomaResponse,
  myelomaResponse,
} from "../efficacy/myeloma.js";
import {
  type BestResponse,
  bestOverallResponse,
  type NonTargetStatus,
  overallResponse,
  sustainedResponses,
  targetResponse,
} from "../efficacy/recist.js";
import { nonCompartmental } from "../pk/nca.js";
import { type AdverseEvent, outcomeHistory, type PatientDlt, patientDltStatus } from "../safety/dlt.js";
import { worstLabGrade } from "../safety/grading.js";
import { clopperPearson } from "../stats/intervals.js";
import { parseWith, ValidationError, type ValidationIssue } from "../validation.js";
import { type TrialData, trialDataSchema } from "./schema.js";

/** SDTM study day of `date` for a patient whose first dose was on `firstDose` (no day 0). */
export function studyDayOn(date: string, firstDose: string): number {
  const days = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDose}T00:00:00Z`)) / 86_400_000);
  return days >= 0 ? days + 1 : days;
}

function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

/** Parses and checks a trial document: every field by the schema, then links between records. */
export function parseTrialData(input: unknown): TrialData {
  const data = parseWith(trialDataSchema, input, "trial data");
  const issues: ValidationIssue[] = [];
  const ids = new Set<string>();
  for (const [path, date] of [
    ["trial.dataCutDate", data.trial.dataCutDate],
    ...data.patients.map((p, i) => [`patients.${i}.RFXSTDTC`, p.RFXSTDTC]),
  ] as [string, string][]) {
    if (!isCalendarDate(date)) issues.push({ path, value: date, message: "must be a real calendar date" });
  }
  data.patients.forEach((patient, i) => {
    if (ids.has(patient.USUBJID)) issues.push({ path: `patients.${i}.USUBJID`, value: patient.USUBJID, message: "must be unique" });
    ids.add(patient.USUBJID);
    if (!data.trial.doseLevels.some((level) => level.level === patient.doseLevel)) {
      issues.push({
        path: `patients.${i}.doseLevel`,
        value: patient.doseLevel,
        message: `must be one of trial.doseLevels (${data.trial.doseLevels.map((l) => l.level).join(", ")})`,
      });
    }
  });
  for (const collection of ["administrations", "adverseEvents", "labs", "tumours", "pk"] as const) {
    data[collection].forEach((record, i) => {
      if (!ids.has(record.USUBJID))
        issues.push({ path: `${collection}.${i}.USUBJID`, value: record.USUBJID, message: "must be a patient listed in patients" });
    });
  }
  if (issues.length > 0) throw new ValidationError(issues, "trial data");
  return data;
}

export interface WorstGrade {
  term: string;
  grade: number;
  source: "AE" | "lab";
}

export interface PatientSummary {
  USUBJID: string;
  doseLevel: number;
  cohort: number;
  dosesReceived: number;
  totalMg: number;
  worstGrades: WorstGrade[];
  dlt: { status: PatientDlt["status"]; reason: string };
  /** RECIST 1.1 best overall response, or the confirmed myeloma response (IMWG/EBMT trials). */
  bestResponse: {
    response: BestResponse["response"] | MyelomaResponse;
    reasons: string[];
    /** The response at each assessment (RECIST overall response per visit), for swimmer plots and unconfirmed responses. */
    assessments: { day: number; response: string }[];
    /** From the first assessment of a confirmed CR/PR to progression (or censored at the last assessment). */
    durationOfResponse: { days: number; censored: boolean } | null;
    /** Best response SD: from the start of treatment to progression (or censored). */
    durationOfStableDisease: { days: number; censored: boolean } | null;
    /** Best (lowest) percentage change of the target-lesion sum from baseline (RECIST), for waterfall plots. */
    bestPercentChange: number | null;
  } | null;
  /** Terminal half-life in hours from NCA, null if not estimable or no PK. */
  halfLife: number | null;
  /** Against the schedule up to the data cut: planned mg per administration and relative dose intensity. */
  dosing: { cycles: number; plannedMg: number; relativeDoseIntensity: number; missed: number; delayed: number; reduced: number } | null;
}

export interface DoseLevelSummary {
  level: number;
  amount: number;
  unit: string;
  patients: number;
  dltEvaluable: number;
  dlts: number;
  pending: number;
  responders: number;
  /** Objective response rate among patients with a response assessment, with a 95% exact interval. */
  responseRate: { estimate: number; lower: number; upper: number; assessed: number } | null;
}

export interface TrialAnalysis {
  trial: string;
  dataCutDate: string;
  patients: PatientSummary[];
  doseLevels: DoseLevelSummary[];
  /** The design history ("1NNN 2NTN") from the DLT statuses, complete cohorts only. */
  outcomes: string;
}

function worstGrades(data: TrialData, id: string): WorstGrade[] {
  const worst = new Map<string, WorstGrade>();
  const offer = (term: string, grade: number, source: WorstGrade["source"]) => {
    const current = worst.get(term);
    if (!current || grade > current.grade) worst.set(term, { term, grade, source });
  };
  for (const event of data.adverseEvents) if (event.USUBJID === id) offer(event.AETERM, event.AETOXGR, "AE");
  const labs = data.labs.filter((lab) => lab.USUBJID === id);
  for (const lab of labs) {
    if (lab.LBBLFL === "Y") continue;
    const baseline = labs.find((b) => b.LBBLFL === "Y" && b.LBTESTCD === lab.LBTESTCD && b.LBSTRESU === lab.LBSTRESU);
    if (lab.LBSTRESN === undefined) continue;
    const graded = worstLabGrade({
      test: lab.LBTESTCD,
      value: lab.LBSTRESN,
      unit: lab.LBSTRESU,
      ...(lab.LBSTNRLO === undefined ? {} : { lln: lab.LBSTNRLO }),
      ...(lab.LBSTNRHI === undefined ? {} : { uln: lab.LBSTNRHI }),
      ...(baseline?.LBSTRESN === undefined ? {} : { baseline: baseline.LBSTRESN }),
    });
    if (graded.grade) offer(graded.term, graded.grade, "lab");
  }
  return [...worst.values()].sort((a, b) => b.grade - a.grade || a.term.localeCompare(b.term));
}

/**
 * Doses given against the schedule over the cycles the patient was treated in (up to the cycle of the
 * last administration, so a discontinuation is not counted as missed doses): planned mg from the dose
 * level and the patient's weight/BSA, missed, delayed and reduced administrations, relative dose
 * intensity, and the cycles received.
 */
function dosingOf(data: TrialData, patient: TrialData["patients"][number], doses: TrialData["administrations"]): PatientSummary["dosing"] {
  const level = data.trial.doseLevels.find((l) => l.level === patient.doseLevel)!;
  const day = studyDayOn(data.trial.dataCutDate, patient.RFXSTDTC);
  if (day < 1 || doses.length === 0) return null;
  const lastDay = Math.max(...doses.map((d) => d.EXSTDY));
  const cycles = Math.max(1, Math.ceil(lastDay / data.trial.schedule.cycleDays));
  const plannedMg = administeredAmount(level, patient.HEIGHT, patient.WEIGHT).mg;
  // A dose within 1% of plan counts as the planned dose (amounts are rounded in practice).
  const actual = doses.map((d) => ({ offset: d.EXSTDY - 1, amount: d.EXDOSE >= 0.99 * plannedMg ? plannedMg : d.EXDOSE }));
  const intensity = doseIntensity(data.trial.schedule, cycles, plannedMg, actual);
  return {
    cycles,
    plannedMg,
    relativeDoseIntensity: intensity.relativeDoseIntensity,
    missed: intensity.missed.filter((m) => m.offset < day).length,
    delayed: intensity.delayed.length,
    reduced: intensity.reduced.length,
  };
}

/**
 * Myeloma response from LB records: serum M-protein `SPEP` (g/dL), 24-h urine M-protein `UPEP` (mg/24 h),
 * immunofixation `IFE` (LBSTRESC NEGATIVE/POSITIVE) and marrow plasma cells `BMPC` (%); the baseline is
 * the LBBLFL = Y record. Each later day is assessed against the baseline and the nadir so far, then confirmed.
 */
function myelomaBestResponse(data: TrialData, id: string, criteria: MyelomaCriteria): PatientSummary["bestResponse"] {
  const labs = data.labs.filter((l) => l.USUBJID === id && ["SPEP", "UPEP", "IFE", "BMPC"].includes(l.LBTESTCD));
  const value = (records: typeof labs, test: string) => records.find((l) => l.LBTESTCD === test)?.LBSTRESN;
  const baselineRecords = labs.filter((l) => l.LBBLFL === "Y");
  const baseline: MyelomaAssessment = {};
  const serum = value(baselineRecords, "SPEP");
  const urine = value(baselineRecords, "UPEP");
  if (serum !== undefined) baseline.serumM = serum;
  if (urine !== undefined) baseline.urineM = urine;
  if (serum === undefined && urine === undefined) return null;
  const nadir: MyelomaAssessment = { ...baseline };
  const days = [...new Set(labs.filter((l) => l.LBBLFL !== "Y").map((l) => l.LBDY))].sort((a, b) => a - b);
  const series = days.map((day) => {
    const visit = labs.filter((l) => l.LBDY === day && l.LBBLFL !== "Y");
    const now: MyelomaAssessment = {};
    const s = value(visit, "SPEP");
    const u = value(visit, "UPEP");
    const plasma = value(visit, "BMPC");
    const ife = visit.find((l) => l.LBTESTCD === "IFE")?.LBSTRESC;
    if (s !== undefined) now.serumM = s;
    if (u !== undefined) now.urineM = u;
    if (plasma !== undefined) now.marrowPlasmaCells = plasma;
    if (ife !== undefined) now.immunofixationNegative = ife.toUpperCase() === "NEGATIVE";
    const result = myelomaResponse(criteria, baseline, nadir, now);
    if (s !== undefined && (nadir.serumM === undefined || s < nadir.serumM)) nadir.serumM = s;
    if (u !== undefined && (nadir.urineM === undefined || u < nadir.urineM)) nadir.urineM = u;
    return { day, response: result.response };
  });
  return {
    response: confirmedMyelomaResponse(criteria, series),
    reasons: series.map((s) => `day ${s.day}: ${s.response}`),
    assessments: series,
    durationOfResponse: null,
    durationOfStableDisease: null,
    bestPercentChange: null,
  };
}

/** RECIST 1.1 best overall response from TR records (baseline on or before day 1). */
function recistResponse(data: TrialData, id: string): PatientSummary["bestResponse"] {
  const records = data.tumours.filter((r) => r.USUBJID === id);
  const baseline = records.filter((r) => r.TRDY <= 1 && r.TRGRPID === "TARGET");
  const baselineNonTargets = [...new Set(records.filter((r) => r.TRGRPID === "NON-TARGET" && r.TRDY <= 1).map((r) => r.TRLNKID))];
  // Non-target disease only is assessed by Table 2; no baseline lesions at all, not at all.
  if (baseline.length === 0 && baselineNonTargets.length === 0) return null;
  const lesions = baseline.map((r) => ({ id: r.TRLNKID, organ: r.TRLOC, nodal: r.nodal, diameter: r.TRSTRESN ?? 0 }));
  const days = [...new Set(records.filter((r) => r.TRDY > 1).map((r) => r.TRDY))].sort((a, b) => a - b);
  let nadir = lesions.reduce((sum, lesion) => sum + lesion.diameter, 0);
  let bestPercentChange: number | null = null;
  const assessments = days.map((day) => {
    const visit = records.filter((r) => r.TRDY === day);
    const diameters = lesions.map((lesion) => visit.find((r) => r.TRGRPID === "TARGET" && r.TRLNKID === lesion.id)?.TRSTRESN ?? null);
    const target = lesions.length > 0 ? targetResponse(lesions, { diameters }, nadir) : null;
    if (target?.sum != null) nadir = Math.min(nadir, target.sum);
    if (target?.percentFromBaseline != null)
      bestPercentChange = Math.min(bestPercentChange ?? Number.POSITIVE_INFINITY, target.percentFromBaseline);
    // Each baseline non-target lesion is followed by its TRLNKID: one not assessed at this visit makes
    // the non-target response NE (not all evaluated), unless another shows unequivocal progression.
    const nonTargets = baselineNonTargets.map(
      (id) => visit.find((r) => r.TRGRPID === "NON-TARGET" && r.TRLNKID === id)?.TRSTRESC ?? "NOT EVALUATED",
    );
    let nonTarget: NonTargetStatus | null = null;
    if (baselineNonTargets.length > 0) {
      if (visit.some((r) => r.TRGRPID === "NON-TARGET" && r.TRSTRESC === "UNEQUIVOCAL PROGRESSION")) nonTarget = "PD";
      else if (nonTargets.includes("NOT EVALUATED")) nonTarget = "NE";
      else if (nonTargets.every((status) => status === "ABSENT")) nonTarget = "CR";
      else nonTarget = "non-CR/non-PD";
    }
    const newLesion = visit.some((r) => r.TRGRPID === "NEW");
    return { day, response: overallResponse(target?.response ?? null, nonTarget, newLesion) };
  });
  const best = bestOverallResponse(assessments, data.trial.recist);
  const timePoints = sustainedResponses(assessments, data.trial.recist);
  return {
    response: best.response,
    reasons: best.reasons,
    assessments: timePoints,
    durationOfResponse: best.durationOfResponse,
    durationOfStableDisease: best.durationOfStableDisease,
    bestPercentChange,
  };
}

/**
 * Per patient: doses received, worst grade per term (AEs and CTCAE-graded labs), DLT status at the data
 * cut, RECIST 1.1 best overall response, terminal half-life; per dose level: patients, DLT-evaluable,
 * DLTs, pending, responders and the response rate; and the design history from the DLT statuses.
 */
export function analyzeTrial(input: unknown): TrialAnalysis {
  return analyzeTrialData(parseTrialData(input));
}

/** `analyzeTrial` for data already parsed by `parseTrialData`. */
export function analyzeTrialData(data: TrialData): TrialAnalysis {
  const { trial } = data;
  const definition = {
    windowDays: trial.dlt.windowDays,
    requiredDoses: trial.dlt.requiredDoses,
    rules: trial.dlt.rules,
    excludedTerms: trial.dlt.excludedTerms ?? [],
  };
  const statuses: PatientDlt[] = [];
  const patients: PatientSummary[] = data.patients.map((patient) => {
    const id = patient.USUBJID;
    const doses = data.administrations.filter((a) => a.USUBJID === id);
    const events: AdverseEvent[] = data.adverseEvents
      .filter((e) => e.USUBJID === id)
      .map((e) => ({
        USUBJID: id,
        AETERM: e.AETERM,
        AETOXGR: e.AETOXGR,
        related: e.AEREL === "Y",
        AESER: e.AESER === "Y",
        AESTDY: e.AESTDY,
        ...(e.AEENDY === undefined ? {} : { AEENDY: e.AEENDY }),
        category: e.AECAT,
        ...(e.DLTFL === undefined ? {} : { adjudicatedDlt: e.DLTFL === "Y" }),
      }));
    const dosesInWindow = doses.filter((d) => d.EXSTDY >= 1 && d.EXSTDY <= trial.dlt.windowDays && d.EXDOSE > 0).length;
    const status = patientDltStatus(id, events, dosesInWindow, studyDayOn(trial.dataCutDate, patient.RFXSTDTC), definition);
    statuses.push(status);
    const samples = data.pk.filter((s) => s.USUBJID === id).sort((a, b) => a.PCELTM - b.PCELTM);
    let halfLife: number | null = null;
    if (samples.length >= 3) {
      const nca = nonCompartmental({ times: samples.map((s) => s.PCELTM), concentrations: samples.map((s) => s.PCSTRESN) });
      halfLife = nca.lambdaZ?.halfLife ?? null;
    }
    return {
      USUBJID: id,
      dosing: dosingOf(data, patient, doses),
      doseLevel: patient.doseLevel,
      cohort: patient.cohort,
      dosesReceived: doses.filter((d) => d.EXDOSE > 0).length,
      totalMg: doses.reduce((sum, d) => sum + d.EXDOSE, 0),
      worstGrades: worstGrades(data, id),
      dlt: { status: status.status, reason: status.reason },
      bestResponse: trial.responseCriteria === "RECIST" ? recistResponse(data, id) : myelomaBestResponse(data, id, trial.responseCriteria),
      halfLife,
    };
  });
  const doseLevels = trial.doseLevels.map((level): DoseLevelSummary => {
    const members = patients.filter((p) => p.doseLevel === level.level);
    const assessed = members.filter((p) => p.bestResponse !== null);
    // Objective response: CR or PR (for myeloma also sCR and VGPR; a minimal response does not count).
    const responders = assessed.filter((p) => ["sCR", "CR", "VGPR", "PR"].includes(p.bestResponse!.response)).length;
    const interval = assessed.length > 0 ? clopperPearson(responders, assessed.length) : null;
    return {
      level: level.level,
      amount: level.amount,
      unit: level.unit,
      patients: members.length,
      dltEvaluable: members.filter((p) => p.dlt.status === "DLT" || p.dlt.status === "no DLT").length,
      dlts: members.filter((p) => p.dlt.status === "DLT").length,
      pending: members.filter((p) => p.dlt.status === "pending").length,
      responders,
      responseRate: interval && { estimate: interval.estimate, lower: interval.lower, upper: interval.upper, assessed: assessed.length },
    };
  });
  const history = outcomeHistory(
    data.patients.map((p) => ({ USUBJID: p.USUBJID, doseLevel: p.doseLevel, cohort: p.cohort })),
    statuses,
  );
  return { trial: trial.id, dataCutDate: trial.dataCutDate, patients, doseLevels, outcomes: history.outcomes };
}
