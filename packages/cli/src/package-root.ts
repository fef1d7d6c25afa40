import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The CLI package's folder, found by walking up from this module: the same answer whether it runs
 * from src/ (tests), dist/ (tsc) or bundle/ (the one-file build `escalate` starts from).
 */
export function cliPackageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "@escalate/cli") return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error("the @escalate/cli package folder was not found above this module");
    folder = parent;
  }
}

/** The CLI's version, from its package.json. */
export const cliVersion = () => (JSON.parse(readFileSync(join(cliPackageRoot(), "package.json"), "utf8")) as { version: string }).version;
