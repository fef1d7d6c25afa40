export { type SimonAction, type SimonDecision, simonDecision } from "./conduct.js";
export {
  type SingleStageDesign,
  singleStageDesign,
  type TwoStageInference,
  type TwoStageOutcome,
  twoStageInference,
  twoStageUmvue,
} from "./inference.js";
export { type DoseResponses, type ResponseRate, responseRates } from "./response-rates.js";
export { checkSimonSearch, type SimonDesigns, type SimonSearch, simonDesigns, type TwoStageDesign } from "./simon.js";
