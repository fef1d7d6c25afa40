import type { Decision } from "@escalate/core/designs";
import { dosePaths, type PathNode } from "@escalate/core/paths";
import { loadDesign } from "../design-file.js";
import type { Options } from "../options.js";
import { fixed, renderTable } from "../table.js";
import { type CommandResult, designOverrides } from "./shared.js";

export function boundariesCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const boundaries = design.boundaries();
  if (options.json) return { json: boundaries };
  const cell = (value: number | null) => (value === null ? "—" : value);
  const lines = [];
  if (boundaries.lambdaE !== null && boundaries.lambdaD !== null) {
    lines.push(`λe = ${fixed(boundaries.lambdaE, 4)}, λd = ${fixed(boundaries.lambdaD, 4)}`, "");
  }
  lines.push(
    renderTable(
      ["patients", "escalate if DLTs ≤", "de-escalate if DLTs ≥", "eliminate if DLTs ≥"],
      boundaries.table.map((row) => [row.n, cell(row.escalate), cell(row.deescalate), cell(row.eliminate)]),
    ),
  );
  return { text: lines.join("\n") };
}

export function nextCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const decision = design.decide(options.outcomes ?? "");
  if (options.json) {
    const { action, dose, stop, admissible, mtd, reasons, cohortSize, phase, estimates, decisionEstimate, betaHat } = decision;
    const model = estimates ? { estimates, decisionEstimate, ...(betaHat === undefined ? {} : { betaHat }) } : {};
    return { json: { action, dose, stop, admissible, mtd, reasons, cohortSize, phase, ...model } };
  }
  return { text: formatDecision(decision, design.doseLabels) };
}

function formatDecision(decision: Decision, labels: readonly string[]): string {
  const dose = (index: number | null) => (index === null ? "none" : `${index} (${labels[index - 1]})`);
  const headline = decision.stop
    ? `STOP — MTD: ${dose(decision.mtd)}`
    : `${decision.action.toUpperCase()} — next cohort of ${decision.cohortSize} at dose ${dose(decision.dose)}${decision.phase === "expansion" ? " (expansion at the MTD)" : ""}`;
  const admissible = decision.admissible.map((ok, i) => `${i + 1}${ok ? "" : "✗"}`).join(" ");
  const lines = [
    headline,
    "",
    ...decision.reasons.map((reason) => `  • ${reason}`),
    "",
    `Admissible doses (✗ = eliminated): ${admissible}`,
  ];
  if (decision.estimates) lines.push("", formatEstimates(decision, labels));
  return lines.join("\n");
}

/** The model's per-dose estimates: posterior mean with its 90% credible interval, and what drives decisions. */
function formatEstimates(decision: Decision, labels: readonly string[]): string {
  const estimates = decision.estimates ?? [];
  const hasPlugIn = estimates.some((e) => e.plugIn !== undefined);
  const hasIntervals = estimates.some((e) => e.pTarget !== undefined);
  const headers = ["dose", "label", "posterior mean", "90% credible interval"];
  if (hasPlugIn) headers.push("at mean β");
  if (hasIntervals) headers.push("P(under)", "P(target)", "P(over)");
  const rows = estimates.map((e) => {
    const row: (string | number)[] = [e.dose, labels[e.dose - 1] ?? "", fixed(e.mean, 3), `${fixed(e.lower, 3)}–${fixed(e.upper, 3)}`];
    if (hasPlugIn) row.push(fixed(e.plugIn ?? Number.NaN, 3));
    if (hasIntervals) row.push(fixed(e.pUnder ?? Number.NaN, 3), fixed(e.pTarget ?? Number.NaN, 3), fixed(e.pOver ?? Number.NaN, 3));
    return row;
  });
  const note = decision.betaHat === undefined ? "" : `posterior mean of β = ${fixed(decision.betaHat, 4)}; `;
  const basis = {
    "plug-in": "the DLT probability at the posterior mean of β",
    "posterior-mean": "the posterior mean DLT probability",
    "target-probability": "P(target) among doses with P(over) below the overdose limit",
  }[decision.decisionEstimate ?? "plug-in"];
  return `${renderTable(headers, rows)}\n(${note}decisions use ${basis})`;
}

export function mtdCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const selection = design.selectMtd(options.outcomes ?? "");
  if (options.json) return { json: selection };
  const lines = [`MTD: ${selection.mtd === null ? "none" : `dose ${selection.mtd} (${design.doseLabels[selection.mtd - 1]})`}`];
  if (selection.estimates) {
    lines.push(
      "",
      renderTable(
        ["dose", design.module.estimateName],
        selection.estimates.map((estimate, i) => [i + 1, estimate === null ? "—" : fixed(estimate, 3)]),
      ),
    );
  }
  lines.push("", ...selection.reasons.map((reason) => `  • ${reason}`));
  return { text: lines.join("\n") };
}

export function pathsCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, { ...designOverrides(options), cohorts: undefined });
  const tree = dosePaths(design, options.outcomes ?? "", options.cohorts ?? 2);
  if (options.json) return { json: tree };
  const lines: string[] = [];
  const visit = (node: PathNode, depth: number) => {
    const label = node.cohort ?? (node.outcomes === "" ? "(start)" : node.outcomes);
    const decision = node.stop ? `stop, MTD ${node.mtd ?? "none"}` : `${node.action} → dose ${node.dose}`;
    lines.push(`${"  ".repeat(depth)}${label}  ⇒ ${decision}`);
    for (const child of node.children) visit(child, depth + 1);
  };
  visit(tree, 0);
  return { text: lines.join("\n") };
}

export function describeCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  return options.json ? { json: { markdown: design.describe() } } : { text: design.describe() };
}
