export { doseLabel, type TrialReport, trialReport } from "./trial-report.js";
