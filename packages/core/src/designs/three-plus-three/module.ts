import { decisionTableText } from "../interval/describe.js";
import { defineDesign } from "../module.js";
import { threePlusThreeSpec } from "./spec.js";
import { ThreePlusThreeMethod } from "./three-plus-three.js";

export const threePlusThreeDesign = defineDesign({
  name: "three-plus-three",
  label: "3+3",
  title: "3+3",
  schema: threePlusThreeSpec,
  capabilities: { exact: true, timeToEvent: false, efficacyAware: false, modelBased: false, doseAmounts: false },
  keyFields: ["doses"],
  references: [
    "Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925–937.",
    "Lin Y, Shih WJ. Statistical properties of the traditional algorithm-based designs for phase I cancer clinical trials. Biostatistics 2001;2:203–215.",
  ],
  published: [
    {
      source: "Lin & Shih 2001; the escalation-only and de-escalation algorithms",
      reproduces: "decision sequences",
      fixture: "published-values.json#three_plus_three_sequences",
    },
    {
      source: "R package bcrm 0.5.4, threep3",
      reproduces: "exact selection probabilities and mean sample sizes (confirmTopDose: false)",
      fixture: "published-values.json#three_plus_three_bcrm",
    },
  ],
  estimateName: "estimated DLT probability",
  createMethod: (spec) => new ThreePlusThreeMethod(spec),
  // Without a target, a patient counts as overdosed above 1/3, the rate the 3+3's rules are built around.
  overdoseThreshold: () => 1 / 3,
  describe: (spec, design) => [
    "## Escalation rules",
    "",
    "- 0 of 3 patients with a DLT: escalate to the next dose.",
    "- 1 of 3: treat 3 more patients at the same dose; escalate if at most 1 of the 6 has a DLT.",
    "- 2 or more patients with a DLT (of 3 or of 6): the dose exceeds the MTD.",
    spec.variant === "escalation-only"
      ? "- Variant *escalation-only*: the trial stops when a dose exceeds the MTD; the MTD is the next lower dose (none if dose 1 is exceeded). Doses are never revisited."
      : "- Variant *with de-escalation*: when a dose exceeds the MTD, the next lower dose is re-expanded to 6 patients if it had only 3; the MTD is the highest dose with at most 1 DLT in 6 patients below every exceeded dose.",
    spec.confirmTopDose
      ? "- At the highest dose, 0 of 3 is confirmed with 3 more patients; at most 1 of 6 makes it the MTD."
      : "- At the highest dose, 0 of 3 ends the trial with the highest dose as the MTD (not confirmed with 3 more); at most 1 of 6 does too.",
    "",
    decisionTableText(design),
  ],
});
