export { BSA_FORMULAS, type BsaFormula, bodySurfaceArea } from "./body-surface-area.js";
export { type AdministeredAmount, administeredAmount, type DoseLevel, type DosingRules } from "./dose-amount.js";
export {
  type ActualAdministration,
  administrationCalendar,
  type DoseIntensity,
  doseIntensity,
  type PlannedAdministration,
  type Schedule,
  type ScheduleSummary,
  summariseSchedule,
} from "./schedule.js";
