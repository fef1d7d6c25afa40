import type { Decision } from "@escalate/core/designs";
import { dosePaths, type PathNode } from "@escalate/core/paths";
import { loadDesign } from "../design-file.js";
import type { Options } from "../options.js";
import { fixed, renderTable } from "../table.js";
import { type CommandResult, designOverrides } from "./shared.js";

export function boundariesCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const boundaries = design.boundaries();
  const pendingTable = design.module.capabilities.timeToEvent ? design.pendingTable() : [];
  if (options.json) return { json: pendingTable.length > 0 ? { ...boundaries, pendingTable } : boundaries };
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
  if (pendingTable.length > 0) {
    // The rows a trial meets: n a multiple of the cohort size, some patients pending (the JSON has every cell).
    const rows = pendingTable.filter((row) => row.pending > 0 && row.n % design.spec.cohortSize === 0);
    const rule = (row: (typeof pendingTable)[number]) =>
      row.stftAtLeast !== null
        ? `escalate if STFT ≥ ${fixed(row.stftAtLeast, 2)}, otherwise stay`
        : row.stftAtMost !== null
          ? `stay if STFT > ${fixed(row.stftAtMost, 2)}, otherwise de-escalate`
          : row.decision;
    lines.push(
      "",
      "With patients still in the DLT window (STFT = their days of follow-up, summed, divided by the window):",
      renderTable(
        ["patients", "DLTs", "pending", "decision"],
        rows.map((row) => [row.n, row.dlts, row.pending, rule(row)]),
      ),
    );
  }
  return { text: lines.join("\n") };
}

export function nextCommand(reference: string | undefined, options: Options): CommandResult {
  const design = loadDesign(reference, designOverrides(options));
  const decision = design.decide(options.outcomes ?? "");
  // The decision as the core gives it: optional parts (model estimates, pending follow-up, backfill) only when present.
  if (options.json) return { json: decision };
  return { text: formatDecision(decision, design.doseLabels) };
}

function formatDecision(decision: Decision, labels: readonly string[]): string {
  const dose = (index: number | null) => (index === null ? "none" : `${index} (${labels[index - 1]})`);
  const selected = decision.obd !== undefined ? `OBD: ${dose(decision.obd)}` : `MTD: ${dose(decision.mtd)}`;
  const headline = decision.randomized?.doses
    ? `DOSE FINDING COMPLETE — ${selected}; randomize ${decision.randomized.perArm} per arm between doses ${decision.randomized.doses.map(dose).join(" and ")}`
    : decision.stop
      ? `STOP — ${selected}`
      : decision.action === "suspend"
        ? `SUSPEND ACCRUAL — the next cohort of ${decision.cohortSize} waits, at dose ${dose(decision.dose)} unless the outcomes change the decision`
        : `${decision.action.toUpperCase()} — next cohort of ${decision.cohortSize} at dose ${dose(decision.dose)}${decision.phase === "expansion" ? " (expansion at the MTD)" : ""}`;
  const admissible = decision.admissible.map((ok, i) => `${i + 1}${ok ? "" : "✗"}`).join(" ");
  const lines = [
    headline,
    "",
    ...decision.reasons.map((reason) => `  • ${reason}`),
    "",
    `Admissible doses (✗ = eliminated): ${admissible}`,
  ];
  if (decision.rds !== undefined) {
    const scores = decision.rds.map((r) => `${r.dose}: ${r.score === null ? "✗" : r.score}`).join("  ");
    lines.push(`Desirability scores (RDS; ✗ = inadmissible): ${scores}`, `Optimal biological dose so far: ${dose(decision.obd ?? null)}`);
  }
  if (decision.backfill !== undefined && !decision.stop)
    lines.push(
      decision.backfill.length === 0
        ? "Backfill: no dose is open (a response must be seen at or below a dose under the current one)"
        : `Backfill: open at ${decision.backfill.map((d) => `dose ${dose(d)}`).join(", ")} (highest first), beside the next cohort`,
    );
  if (decision.stft !== undefined) lines.push(`Pending at the current dose: ${decision.pending} (STFT ${fixed(decision.stft, 2)})`);
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
  const what = selection.obd === undefined ? "MTD" : "OBD";
  const lines = [`${what}: ${selection.mtd === null ? "none" : `dose ${selection.mtd} (${design.doseLabels[selection.mtd - 1]})`}`];
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
