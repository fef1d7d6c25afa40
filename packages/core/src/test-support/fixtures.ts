import { readFileSync } from "node:fs";

/** Published reference values (with their sources), in packages/core/test-fixtures/. Test-only. */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../test-fixtures/${name}`, import.meta.url), "utf8")) as T;
}
