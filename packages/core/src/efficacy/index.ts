export {
  confirmedMyelomaResponse,
  type MyelomaAssessment,
  type MyelomaCriteria,
  type MyelomaResponse,
  type MyelomaResult,
  myelomaResponse,
} from "./myeloma.js";
export {
  type Assessment,
  type BaselineLesion,
  type BestResponse,
  type BestResponseOptions,
  bestOverallResponse,
  checkTargetLesions,
  isMeasurable,
  type NonTargetStatus,
  overallResponse,
  type RecistResponse,
  sustainedResponses,
  type TargetAssessment,
  type TargetResult,
  targetResponse,
} from "./recist.js";
