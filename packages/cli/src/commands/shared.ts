import type { DesignOverrides } from "../design-file.js";
import type { Options } from "../options.js";

/** What a command produces: JSON for scripts or text for people. */
export type CommandResult = { json: unknown } | { text: string };

export function designOverrides(options: Options): DesignOverrides {
  return {
    target: options.target,
    doses: options.doses,
    cohortSize: options["cohort-size"],
    cohorts: options.cohorts,
  };
}
