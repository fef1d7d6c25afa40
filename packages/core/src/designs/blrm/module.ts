import type { ValidationIssue } from "../../validation.js";
import { doseAmountsOf } from "../fields.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { BlrmMethod } from "./blrm.js";
import { type BlrmSpec, blrmSpec } from "./spec.js";

export const blrmDesign = defineDesign({
  name: "blrm",
  label: "BLRM with overdose control",
  title: "Bayesian logistic regression model (BLRM) with overdose control",
  schema: blrmSpec,
  capabilities: { exact: true, timeToEvent: false, efficacyAware: false, modelBased: true, doseAmounts: true },
  keyFields: ["doses", "cohortSize", "cohorts", "referenceDose"],
  references: [
    "Neuenschwander B, Branson M, Gsponer T. Critical aspects of the Bayesian approach to phase I cancer trials. Stat Med 2008;27:2420–2439.",
    "Babb J, Rogatko A, Zacks S. Cancer phase I clinical trials: efficient dose escalation with overdose control. Stat Med 1998;17:1103–1120.",
  ],
  published: [
    {
      source: "Neuenschwander, Branson & Gsponer 2008, worked example",
      reproduces: "posterior interval probabilities and the next dose",
      fixture: "published-values.json#blrm_neuenschwander_2008",
    },
  ],
  estimateName: "P(target interval)",
  nextDoseInBrief: "most likely in the target interval, overdose risk < limit",
  check: blrmIssues,
  createMethod: (spec) => new BlrmMethod(spec),
  // Without a target, a patient counts as overdosed at a dose in the over-dosing interval.
  overdoseThreshold: (spec) => spec.intervals[1],
  describe: (spec) => blrmText(spec),
});

function blrmIssues(spec: BlrmSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const amounts = doseAmountsOf(spec);
  if (amounts === null) {
    issues.push({
      path: "doses",
      message: 'must list every dose with its amount for a BLRM, e.g. [{ label: "2.4 mg/kg", amount: 2.4 }, …]',
    });
  } else {
    for (let i = 1; i < amounts.length; i++) {
      if (!(amounts[i]! > amounts[i - 1]!)) {
        issues.push({
          path: `doses.${i}.amount`,
          value: amounts[i],
          message: `must be > the previous amount ${amounts[i - 1]} (increasing)`,
        });
        break;
      }
    }
  }
  if (!(spec.intervals[0] < spec.intervals[1])) {
    issues.push({
      path: "intervals",
      value: spec.intervals,
      message: "must be two increasing probabilities [a, b]: under-dosing below a, over-dosing from b",
    });
  }
  return issues;
}

function blrmText(spec: BlrmSpec): string[] {
  const [low, high] = spec.intervals;
  const { mean, sd, correlation } = spec.prior;
  const lines = [
    "## Dose assignment",
    "",
    `The dose–toxicity relation is the Bayesian logistic regression model logit p(d) = log α + β·log(d / ${spec.referenceDose}), ` +
      `with (log α, log β) bivariate normal a priori: means ${formatNumber(mean[0], 3)} and ${formatNumber(mean[1], 3)}, standard deviations ` +
      `${sd[0]} and ${sd[1]}, correlation ${correlation}. After each cohort the posterior is computed from all patients (by deterministic ` +
      `numerical integration), giving for each dose the probabilities that its DLT rate lies in [0, ${low}) (under-dosing), ` +
      `[${low}, ${high}) (target) and [${high}, 1] (over-dosing).`,
    "",
    `- Escalation with overdose control: a dose is eligible only if P(over-dosing) < ${spec.overdoseLimit}.`,
  ];
  if (spec.maxStep !== undefined) {
    lines.push(`- A dose may exceed the highest dose given so far by at most ${formatNumber(100 * spec.maxStep)}%.`);
  }
  lines.push(
    "- The next cohort receives the eligible dose with the highest probability of a DLT rate in the target interval; the trial stops if no dose is eligible.",
    "",
    "## MTD selection",
    "",
    "At the end of the trial the MTD is the eligible dose, among those given, with the highest probability of the target interval.",
  );
  return lines;
}
