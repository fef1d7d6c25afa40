export {
  adverseEventOf,
  afterDataCut,
  analyzeTrial,
  analyzeTrialData,
  analyzeTrialRecords,
  type DataProblem,
  type DoseLevelSummary,
  isResponder,
  type LabRecordGrade,
  type PatientSummary,
  parseTrialData,
  RECORD_COLLECTIONS,
  type RecordCollection,
  readTrialData,
  studyDayOn,
  type TrialAnalysis,
  type WorstGrade,
} from "./analyze.js";
export type { DltWindow } from "./dlt-window.js";
export { DOSE_TOLERANCE, type EntryCheck, entryChecks } from "./entry-checks.js";
export { type Portfolio, parsePortfolio, parseSimonStudy, portfolioSchema, type SimonStudy, simonStudySchema } from "./portfolio.js";
export {
  administrationSchema,
  adverseEventFields,
  adverseEventSchema,
  checkAdverseEventDates,
  compoundSchema,
  isCalendarDate,
  labSchema,
  patientSchema,
  pkSchema,
  TEXT_LIMITS,
  type TrialData,
  type TrialDataInput,
  trialDataSchema,
  trialInfoSchema,
  tumourSchema,
} from "./schema.js";
