export { loadDesign } from "./design-file.js";
export { run } from "./main.js";
