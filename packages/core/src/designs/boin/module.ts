import { decisionTableText, intervalSafetyText } from "../interval/describe.js";
import { DEFAULT_SELECTION_PRIOR } from "../interval/isotonic-selection.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { boinLambdas, createBoinMethod, resolvedBoinProbabilities } from "./boin.js";
import { boinSpec } from "./spec.js";

export const boinDesign = defineDesign({
  name: "boin",
  label: "BOIN",
  title: "Bayesian optimal interval (BOIN)",
  schema: boinSpec,
  capabilities: { exact: true, timeToEvent: false, efficacyAware: false, modelBased: false, doseAmounts: false },
  keyFields: ["target", "doses", "cohortSize", "cohorts"],
  references: [
    "Liu S, Yuan Y. Bayesian optimal interval designs for phase I clinical trials. J R Stat Soc C 2015;64:507–523.",
    "Yuan Y, Hess KR, Hilsenbeck SG, Gilbert MR. Bayesian optimal interval design: a simple and well-performing design for phase I oncology trials. Clin Cancer Res 2016;22:4291–4301.",
  ],
  published: [
    {
      source: "R package BOIN, get.boundary (target 0.3, 10 cohorts of 3)",
      reproduces: "λe, λd and the decision table",
      fixture: "published-values.json#boin_boundaries",
    },
    {
      source: "Han, Pan, Zhang, Liu & Yuan 2019 (BOIN tutorial), p. 25",
      reproduces: "a trial's decisions cohort by cohort",
      fixture: "published-values.json#boin_conduct_sequence",
    },
    {
      source: "R package BOIN, select.mtd",
      reproduces: "MTD selection by isotonic regression",
      fixture: "published-values.json#boin_select_mtd",
    },
    {
      source: "Zhao, Yuan, Korn & Freidlin 2024 (BF-BOIN), Tables 1 and 4",
      reproduces: "boundaries with 1 of 3 a stay; operating characteristics with backfill, 12 scenarios",
      fixture: "published-values.json#bf_boin_zhao_2024",
    },
  ],
  estimateName: "estimated DLT probability",
  createMethod: (spec, rules) => createBoinMethod(spec, { poolBackfill: rules.backfill !== null }),
  check(spec) {
    // Rounded for the message: 1.4 × 0.75 is 1.0499999999999998 in floating point.
    const { pSafe, pTox } = resolvedBoinProbabilities(spec);
    const shown = (value: number) => Number(value.toPrecision(12));
    const defaulted = (given: number | undefined, rule: string) => (given === undefined ? ` (the default ${rule})` : "");
    return [
      ...(pSafe > 0 && pSafe < spec.target
        ? []
        : [
            {
              path: "pSafe",
              value: shown(pSafe),
              message: `must be in (0, target = ${spec.target})${defaulted(spec.pSafe, "0.6 × target")}`,
            },
          ]),
      ...(pTox > spec.target && pTox < 1
        ? []
        : [
            {
              path: "pTox",
              value: shown(pTox),
              message: `must be in (target = ${spec.target}, 1)${defaulted(spec.pTox, "1.4 × target; give pTox explicitly")}`,
            },
          ]),
    ];
  },
  describe(spec, design) {
    const { pSafe, pTox } = resolvedBoinProbabilities(spec);
    const { lambdaE, lambdaD } = boinLambdas(spec.target, pSafe, pTox);
    return [
      "## Escalation rules",
      "",
      `With y DLTs among n patients at the current dose, escalate when y/n ≤ λe = ${formatNumber(lambdaE, 4)}, ` +
        `de-escalate when y/n ≥ λd = ${formatNumber(lambdaD, 4)}, and stay otherwise ` +
        `(λe and λd minimise the probability of an incorrect decision given φ1 = ${formatNumber(pSafe)}, the highest rate ` +
        `that is underdosing, and φ2 = ${formatNumber(pTox)}, the lowest rate that is overdosing).`,
      "",
      decisionTableText(design),
      "",
      ...intervalSafetyText(spec, DEFAULT_SELECTION_PRIOR),
      ...(spec.boundMtd ? ["", "The selected MTD's estimate must not exceed λd; otherwise the next lower dose is selected."] : []),
    ];
  },
});
