import { decisionTableText, intervalSafetyText } from "../interval/describe.js";
import { DEFAULT_SELECTION_PRIOR } from "../interval/isotonic-selection.js";
import { keyIntervalIssues } from "../interval/key-intervals.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { createKeyboardMethod } from "./keyboard.js";
import { keyboardSpec } from "./spec.js";

export const keyboardDesign = defineDesign({
  name: "keyboard",
  label: "Keyboard",
  title: "Keyboard",
  schema: keyboardSpec,
  capabilities: { exact: true, timeToEvent: false, efficacyAware: false, modelBased: false, doseAmounts: false },
  keyFields: ["target", "doses", "cohortSize", "cohorts"],
  references: [
    "Yan F, Mandrekar SJ, Yuan Y. Keyboard: a novel Bayesian toxicity probability interval design for phase I clinical trials. Clin Cancer Res 2017;23:3994–4003.",
  ],
  published: [
    {
      source: "R package Keyboard 0.1.3, get.boundary.kb",
      reproduces: "the decision table, several targets",
      fixture: "keyboard-boundaries.json#tables",
    },
  ],
  estimateName: "estimated DLT probability",
  createMethod: (spec, rules) => createKeyboardMethod(spec, { poolBackfill: rules.backfill !== null }),
  check: (spec) => keyIntervalIssues(spec.target, ["marginBelow", spec.marginBelow], ["marginAbove", spec.marginAbove], "target key"),
  describe: (spec, design) => [
    "## Escalation rules",
    "",
    `The target key is [${formatNumber(spec.target - spec.marginBelow)}, ${formatNumber(spec.target + spec.marginAbove)}]; ` +
      "keys of the same width are laid out on both sides of it, the end keys cut at 0 and 1 (their probability is scaled " +
      "to the full key width). With a Beta(1, 1) prior, the DLT rate at the current " +
      "dose has posterior Beta(1 + y, 1 + n − y); the key with the highest posterior probability (the strongest key) " +
      "decides: escalate if it lies below the target key, stay if it is the target key, de-escalate if above " +
      "(an exact tie goes to the higher key).",
    "",
    decisionTableText(design),
    "",
    ...intervalSafetyText(spec, DEFAULT_SELECTION_PRIOR),
  ],
});
