export { type Cohort, formatOutcomes, OutcomeSyntaxError, parseOutcomes } from "./notation.js";
export {
  addCohort,
  copyTrialState,
  countDlts,
  createTrialState,
  highestTriedDose,
  resetTrialState,
  type TrialState,
  totalPatients,
} from "./trial-state.js";
