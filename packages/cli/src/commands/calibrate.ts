import { calibrateByPcs } from "@escalate/core";
import { loadDesign } from "../design-file.js";
import type { Options } from "../options.js";
import { createProgress } from "../progress.js";
import { percent, renderTable } from "../table.js";
import { type CommandResult, designOverrides } from "./shared.js";

/**
 * `escalate calibrate <design> [--odds-ratio 2] [--prior-variances 0.5,1.34]`: the design's calibrated
 * parameters (the CRM's indifference-interval half-width, and its prior variance when several are
 * given) chosen for the best average probability of correct selection over the logistic calibration
 * set, each probability exact.
 */
export function calibrateCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const progress = createProgress("Calibrating", 1);
  const result = calibrateByPcs(design.spec, {
    ...(options["odds-ratio"] === undefined ? {} : { oddsRatio: options["odds-ratio"] }),
    ...(options["prior-variances"] === undefined ? {} : { grid: { priorVariance: options["prior-variances"] } }),
    onProgress: (done, total) => progress(done / total),
  });
  if (options.json) return { json: result };
  const names = Object.keys(result.best.values);
  const table = renderTable(
    [...names, "average PCS", ...result.scenarios.map((_, i) => `S${i + 1}`), ""],
    result.candidates.map((candidate, i) => [
      ...names.map((name) => String(candidate.values[name])),
      percent(candidate.averagePcs),
      ...candidate.pcs.map((pcs) => percent(pcs)),
      i === result.best.index ? "◀ best" : "",
    ]),
  );
  const changed = result.best.changes;
  return {
    text: [
      `Calibration by exact probability of correct selection (PCS), averaged over ${result.scenarios.length} scenarios:`,
      ...result.scenarios.map((s, i) => `  S${i + 1} ${s.name}: ${s.truth.map((p) => p.toFixed(3)).join(", ")}`),
      "",
      table,
      "",
      `Best: ${names.map((name) => `${name} ${result.best.values[name]}`).join(", ")}, average PCS ${percent(result.best.averagePcs)}.`,
      Object.keys(changed).length === 0
        ? "The design file has it already."
        : `In the design file: ${Object.entries(changed)
            .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
            .join(", ")}`,
    ].join("\n"),
  };
}
