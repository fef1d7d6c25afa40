import { boinLambdas, createBoinMethod, resolvedBoinProbabilities } from "../boin/boin.js";
import { boinDesign } from "../boin/module.js";
import { decisionTableText, intervalSafetyText } from "../interval/describe.js";
import { DEFAULT_SELECTION_PRIOR } from "../interval/isotonic-selection.js";
import { formatNumber, type PendingRow } from "../method.js";
import { defineDesign } from "../module.js";
import { simulateTimeToEventTrials } from "../time-to-event-simulation.js";
import { titeBoinSpec } from "./spec.js";
import { titeBoinRule } from "./tite-boin.js";

/** Protocols print the pending-patient table up to this many patients at a dose (the full one: `escalate boundaries --json`). */
const PROTOCOL_TABLE_PATIENTS = 12;

export const titeBoinDesign = defineDesign({
  name: "tite-boin",
  label: "TITE-BOIN",
  title: "time-to-event Bayesian optimal interval (TITE-BOIN)",
  schema: titeBoinSpec,
  capabilities: { exact: false, timeToEvent: true, efficacyAware: false, modelBased: false, doseAmounts: false },
  keyFields: ["target", "doses", "cohortSize", "cohorts", "window"],
  references: [
    "Yuan Y, Lin R, Li D, Nie L, Warren KE. Time-to-event Bayesian optimal interval design to accelerate phase I trials. Clin Cancer Res 2018;24:4921–4930.",
    "Lin R, Yuan Y. Time-to-event model-assisted designs for dose-finding trials with delayed toxicity. Biostatistics 2020;21:807–824.",
    ...boinDesign.references,
  ],
  published: [
    {
      source: "Yuan, Lin, Li, Nie & Warren 2018, Table 1 and Table S1",
      reproduces: "every cell of the decision tables with pending patients",
      fixture: "published-values.json#tite_boin_yuan_2018",
    },
    {
      source: "Lin & Yuan 2020",
      reproduces: "the effective-sample-size variant",
      fixture: "published-values.json#tite_boin_ess_lin_yuan_2020",
    },
  ],
  estimateName: "estimated DLT probability",
  check: (spec) => boinDesign.check!({ ...spec, design: "boin" }),
  createMethod: (spec, rules) =>
    createBoinMethod(spec, { pending: (lambdas) => titeBoinRule(spec, lambdas), poolBackfill: rules.backfill !== null }),
  simulateTrials: simulateTimeToEventTrials,
  describe(spec, design) {
    const { pSafe, pTox } = resolvedBoinProbabilities(spec);
    const { lambdaE, lambdaD } = boinLambdas(spec.target, pSafe, pTox);
    const estimate =
      spec.variant === "imputation"
        ? `p̂ = (y + q·(m − STFT))/n, each pending outcome replaced by its expected value under a uniform time to DLT, with q = p̃/(1 − p̃) and p̃ = (y + ${formatNumber(spec.target / 2)})/(r + 1), the posterior mean of the DLT rate from the r completed patients under a Beta(${formatNumber(spec.target / 2)}, ${formatNumber(1 - spec.target / 2)}) prior (Yuan et al. 2018)`
        : "p̂ = y/(r + STFT), the DLT rate over the effective sample size, in which each pending patient counts for the fraction of the window followed (Lin & Yuan 2020)";
    const rows = design.pendingTable?.() ?? [];
    return [
      "## Escalation rules",
      "",
      `Patients are enrolled without waiting for the previous cohort's ${spec.window}-day DLT window to end. With y DLTs among n patients at ` +
        `the current dose and no patient pending, BOIN's rule applies: escalate when y/n ≤ λe = ${formatNumber(lambdaE, 4)}, de-escalate ` +
        `when y/n ≥ λd = ${formatNumber(lambdaD, 4)}, stay otherwise (φ1 = ${formatNumber(pSafe)}, φ2 = ${formatNumber(pTox)}).`,
      "",
      `When m of the n patients are still within the window without a DLT, the standardized total follow-up time STFT is the sum of their ` +
        `days of follow-up divided by ${spec.window}, and the DLT rate is estimated by ${estimate}. In this order:`,
      "",
      `1. De-escalate when y/n ≥ λd, whatever the pending patients show.`,
      `2. Suspend accrual while more than ${formatNumber(100 * spec.maxPendingFraction)}% of the patients at the current dose are pending; the next cohort waits for their outcomes.`,
      `3. When y/n ≤ λe, escalate if p̂ ≤ λe, otherwise stay; when y/n is at least the target ${spec.target}, de-escalate if p̂ ≥ λd, otherwise stay; in between, stay.`,
      "",
      "Each rule is a threshold on STFT, tabulated before the trial:",
      "",
      decisionTableText(design),
      "",
      pendingTableText(rows, spec.cohortSize),
      "",
      ...intervalSafetyText(spec, DEFAULT_SELECTION_PRIOR),
      "",
      "At the end of the trial the MTD is selected once every patient has completed the DLT window.",
    ];
  },
});

function pendingTableText(rows: PendingRow[], cohortSize: number): string {
  const shown = rows.filter((row) => row.pending > 0 && row.n % cohortSize === 0 && row.n <= PROTOCOL_TABLE_PATIENTS);
  const rule = (row: PendingRow) =>
    row.stftAtLeast !== null
      ? `escalate if STFT ≥ ${formatNumber(row.stftAtLeast, 2)}, otherwise stay`
      : row.stftAtMost !== null
        ? `stay if STFT > ${formatNumber(row.stftAtMost, 2)}, otherwise de-escalate`
        : row.decision === "suspend"
          ? "suspend accrual"
          : row.decision;
  return [
    "| Patients at the dose | DLTs | Pending | Decision |",
    "|---:|---:|---:|---|",
    ...shown.map((row) => `| ${row.n} | ${row.dlts} | ${row.pending} | ${rule(row)} |`),
  ].join("\n");
}
