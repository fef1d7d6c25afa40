export { loadDesign } from "./design-file.js";
export { run } from "./main.js";
export { type ParallelSimulation, simulateInParallel } from "./parallel.js";
