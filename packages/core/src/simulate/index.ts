export { addAccumulator, createAccumulator, type OperatingCharacteristics, summarise } from "./accumulator.js";
export {
  type BlockJob,
  type BlockReply,
  type BlockRequest,
  blockRunner,
  blocksOf,
  blocksPerMessage,
  designFor,
  MESSAGES_IN_FLIGHT,
  summariseBlocks,
} from "./blocks.js";
export { type CalendarOptions, type CalendarOptionsInput, calendarSchema, checkCalendar, DAYS_PER_MONTH } from "./calendar.js";
export {
  type CalibrationCandidate,
  type CalibrationOptions,
  type CalibrationResult,
  type CalibrationScenario,
  calibrateByPcs,
  logisticCalibrationSet,
} from "./calibration.js";
export { EnumerationTooLargeError, type ExactOptions, exactOperatingCharacteristics } from "./exact.js";
export {
  blockCount,
  checkSimulationInputs,
  checkTrials,
  type MonteCarloOptions,
  SIMULATION_BLOCK,
  simulate,
  simulateBlock,
  simulateTrials,
} from "./monte-carlo.js";
export { checkEfficacy, checkTruth } from "./scenario.js";
