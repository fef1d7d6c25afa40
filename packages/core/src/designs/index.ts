export { boinLambdas } from "./boin/boin.js";
export { ACTIONS, type Action, createDesign, type Decision, Design, type History, type MtdSelection } from "./design.js";
export { createStep, DecisionEngine, type Step } from "./engine.js";
export { type BoundaryRow, type BoundaryTable, type DoseFindingMethod, STOP } from "./method.js";
export type { DesignCapabilities, DesignModule, KeyField } from "./module.js";
export { DESIGN_MODULES, designModule } from "./registry.js";
export {
  type BoinSpec,
  DESIGN_NAMES,
  type DesignName,
  type DesignSpec,
  type DesignSpecInput,
  designSpec,
  doseCountOf,
  doseLabelsOf,
  type KeyboardSpec,
  type Mtpi2Spec,
  type ThreePlusThreeSpec,
} from "./spec.js";
