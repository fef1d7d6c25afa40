export {
  analyzeTrial,
  analyzeTrialData,
  type DoseLevelSummary,
  type PatientSummary,
  parseTrialData,
  studyDayOn,
  type TrialAnalysis,
  type WorstGrade,
} from "./analyze.js";
export { type Portfolio, parsePortfolio, parseSimonStudy, portfolioSchema, type SimonStudy, simonStudySchema } from "./portfolio.js";
export {
  administrationSchema,
  adverseEventSchema,
  compoundSchema,
  labSchema,
  patientSchema,
  pkSchema,
  type TrialData,
  type TrialDataInput,
  trialDataSchema,
  trialInfoSchema,
  tumourSchema,
} from "./schema.js";
