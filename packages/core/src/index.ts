/**
 * @escalate/core — dose-finding designs, rules, dose-transition pathways and operating characteristics.
 * Pure TypeScript without I/O: runs in Node, worker threads, browsers and web workers.
 * Doses are 1-based in every public result (as in the R packages); internals use 0-based indices.
 */

export * from "./cdisc/index.js";
export * from "./designs/index.js";
export * from "./dosing/index.js";
export * from "./efficacy/index.js";
export * from "./outcomes/index.js";
export * from "./paths/index.js";
export * from "./phase2/index.js";
export * from "./pk/index.js";
export * from "./randomized/index.js";
export * from "./report/index.js";
export * from "./rules/index.js";
export * from "./safety/index.js";
export * from "./simulate/index.js";
export * from "./stats/index.js";
export * from "./trial/index.js";
export * from "./units/index.js";
export { formatIssue, parseWith, ValidationError, type ValidationIssue } from "./validation.js";
