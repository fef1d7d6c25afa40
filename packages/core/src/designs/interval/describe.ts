import { type BoundaryTable, formatNumber } from "../method.js";
import { ELIMINATION_MIN_PATIENTS } from "./safety.js";

/** The design's decision table as a markdown table (what a protocol prints). */
export function decisionTableText(design: { boundaries(): BoundaryTable }): string {
  const { table } = design.boundaries();
  const cell = (value: number | null) => (value === null ? "—" : String(value));
  return [
    "| Patients at the current dose | Escalate if DLTs ≤ | De-escalate if DLTs ≥ | Eliminate if DLTs ≥ |",
    "|---:|---:|---:|---:|",
    ...table.map((row) => `| ${row.n} | ${cell(row.escalate)} | ${cell(row.deescalate)} | ${cell(row.eliminate)} |`),
  ].join("\n");
}

interface IntervalSafetySpec {
  target: number;
  eliminationCutoff: number;
  extraSafe: boolean;
  offset: number;
  earlyStopN?: number | undefined;
}

/** Elimination, extra-safe rule, early stop and isotonic MTD selection: the interval designs' shared rules. */
export function intervalSafetyText(spec: IntervalSafetySpec, selectionPrior: number): string[] {
  const lines = [
    "## Safety and stopping",
    "",
    `- Elimination: with at least ${ELIMINATION_MIN_PATIENTS} patients at a dose, if P(DLT rate > ${spec.target} | data) > ${spec.eliminationCutoff} ` +
      "under a Beta(1, 1) prior, that dose and all higher doses are eliminated and never used again. If the lowest dose " +
      "is eliminated the trial stops without selecting an MTD.",
  ];
  if (spec.extraSafe) {
    lines.push(
      `- Extra-safe rule: the trial also stops when, with at least ${ELIMINATION_MIN_PATIENTS} patients at the lowest dose, P(DLT rate > ${spec.target}) > ` +
        `${formatNumber(spec.eliminationCutoff - spec.offset)} (the cutoff minus ${spec.offset}).`,
    );
  }
  if (spec.earlyStopN !== undefined) {
    lines.push(`- Early stop: once ${spec.earlyStopN} patients have been treated at the current dose and the decision is to stay there.`);
  }
  const c = selectionPrior;
  lines.push(
    `- Escalation to an eliminated dose, or beyond the highest dose, becomes "stay"; de-escalation below the lowest dose becomes "stay".`,
    "",
    "## MTD selection",
    "",
    `At the end of the trial, the DLT rate of each tried, non-eliminated dose is estimated by (y + ${c})/(n + ${formatNumber(2 * c)}), ` +
      `its posterior mean under a Beta(${c}, ${c}) prior, and smoothed by isotonic regression (pool-adjacent-violators, weighted ` +
      `by the inverse variance). The MTD is the dose whose estimate is closest to the target ${spec.target}; among tied estimates, ` +
      "the higher dose when they lie below the target and the lower dose when above.",
  );
  return lines;
}
