import { existsSync, readFileSync } from "node:fs";
import { createDesign, DESIGN_NAMES, type Design } from "@escalate/core/designs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { UsageError } from "./errors.js";

/** Design settings that may be given as flags, overriding the file (or building a design from its name). */
export interface DesignOverrides {
  target?: number | undefined;
  doses?: number | undefined;
  cohortSize?: number | undefined;
  cohorts?: number | undefined;
}

/**
 * Loads `<design>`: a YAML or JSON design file, or the name of a design (e.g. `boin`) whose settings
 * come from flags. Validation happens in core, so the file and the flags get the same messages.
 */
export function loadDesign(reference: string | undefined, overrides: DesignOverrides = {}): Design {
  if (reference === undefined) {
    throw new UsageError(`missing <design>: a design file (YAML or JSON) or a design name (${DESIGN_NAMES.join(", ")})`);
  }
  let spec: Record<string, unknown>;
  if (existsSync(reference)) {
    spec = readSpecFile(reference);
  } else if ((DESIGN_NAMES as readonly string[]).includes(reference)) {
    spec = { design: reference };
  } else {
    throw new UsageError(
      `design file not found: ${reference} (give a YAML/JSON design file or one of the design names ${DESIGN_NAMES.join(", ")})`,
    );
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) spec[key] = value;
  return createDesign(spec);
}

function readSpecFile(path: string): Record<string, unknown> {
  return readDocument(path, "design file", "design settings (design, target, doses, ...)");
}

/** Reads a YAML or JSON document that must be a mapping; `what` names it in errors. */
export function readDocument(path: string, what: string, contents: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "EISDIR" ? "it is a folder" : String((error as Error).message);
    throw new UsageError(`cannot read ${what} ${path}: ${reason}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) throw new UsageError(`cannot read ${what} ${path}: ${error.message}`);
    throw error;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UsageError(`${what} ${path} must contain a mapping of ${contents}`);
  }
  return data as Record<string, unknown>;
}
