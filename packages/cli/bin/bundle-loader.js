// Loads the CLI's one-file CommonJS bundle (built by build-bundle.js) with V8's code cache, so a command
// starts without compiling the ~2 MB of JavaScript it is made of: Node 20 has no compile cache for modules
// (module.enableCompileCache came in Node 22), but a vm.Script accepts the cache V8 made of the same source.
// The cache is made when the bundle is built, after running typical commands; if this Node's V8 rejects it
// (another version or flags), the command still runs, compiles as usual, and leaves a fresh cache behind.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

export const BUNDLE = fileURLToPath(new URL("../bundle/escalate.cjs", import.meta.url));
const CACHE = `${BUNDLE}.v8-cache`;

function readCache() {
  try {
    return readFileSync(CACHE);
  } catch {
    return undefined;
  }
}

/** The bundle's exports (`run`), whether V8 accepted the cache, and a way to save a fresh one. */
export function loadBundle({ useCache = true } = {}) {
  const cachedData = useCache ? readCache() : undefined;
  const wrapped = `(function (exports, require, module, __filename, __dirname, __escalateImport) {${readFileSync(BUNDLE, "utf8")}\n})`;
  const script = new Script(wrapped, { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  // Node 20 runs no import() in a vm.Script without --experimental-vm-modules, so the bundle loads the ES
  // modules it keeps outside (the server, Vega) with this one (src/external-modules.ts).
  const importExternal = (specifier) => import(specifier);
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE), importExternal);
  return {
    exports: module.exports,
    cacheAccepted: cachedData !== undefined && !script.cachedDataRejected,
    /** Writes the cache of everything compiled so far; atomic, so concurrent commands never read half a file. */
    saveCache() {
      const partial = `${CACHE}.${process.pid}`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, CACHE);
    },
  };
}
