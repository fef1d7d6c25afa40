import { decisionTableText } from "../interval/describe.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { Boin12Method } from "./boin12.js";
import { boin12Spec } from "./spec.js";
import { trueOptimalDose } from "./utility.js";

export const boin12Design = defineDesign({
  name: "boin12",
  label: "BOIN12",
  title: "BOIN12 utility-based phase I/II",
  schema: boin12Spec,
  capabilities: { exact: false, timeToEvent: false, efficacyAware: true, modelBased: false, doseAmounts: false },
  keyFields: ["target", "doses", "cohortSize", "cohorts"],
  references: [
    "Lin R, Zhou Y, Yan F, Li D, Yuan Y. BOIN12: Bayesian optimal interval phase I/II trial design for utility-based dose finding in immunotherapy and targeted therapies. JCO Precis Oncol 2020;4:1393–1402.",
  ],
  published: [
    {
      source: "Lin, Zhou, Yan, Li & Yuan 2020, the worked example, the Data Supplement's trial path and Table 3",
      reproduces: "the utility benchmark, the rank-based desirability scores and the decisions",
      fixture: "published-values.json#boin12_lin_2020",
    },
  ],
  estimateName: "estimated DLT probability",
  createMethod: (spec) => new Boin12Method(spec),
  trueOptimum: (spec, toxicity, efficacy) => trueOptimalDose(spec.utility, spec.target, spec.efficacyLowerLimit, toxicity, efficacy),
  describe(spec, design) {
    const method = new Boin12Method(spec);
    const u = spec.utility;
    return [
      "## Dose assignment",
      "",
      `Each patient's outcome has a utility: ${u.responseNoDlt} for a response without DLT, ${u.both} for both, ${u.neither} for neither and ` +
        `${u.dltNoResponse} for a DLT without response. The utility of a dose, standardized to [0, 1], has posterior Beta(1 + x, 1 + n − x) ` +
        `with x the patients' utilities summed and divided by 100. A dose's desirability is P(utility > ${formatNumber(method.benchmark, 1)} | data), ` +
        `the benchmark halfway between the utility at the limits (DLT rate ${spec.target}, response rate ${spec.efficacyLowerLimit}) and 100; ` +
        `its rank-based desirability score (RDS) is that probability's rank among the ${method.rds.size} admissible outcomes of the design.`,
      "",
      `With y DLTs among n patients at the current dose (BOIN's boundaries at ${spec.target}: λe = ${formatNumber(method.lambdaE, 4)}, λd = ${formatNumber(method.lambdaD, 4)}), in order:`,
      "",
      "1. With 9 or more patients at a safe current dose (y/n < λd) and the next dose untried: treat the next cohort there.",
      "2. y/n ≥ λd: de-escalate (at the lowest dose, stay).",
      `3. λe < y/n < λd with ${spec.nStar} or more patients: the more desirable of the current dose and the one below.`,
      "4. Otherwise: the most desirable of the doses below, at and above; an untried dose by its prior desirability; ties to the higher dose.",
      "",
      decisionTableText(design),
      "",
      "## Safety, futility and the optimal biological dose",
      "",
      `- With at least 3 patients at a dose: if P(DLT rate > ${spec.target}) > ${spec.toxicityCutoff}, it and every higher dose are eliminated; ` +
        `if P(response rate < ${spec.efficacyLowerLimit}) > ${spec.efficacyCutoff}, that dose is eliminated. The trial stops when no dose is left.`,
      "- At the end, the MTD is estimated by isotonic regression of the DLT rates (as in BOIN); the optimal biological dose (OBD) is the " +
        "admissible dose given at or below it with the highest posterior mean utility (x + 1)/(n + 2), ties to the lower dose.",
    ];
  },
});
