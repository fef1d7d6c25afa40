import { decisionTableText, intervalSafetyText } from "../interval/describe.js";
import { keyIntervalIssues } from "../interval/key-intervals.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { createMtpi2Method, MTPI_SELECTION_PRIOR } from "./mtpi2.js";
import { mtpi2Spec } from "./spec.js";

export const mtpi2Design = defineDesign({
  name: "mtpi2",
  label: "mTPI-2",
  title: "modified toxicity probability interval-2 (mTPI-2)",
  schema: mtpi2Spec,
  capabilities: { exact: true, timeToEvent: false, efficacyAware: false, modelBased: false, doseAmounts: false },
  keyFields: ["target", "doses", "cohortSize", "cohorts"],
  references: [
    "Guo W, Wang SJ, Yang S, Lin S, Ji Y. A Bayesian interval dose-finding design addressing Ockham's razor: mTPI-2. Contemp Clin Trials 2017;58:23–33.",
  ],
  published: [
    {
      source: "R package Keyboard 0.1.3, get.boundary.kb (the same score as mTPI-2's unit probability mass)",
      reproduces: "the decision table, several targets",
      fixture: "keyboard-boundaries.json#tables",
    },
  ],
  estimateName: "estimated DLT probability",
  createMethod: (spec, rules) => createMtpi2Method(spec, { poolBackfill: rules.backfill !== null }),
  check: (spec) => keyIntervalIssues(spec.target, ["epsilon1", spec.epsilon1], ["epsilon2", spec.epsilon2], "equivalence interval"),
  describe: (spec, design) => [
    "## Escalation rules",
    "",
    `The equivalence interval is [${formatNumber(spec.target - spec.epsilon1)}, ${formatNumber(spec.target + spec.epsilon2)}]; ` +
      "the rest of [0, 1] is cut into subintervals of the same length (the end ones cut short at 0 and 1). With a Beta(1, 1) prior, the subinterval with the " +
      "largest unit probability mass (posterior probability divided by length) decides: escalate (E) if below the " +
      "equivalence interval, stay (S) if it is the equivalence interval, de-escalate (D) if above.",
    "",
    decisionTableText(design),
    "",
    ...intervalSafetyText(spec, MTPI_SELECTION_PRIOR),
  ],
});
