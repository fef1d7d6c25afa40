import { availableParallelism } from "node:os";
import { createDesign, exactOperatingCharacteristics } from "@escalate/core";
import { importExternal } from "../external-modules.js";
import { createProgress } from "../progress.js";
import { renderTable } from "../table.js";
import type { CommandResult } from "./shared.js";
import { formatOperatingCharacteristics } from "./simulate.js";

/** A first-in-human antibody–drug conjugate trial designed with BOIN, end to end. */
export const DEMO_SPEC = {
  design: "boin",
  title: "Demo: BOIN for a first-in-human antibody–drug conjugate (once every 3 weeks, mg/kg)",
  target: 0.3,
  doses: [
    { label: "0.3 mg/kg" },
    { label: "0.6 mg/kg" },
    { label: "1.2 mg/kg" },
    { label: "2.4 mg/kg" },
    { label: "3.6 mg/kg" },
    { label: "4.8 mg/kg" },
  ],
  cohortSize: 3,
  cohorts: 10,
} as const;

export const DEMO_TRUTH = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5];
export const DEMO_HISTORY = "1NNN 2NNN 3NNN 4NTN 4NNN 5NTT";

export async function demoCommand(): Promise<CommandResult> {
  const design = createDesign(DEMO_SPEC);
  const out: string[] = [];
  out.push(`${DEMO_SPEC.title}`, "=".repeat(DEMO_SPEC.title.length), "");
  const { lambdaE, lambdaD, table } = design.boundaries();
  out.push(`Decision boundaries: λe = ${lambdaE?.toFixed(4)}, λd = ${lambdaD?.toFixed(4)}`, "");
  const shown = table.filter((row) => row.n % design.spec.cohortSize === 0);
  const cell = (value: number | null) => (value === null ? "—" : value);
  out.push(
    renderTable(
      ["patients at dose", ...shown.map((row) => String(row.n))],
      [
        ["escalate if DLTs ≤", ...shown.map((row) => cell(row.escalate))],
        ["de-escalate if ≥", ...shown.map((row) => cell(row.deescalate))],
        ["eliminate if ≥", ...shown.map((row) => cell(row.eliminate))],
      ],
    ),
    "",
  );
  const decision = design.decide(DEMO_HISTORY);
  out.push(
    `Conduct: after cohorts ${DEMO_HISTORY}`,
    `  → ${decision.action} to dose ${decision.dose} (${design.doseLabels[(decision.dose ?? 1) - 1]})`,
  );
  for (const reason of decision.reasons) out.push(`    • ${reason}`);
  out.push("", `True DLT probabilities (scenario): ${DEMO_TRUTH.join(", ")}`, "");

  let started = performance.now();
  const exact = exactOperatingCharacteristics(design, { truth: DEMO_TRUTH });
  const exactMs = performance.now() - started;
  out.push(formatOperatingCharacteristics(exact, DEMO_TRUTH, design.doseLabels), `(computed in ${exactMs.toFixed(0)} ms)`, "");

  const trials = 10_000;
  const threads = availableParallelism();
  const { simulateInParallel } = await importExternal("@escalate/server/simulation"); // worker threads, loaded only here
  const progress = createProgress("Simulating", trials);
  started = performance.now();
  const simulated = await simulateInParallel({
    spec: design.spec,
    truth: DEMO_TRUTH,
    trials,
    seed: 2026,
    threads,
    onProgress: (done, blocks) => progress(Math.round((done / blocks) * trials)),
  });
  const simulatedMs = performance.now() - started;
  out.push(
    formatOperatingCharacteristics(simulated, DEMO_TRUTH, design.doseLabels),
    `(${trials} trials on ${threads} thread${threads > 1 ? "s" : ""} in ${simulatedMs.toFixed(0)} ms; seed 2026)`,
    "",
    "Next: `escalate describe boin --target 0.3 --doses 6` prints protocol text; `escalate --help` lists every command.",
  );
  return { text: out.join("\n") };
}
