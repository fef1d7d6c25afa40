import { ValidationError } from "@escalate/core/validation";
import type { DesignOverrides } from "../design-file.js";
import type { Options } from "../options.js";

/** What a command produces: JSON for scripts or text for people. */
export type CommandResult = ({ json: unknown } | { text: string }) & { exitCode?: number };

/** `--doses` for a design is a dose count. */
function doseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new ValidationError([{ path: "--doses", value: text, message: "must be a number of doses in 1..100" }], "option");
  }
  return count;
}

export function designOverrides(options: Options): DesignOverrides {
  return {
    target: options.target,
    doses: doseCount(options.doses),
    cohortSize: options["cohort-size"],
    cohorts: options.cohorts,
  };
}
