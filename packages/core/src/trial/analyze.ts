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
import { CTCAE_V5 } from "../safety/ctcae-v5.js";
import { type AdverseEvent, outcomeHistory, type PatientDlt, patientDltStatus } from "../safety/dlt.js";
import { worstLabGrade } from "../safety/grading.js";
import { clopperPearson } from "../stats/intervals.js";
import { canonicalTestCode, convertValue, readUnit } from "../units/units.js";
import { parseWith, ValidationError, type ValidationIssue } from "../validation.js";
import {
  administrationSchema,
  adverseEventSchema,
  compoundSchema,
  labSchema,
  patientSchema,
  pkSchema,
  type TrialData,
  trialDataSchema,
  trialInfoSchema,
  tumourSchema,
} from "./schema.js";

/** SDTM study day of `date` for a patient whose first dose was on `firstDose` (no day 0). */
export function studyDayOn(date: string, firstDose: string): number {
  const days = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDose}T00:00:00Z`)) / 86_400_000);
  return days >= 0 ? days + 1 : days;
}

/** The ISO 8601 date of study day `day` for a patient whose first dose was `firstDose` (day 1; no day 0): `studyDayOn`'s inverse. */
export function dateOfStudyDay(firstDose: string, day: number): string {
  const offset = day >= 1 ? day - 1 : day;
  return new Date(Date.parse(`${firstDose}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** Parses and checks a trial document: every field by the schema, then links between records. */
export function parseTrialData(input: unknown): TrialData {
  const data = parseWith(trialDataSchema, input, "trial data");
  const issues: ValidationIssue[] = [];
  const ids = new Set<string>();
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

/** The trial document's record collections, in the order patients' data are read. */
export const RECORD_COLLECTIONS = ["administrations", "adverseEvents", "labs", "tumours", "pk"] as const;
export type RecordCollection = (typeof RECORD_COLLECTIONS)[number];
const RECORD_SCHEMAS = {
  administrations: administrationSchema,
  adverseEvents: adverseEventSchema,
  labs: labSchema,
  tumours: tumourSchema,
  pk: pkSchema,
} as const;

/**
 * One patient's data that could not be used, and why: the record (its collection and its index in the
 * document, or its stored id), the field, the value and what is allowed. The rest of the trial is
 * analysed without it.
 */
export interface DataProblem {
  USUBJID: string;
  collection: "patients" | RecordCollection;
  /** The record's id where the caller gave ids (a stored record), else its index in the collection; absent when no one record is at fault. */
  record?: string | number;
  path: string;
  value?: unknown;
  message: string;
}

/**
 * Reads a trial document record by record: the compound and the trial (the design, dose levels, DLT
 * definition) must be valid, as in `parseTrialData`; a patient or record that is not is left out and
 * reported as a problem, so one patient's bad data never stops the analysis of the others. A patient
 * left out takes their records along. `ids` names the records (e.g. database ids) in problems.
 */
export function readTrialData(
  input: { compound: unknown; trial: unknown } & Partial<Record<"patients" | RecordCollection, unknown[]>>,
  ids: Partial<Record<"patients" | RecordCollection, readonly string[]>> = {},
): { data: TrialData; problems: DataProblem[] } {
  // The study itself must be valid (as in parseTrialData): its problems are named from the document's root.
  const section = <S extends Parameters<typeof parseWith>[0]>(schema: S, value: unknown, name: string) => {
    try {
      return parseWith(schema, value, name);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        error.issues.map((issue) => ({ ...issue, path: issue.path ? `${name}.${issue.path}` : name })),
        "trial data",
      );
    }
  };
  const compound = section(compoundSchema, input.compound, "compound");
  const trial = section(trialInfoSchema, input.trial, "trial");
  const base = parseTrialData({ compound, trial });
  const problems: DataProblem[] = [];
  const usubjidOf = (record: unknown) => String((record as { USUBJID?: unknown } | null)?.USUBJID ?? "");
  const attempt = <T>(collection: DataProblem["collection"], schema: { safeParse: unknown }, record: unknown, index: number): T | null => {
    try {
      return parseWith(schema as Parameters<typeof parseWith>[0], record) as T;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const ref = ids[collection]?.[index] ?? index;
      for (const issue of error.issues) problems.push({ USUBJID: usubjidOf(record), collection, record: ref, ...issue });
      return null;
    }
  };
  const patients: TrialData["patients"] = [];
  for (const [index, record] of (input.patients ?? []).entries()) {
    const patient = attempt<TrialData["patients"][number]>("patients", patientSchema, record, index);
    if (!patient) continue;
    const ref = ids.patients?.[index] ?? index;
    if (patients.some((p) => p.USUBJID === patient.USUBJID))
      problems.push({
        USUBJID: patient.USUBJID,
        collection: "patients",
        record: ref,
        path: "USUBJID",
        value: patient.USUBJID,
        message: "must be unique",
      });
    else if (!base.trial.doseLevels.some((level) => level.level === patient.doseLevel))
      problems.push({
        USUBJID: patient.USUBJID,
        collection: "patients",
        record: ref,
        path: "doseLevel",
        value: patient.doseLevel,
        message: `must be one of trial.doseLevels (${base.trial.doseLevels.map((l) => l.level).join(", ")})`,
      });
    else patients.push(patient);
  }
  const today = new Map(patients.map((p) => [p.USUBJID, studyDayOn(base.trial.dataCutDate, p.RFXSTDTC)]));
  const rejected = new Set(problems.map((p) => p.USUBJID));
  const data: TrialData = { ...base, patients };
  const pkTimes = new Set<string>();
  for (const collection of RECORD_COLLECTIONS) {
    const kept: unknown[] = [];
    for (const [index, record] of (input[collection] ?? []).entries()) {
      const usubjid = usubjidOf(record);
      // The records of a patient left out go with them (the patient's own problem says why).
      if (rejected.has(usubjid) && !today.has(usubjid)) continue;
      const parsed = attempt<Record<string, unknown>>(collection, RECORD_SCHEMAS[collection], record, index);
      if (parsed === null) continue;
      const problem = (path: string, value: unknown, message: string) =>
        problems.push({ USUBJID: usubjid, collection, record: ids[collection]?.[index] ?? index, path, value, message });
      const day = today.get(usubjid);
      if (day === undefined) {
        problem("USUBJID", usubjid, "must be a patient listed in patients");
        continue;
      }
      const late = afterDataCut(collection, parsed, day);
      if (late) {
        problem(late.path, late.value, `must not be after the data cut ${base.trial.dataCutDate} (study day ${day})`);
        continue;
      }
      if (collection === "labs") {
        // Kept (its other fields stand), but named: an unreadable unit is never a silent drop.
        const unit = readUnit(String(parsed.LBSTRESU), String(parsed.LBTESTCD));
        if (!unit.ok) problem("LBSTRESU", parsed.LBSTRESU, `cannot be read: ${unit.reason}`);
      }
      if (collection === "pk") {
        // One sample per analyte and time point (an ADC is measured as several analytes at each time).
        const key = `${usubjid}\u0000${String(parsed.PCTESTCD)}\u0000${String(parsed.PCELTM)}`;
        if (pkTimes.has(key)) {
          problem(
            "PCELTM",
            parsed.PCELTM,
            `must be unique per patient and analyte: another ${String(parsed.PCTESTCD)} sample has this time point`,
          );
          continue;
        }
        pkTimes.add(key);
      }
      kept.push(parsed);
    }
    (data as Record<RecordCollection, unknown[]>)[collection] = kept;
  }
  return { data, problems };
}

/** The time field of a record that lies after study day `today` (the data cut), if any. */
export function afterDataCut(
  collection: RecordCollection,
  record: Record<string, unknown>,
  today: number,
): { path: string; value: number } | null {
  const fields = { administrations: ["EXSTDY"], adverseEvents: ["AESTDY", "AEENDY"], labs: ["LBDY"], tumours: ["TRDY"], pk: [] }[
    collection
  ];
  for (const path of fields) {
    const value = record[path];
    if (typeof value === "number" && value > today) return { path, value };
  }
  // PK times are hours after the first infusion: hour h falls on study day floor(h / 24) + 1.
  if (collection === "pk" && typeof record.PCELTM === "number" && Math.floor(record.PCELTM / 24) + 1 > today)
    return { path: "PCELTM", value: record.PCELTM };
  return null;
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
  /** Every post-baseline lab record with its CTCAE grade, or null and why it cannot be graded. */
  labGrades: LabRecordGrade[];
  /** Every adverse event as reported: term, study days, CTCAE grade. */
  aeGrades: { term: string; startDay: number; endDay: number | null; grade: number; serious: boolean; related: boolean }[];
  /** The DLT status at the data cut; with a DLT, the study day of the first event that was one. */
  dlt: { status: PatientDlt["status"]; reason: string; day?: number };
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
  /** Terminal half-life in hours from NCA, null if not estimable or no PK (the first analyte's: ADC when measured). */
  halfLife: number | null;
  /** NCA per analyte (hours; concentrations in the samples' unit, AUC in unit·h). */
  pk: { analyte: string; unit: string; cmax: number; tmax: number; aucLast: number; aucInf: number | null; halfLife: number | null }[];
  /** Against the schedule up to the data cut: planned mg per administration and relative dose intensity. */
  dosing: { cycles: number; plannedMg: number; relativeDoseIntensity: number; missed: number; delayed: number; reduced: number } | null;
  /** This patient's data that could not be read or analysed (the rest of the summary stands without it). */
  problems: DataProblem[];
}

export interface LabRecordGrade {
  /** LBTESTCD as recorded. */
  test: string;
  day: number;
  value: number | null;
  unit: string;
  /** The CTCAE term graded (the worse of a test's low and high terms), null when none applies. */
  term: string | null;
  grade: number | null;
  reason: string;
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

/** Objective response: CR or PR (for myeloma also sCR and VGPR; a minimal response does not count). */
const OBJECTIVE_RESPONSES: ReadonlySet<string> = new Set(["sCR", "CR", "VGPR", "PR"]);
export const isResponder = (patient: Pick<PatientSummary, "bestResponse">): boolean =>
  patient.bestResponse !== null && OBJECTIVE_RESPONSES.has(patient.bestResponse.response);

export interface TrialAnalysis {
  trial: string;
  dataCutDate: string;
  patients: PatientSummary[];
  doseLevels: DoseLevelSummary[];
  /** The design history ("1NNN 2NTN") from the DLT statuses, complete cohorts only. */
  outcomes: string;
  /** Every patient's problems, including those of patients left out because their registration is unreadable. */
  problems: DataProblem[];
}

/**
 * Every post-baseline lab record graded by CTCAE v5.0 (the worst of its terms), null with the reason
 * when it cannot be: no criterion for the test, an unreadable unit, no numeric result, a reference
 * limit missing. The baseline is the patient's LBBLFL = Y record of the same test (site codes read as
 * SDTM's, e.g. ANC as NEUT), converted into the record's unit.
 */
function labGradesOf(data: TrialData, id: string): LabRecordGrade[] {
  const labs = data.labs.filter((lab) => lab.USUBJID === id);
  return labs
    .filter((lab) => lab.LBBLFL !== "Y")
    .map((lab) => {
      const test = canonicalTestCode(lab.LBTESTCD);
      const row = { test: lab.LBTESTCD, day: lab.LBDY, value: lab.LBSTRESN ?? null, unit: lab.LBSTRESU };
      if (lab.LBSTRESN === undefined)
        return { ...row, term: null, grade: null, reason: `no numeric result${lab.LBSTRESC ? ` (${lab.LBSTRESC})` : ""}` };
      const baselineRecord = labs.find((b) => b.LBBLFL === "Y" && canonicalTestCode(b.LBTESTCD) === test && b.LBSTRESN !== undefined);
      const baseline = baselineRecord && convertValue(baselineRecord.LBSTRESN!, baselineRecord.LBSTRESU, lab.LBSTRESU, test);
      const graded = worstLabGrade({
        test,
        value: lab.LBSTRESN,
        unit: lab.LBSTRESU,
        ...(lab.LBSTNRLO === undefined ? {} : { lln: lab.LBSTNRLO }),
        ...(lab.LBSTNRHI === undefined ? {} : { uln: lab.LBSTNRHI }),
        ...(baseline?.ok ? { baseline: baseline.value } : {}),
      });
      // A test the criteria do not cover (e.g. a response measure such as SPEP) has no term.
      const covered = CTCAE_V5.criteria.some((criterion) => criterion.test === test);
      return { ...row, term: covered ? graded.term : null, grade: graded.grade, reason: graded.reason };
    });
}

function worstGrades(data: TrialData, id: string, labGrades: readonly LabRecordGrade[]): WorstGrade[] {
  const worst = new Map<string, WorstGrade>();
  const offer = (term: string, grade: number, source: WorstGrade["source"]) => {
    const current = worst.get(term);
    if (!current || grade > current.grade) worst.set(term, { term, grade, source });
  };
  for (const event of data.adverseEvents) if (event.USUBJID === id) offer(event.AETERM, event.AETOXGR, "AE");
  for (const lab of labGrades) if (lab.grade && lab.term) offer(lab.term, lab.grade, "lab");
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
/** The units the criteria are written in; free light chains in mg/dL (IMWG's 10 mg/dL involved FLC). */
const MYELOMA_UNITS: Record<string, string> = { SPEP: "g/dL", UPEP: "mg/24h", FLCKAPPA: "mg/dL", FLCLAMBDA: "mg/dL" };
const MYELOMA_TESTS = new Set(["SPEP", "UPEP", "IFE", "BMPC", "FLCKAPPA", "FLCLAMBDA", "FLCRATIO"]);

/** Serum free light chains at one assessment: the involved chain (κ when the ratio is high, λ when low) and the ratio. */
function freeLightChains(
  value: (test: string) => number | undefined,
  kappaInvolved: boolean | undefined,
): Pick<MyelomaAssessment, "involvedFlc" | "uninvolvedFlc" | "flcRatio"> {
  const kappa = value("FLCKAPPA");
  const lambda = value("FLCLAMBDA");
  const ratio = value("FLCRATIO") ?? (kappa !== undefined && lambda !== undefined && lambda > 0 ? kappa / lambda : undefined);
  const out: Pick<MyelomaAssessment, "involvedFlc" | "uninvolvedFlc" | "flcRatio"> = {};
  if (ratio !== undefined) out.flcRatio = ratio;
  if (kappaInvolved === undefined || kappa === undefined || lambda === undefined) return out;
  out.involvedFlc = kappaInvolved ? kappa : lambda;
  out.uninvolvedFlc = kappaInvolved ? lambda : kappa;
  return out;
}

function myelomaBestResponse(data: TrialData, id: string, criteria: MyelomaCriteria): PatientSummary["bestResponse"] {
  const labs = data.labs
    .filter((l) => l.USUBJID === id)
    .map((l) => ({ ...l, LBTESTCD: canonicalTestCode(l.LBTESTCD) }))
    .filter((l) => MYELOMA_TESTS.has(l.LBTESTCD));
  // M-protein in the units the criteria are written in (serum g/dL, urine mg/24 h), from any unit of the kind.
  const value = (records: typeof labs, test: string) => {
    const record = records.find((l) => l.LBTESTCD === test);
    if (record?.LBSTRESN === undefined) return undefined;
    const unit = MYELOMA_UNITS[test];
    if (unit === undefined) return record.LBSTRESN;
    const converted = convertValue(record.LBSTRESN, record.LBSTRESU, unit, test);
    if (!converted.ok)
      throw new ValidationError(
        [{ path: `LBSTRESU`, value: record.LBSTRESU, message: `${test} on day ${record.LBDY}: ${converted.reason}` }],
        "labs",
      );
    return converted.value;
  };
  const baselineRecords = labs.filter((l) => l.LBBLFL === "Y");
  const baseline: MyelomaAssessment = {};
  const serum = value(baselineRecords, "SPEP");
  const urine = value(baselineRecords, "UPEP");
  if (serum !== undefined) baseline.serumM = serum;
  if (urine !== undefined) baseline.urineM = urine;
  // The involved chain is the one the baseline ratio points to (κ/λ above the normal range: κ).
  const baselineFlc = freeLightChains((test) => value(baselineRecords, test), undefined);
  const kappaInvolved = baselineFlc.flcRatio === undefined ? undefined : baselineFlc.flcRatio > 1;
  Object.assign(
    baseline,
    freeLightChains((test) => value(baselineRecords, test), kappaInvolved),
  );
  if (serum === undefined && urine === undefined && baseline.involvedFlc === undefined) return null;
  const nadir: MyelomaAssessment = { ...baseline };
  // New bone lesions or plasmacytomas are recorded as tumour records (TRGRPID NEW): progression that day.
  const newLesionDays = new Set(data.tumours.filter((t) => t.USUBJID === id && t.TRGRPID === "NEW" && t.TRDY > 1).map((t) => t.TRDY));
  const days = [...new Set([...labs.filter((l) => l.LBBLFL !== "Y").map((l) => l.LBDY), ...newLesionDays])].sort((a, b) => a - b);
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
    if (newLesionDays.has(day)) now.newLesions = true;
    Object.assign(
      now,
      freeLightChains((test) => value(visit, test), kappaInvolved),
    );
    const result = myelomaResponse(criteria, baseline, nadir, now);
    if (s !== undefined && (nadir.serumM === undefined || s < nadir.serumM)) nadir.serumM = s;
    if (u !== undefined && (nadir.urineM === undefined || u < nadir.urineM)) nadir.urineM = u;
    if (
      now.involvedFlc !== undefined &&
      (nadir.involvedFlc === undefined || now.involvedFlc - (now.uninvolvedFlc ?? 0) < nadir.involvedFlc - (nadir.uninvolvedFlc ?? 0))
    ) {
      nadir.involvedFlc = now.involvedFlc;
      if (now.uninvolvedFlc !== undefined) nadir.uninvolvedFlc = now.uninvolvedFlc;
    }
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
  const patient = data.patients.find((p) => p.USUBJID === id);
  const lostAfter = patient?.lostToFollowUpDay;
  const { confirmationDays, minStableDays, confirmation, tooSmallMm } = data.trial.recist;
  const records = data.tumours.filter((r) => r.USUBJID === id && (lostAfter === undefined || r.TRDY <= lostAfter));
  // A target too small to measure counts as tooSmallMm (RECIST 1.1 §3.2, 5 mm by default).
  const size = (r: (typeof records)[number]) => r.TRSTRESN ?? (r.TRSTRESC === "TOO SMALL TO MEASURE" ? tooSmallMm : undefined);
  // A non-target lymph node measured by its short axis: normal (absent) below 10 mm, present otherwise.
  const status = (r: (typeof records)[number]) =>
    r.TRSTRESC ?? (r.nodal && r.TRSTRESN !== undefined ? (r.TRSTRESN < 10 ? "ABSENT" : "PRESENT") : undefined);
  const baseline = records.filter((r) => r.TRDY <= 1 && r.TRGRPID === "TARGET");
  const baselineNonTargets = [...new Set(records.filter((r) => r.TRGRPID === "NON-TARGET" && r.TRDY <= 1).map((r) => r.TRLNKID))];
  // Non-target disease only is assessed by Table 2; no baseline lesions at all, not at all.
  if (baseline.length === 0 && baselineNonTargets.length === 0) return null;
  const lesions = baseline.map((r) => ({ id: r.TRLNKID, organ: r.TRLOC, nodal: r.nodal, diameter: size(r) ?? 0 }));
  const days = [...new Set(records.filter((r) => r.TRDY > 1).map((r) => r.TRDY))].sort((a, b) => a - b);
  let nadir = lesions.reduce((sum, lesion) => sum + lesion.diameter, 0);
  let bestPercentChange: number | null = null;
  const assessments = days.map((day) => {
    const visit = records.filter((r) => r.TRDY === day);
    const diameters = lesions.map((lesion) => {
      const record = visit.find((r) => r.TRGRPID === "TARGET" && r.TRLNKID === lesion.id);
      return record === undefined ? null : (size(record) ?? null);
    });
    const target = lesions.length > 0 ? targetResponse(lesions, { diameters }, nadir) : null;
    if (target?.sum != null) nadir = Math.min(nadir, target.sum);
    if (target?.percentFromBaseline != null)
      bestPercentChange = Math.min(bestPercentChange ?? Number.POSITIVE_INFINITY, target.percentFromBaseline);
    // Each baseline non-target lesion is followed by its TRLNKID: one not assessed at this visit makes
    // the non-target response NE (not all evaluated), unless another shows unequivocal progression.
    const nonTargets = baselineNonTargets.map((id) => {
      const record = visit.find((r) => r.TRGRPID === "NON-TARGET" && r.TRLNKID === id);
      return (record && status(record)) ?? "NOT EVALUATED";
    });
    let nonTarget: NonTargetStatus | null = null;
    if (baselineNonTargets.length > 0) {
      if (visit.some((r) => r.TRGRPID === "NON-TARGET" && status(r) === "UNEQUIVOCAL PROGRESSION")) nonTarget = "PD";
      else if (nonTargets.includes("NOT EVALUATED")) nonTarget = "NE";
      else if (nonTargets.every((status) => status === "ABSENT")) nonTarget = "CR";
      else nonTarget = "non-CR/non-PD";
    }
    const newLesion = visit.some((r) => r.TRGRPID === "NEW");
    return { day, response: overallResponse(target?.response ?? null, nonTarget, newLesion) };
  });
  const recistOptions = { confirmationDays, minStableDays, confirm: confirmation };
  const best = bestOverallResponse(assessments, recistOptions);
  const timePoints = sustainedResponses(assessments, recistOptions);
  return {
    response: best.response,
    reasons:
      lostAfter === undefined
        ? best.reasons
        : [
            ...best.reasons,
            `Lost to follow-up after study day ${lostAfter}: no later assessment is expected; durations are censored at the last one.`,
          ],
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

/** A trial-format adverse event as the DLT rules read it (adjudication included). */
export function adverseEventOf(e: TrialData["adverseEvents"][number]): AdverseEvent {
  return {
    USUBJID: e.USUBJID,
    AETERM: e.AETERM,
    AETOXGR: e.AETOXGR,
    related: e.AEREL === "Y",
    AESER: e.AESER === "Y",
    AESTDY: e.AESTDY,
    ...(e.AEENDY === undefined ? {} : { AEENDY: e.AEENDY }),
    category: e.AECAT,
    ...(e.DLTFL === undefined ? {} : { adjudicatedDlt: e.DLTFL === "Y" }),
  };
}

/**
 * `readTrialData` then `analyzeTrialData`: the analysis of whatever can be read, with the problems of
 * what cannot (a live trial's stored records, where one bad record must not stop the others).
 */
export function analyzeTrialRecords(...args: Parameters<typeof readTrialData>): { data: TrialData; analysis: TrialAnalysis } {
  const { data, problems } = readTrialData(...args);
  return { data, analysis: analyzeTrialData(data, problems) };
}

/**
 * `analyzeTrial` for data already parsed by `parseTrialData`. Defensive: a part of a patient's analysis
 * that fails (e.g. NCA on PK samples that repeat a time point) becomes a problem of that patient and
 * the rest of the trial is analysed. `known` are problems found while reading, reported alongside.
 */
export function analyzeTrialData(data: TrialData, known: readonly DataProblem[] = []): TrialAnalysis {
  const { trial } = data;
  const problems: DataProblem[] = [...known];
  const attempt = <T>(USUBJID: string, collection: DataProblem["collection"], fallback: T, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      const issues: ValidationIssue[] =
        error instanceof ValidationError ? error.issues : [{ path: "", message: error instanceof Error ? error.message : String(error) }];
      for (const issue of issues) problems.push({ USUBJID, collection, ...issue, message: `cannot be analysed: ${issue.message}` });
      return fallback;
    }
  };
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
    const labGrades = attempt<LabRecordGrade[]>(id, "labs", [], () => labGradesOf(data, id));
    const events: AdverseEvent[] = data.adverseEvents.filter((e) => e.USUBJID === id).map(adverseEventOf);
    const dosesInWindow = doses.filter((d) => d.EXSTDY >= 1 && d.EXSTDY <= trial.dlt.windowDays && d.EXDOSE > 0).length;
    // A DLT status that cannot be assessed stays pending: the cohort is then incomplete, never cleared.
    const status = attempt<PatientDlt>(
      id,
      "adverseEvents",
      {
        USUBJID: id,
        status: "pending",
        dlts: [],
        reason: "cannot be assessed until the patient's data problems are fixed",
        followedDays: 0,
      },
      () => patientDltStatus(id, events, dosesInWindow, studyDayOn(trial.dataCutDate, patient.RFXSTDTC), definition),
    );
    statuses.push(status);
    // Non-compartmental analysis per analyte (each with ≥ 3 samples); the half-life reported per patient
    // is the first analyte's (the conjugate, ADC, when measured).
    const analytes = [...new Set(data.pk.filter((s) => s.USUBJID === id).map((s) => s.PCTESTCD))].sort((a, b) =>
      a === "ADC" ? -1 : b === "ADC" ? 1 : 0,
    );
    const pk = analytes.flatMap((analyte) => {
      const samples = data.pk.filter((s) => s.USUBJID === id && s.PCTESTCD === analyte).sort((a, b) => a.PCELTM - b.PCELTM);
      if (samples.length < 3) return [];
      const nca = attempt(id, "pk", null, () =>
        nonCompartmental({ times: samples.map((s) => s.PCELTM), concentrations: samples.map((s) => s.PCSTRESN) }),
      );
      if (nca === null) return [];
      return [
        {
          analyte,
          unit: samples[0]!.PCSTRESU,
          cmax: nca.cmax,
          tmax: nca.tmax,
          aucLast: nca.aucLast,
          aucInf: nca.aucInf,
          halfLife: nca.lambdaZ?.halfLife ?? null,
        },
      ];
    });
    const halfLife = pk[0]?.halfLife ?? null;
    return {
      USUBJID: id,
      dosing: attempt(id, "administrations", null, () => dosingOf(data, patient, doses)),
      doseLevel: patient.doseLevel,
      cohort: patient.cohort,
      dosesReceived: doses.filter((d) => d.EXDOSE > 0).length,
      totalMg: doses.reduce((sum, d) => sum + d.EXDOSE, 0),
      worstGrades: attempt(id, "labs", [], () => worstGrades(data, id, labGrades)),
      labGrades,
      aeGrades: data.adverseEvents
        .filter((e) => e.USUBJID === id)
        .map((e) => ({
          term: e.AETERM,
          startDay: e.AESTDY,
          endDay: e.AEENDY ?? null,
          grade: e.AETOXGR,
          serious: e.AESER === "Y",
          related: e.AEREL === "Y",
        })),
      dlt: {
        status: status.status,
        reason: status.reason,
        ...(status.status === "DLT" && status.dlts.length > 0 ? { day: Math.min(...status.dlts.map((e) => e.AESTDY)) } : {}),
      },
      bestResponse: attempt(id, trial.responseCriteria === "RECIST" ? "tumours" : "labs", null, () =>
        trial.responseCriteria === "RECIST" ? recistResponse(data, id) : myelomaBestResponse(data, id, trial.responseCriteria),
      ),
      halfLife,
      pk,
      problems: [],
    };
  });
  for (const summary of patients) summary.problems = problems.filter((p) => p.USUBJID === summary.USUBJID);
  const doseLevels = trial.doseLevels.map((level): DoseLevelSummary => {
    const members = patients.filter((p) => p.doseLevel === level.level);
    const assessed = members.filter((p) => p.bestResponse !== null);
    const responders = assessed.filter(isResponder).length;
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
    data.patients.map((p) => ({
      USUBJID: p.USUBJID,
      doseLevel: p.doseLevel,
      cohort: p.cohort,
      backfill: p.backfill === true,
      randomized: p.randomizedArm !== undefined,
    })),
    statuses,
  );
  return { trial: trial.id, dataCutDate: trial.dataCutDate, patients, doseLevels, outcomes: history.outcomes, problems };
}
