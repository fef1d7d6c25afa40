export {
  type Allocated,
  type Allocation,
  type AllocationHistory,
  allocateNext,
  checkAllocation,
  permutedBlocks,
} from "./allocation.js";
export {
  checkRoseDesign,
  checkRoseSearch,
  type RoseDecision,
  type RoseDesign,
  type RoseResult,
  type RoseScenario,
  type RoseSearch,
  roseDecision,
  roseDesign,
  roseScenarioRates,
  roseSelectedArm,
  roseSelection,
} from "./rose.js";
