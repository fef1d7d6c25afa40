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
export { type TrialData, type TrialDataInput, trialDataSchema } from "./schema.js";
