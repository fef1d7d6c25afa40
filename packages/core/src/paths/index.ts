export { dosePaths, MAX_PATH_NODES, type PathNode } from "./paths.js";
