export { CTCAE_V5 } from "./ctcae-v5.js";
export { gradeLab, type LabGrading, type LabResult, worstLabGrade } from "./grading.js";
export type { LabCondition, LabCriteriaSet, LabCriterion, LabGrade } from "./lab-criteria.js";
