// Design files: the union of every design's schema (registry.ts), the shared fields, and each design's type.
export type { BlrmSpec } from "./blrm/spec.js";
export type { BoinSpec } from "./boin/spec.js";
export type { CrmSpec, TiteCrmSpec } from "./crm/spec.js";
export { doseAmountsOf, doseCountOf, doseLabelsOf } from "./fields.js";
export type { KeyboardSpec } from "./keyboard/spec.js";
export type { Mtpi2Spec } from "./mtpi2/spec.js";
export { DESIGN_NAMES, type DesignName, type DesignSpec, type DesignSpecInput, designModule, designSpec } from "./registry.js";
export type { ThreePlusThreeSpec } from "./three-plus-three/spec.js";
