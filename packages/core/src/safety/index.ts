export { CTCAE_V5 } from "./ctcae-v5.js";
export {
  type AdverseEvent,
  type CohortMember,
  checkDltDefinition,
  type DltDefinition,
  type DltRule,
  type DltStatus,
  outcomeHistory,
  type PatientDlt,
  patientDltStatus,
  proposedDlt,
} from "./dlt.js";
export { gradeLab, type LabGrading, type LabResult, worstLabGrade } from "./grading.js";
export type { LabCondition, LabCriteriaSet, LabCriterion, LabGrade } from "./lab-criteria.js";
