// Builds bundle/escalate.cjs, the one file `escalate` runs (dist/ has ~1,000 modules; one file starts
// several times faster), then its V8 code cache, made after running the commands users start most often.
// CommonJS because Node 20 can cache the compiled code of a script but not of an ES module. The server,
// Vega and the CSV library stay outside: they are loaded, with import(), only by the commands that use them.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLE, loadBundle } from "./bin/bundle-loader.js";

const example = (name) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

rmSync(new URL("bundle", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: [fileURLToPath(new URL("dist/main.js", import.meta.url))],
  outfile: BUNDLE,
  bundle: true,
  platform: "node",
  format: "cjs",
  logLevel: "warning",
  external: ["@escalate/server", "vega", "vega-lite", "csv-parse", "csv-stringify"],
  // package-root.ts finds the package from its own location
  define: { "import.meta.url": "__importMetaUrl" },
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});

const cli = loadBundle({ useCache: false });
const warmUp = [
  ["--help"],
  ["next", example("boin-adc.yaml"), "--outcomes", "1NNN 2NNN 3NTT"],
  ["mtd", example("boin-adc.yaml"), "--outcomes", "1NNN 2NNN 3NTT 2NNN"],
  ["simon", "--p0", "0.05", "--p1", "0.2", "--alpha", "0.1", "--beta", "0.1"],
];
for (const args of warmUp) {
  const { exitCode, stderr } = await cli.exports.run(args);
  if (exitCode !== 0) throw new Error(`escalate ${args.join(" ")} failed while warming the code cache: ${stderr}`);
}
cli.saveCache();
