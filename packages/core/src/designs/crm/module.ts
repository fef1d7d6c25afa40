import { ValidationError, type ValidationIssue } from "../../validation.js";
import { doseCountOf } from "../fields.js";
import { formatNumber } from "../method.js";
import { defineDesign } from "../module.js";
import { simulateTimeToEventTrials } from "../time-to-event-simulation.js";
import { CrmMethod, resolvedSkeleton } from "./crm.js";
import { QUADRATURE_STEP } from "./posterior.js";
import { type CrmSpec, crmSpec, titeCrmSpec } from "./spec.js";

const capabilities = { exact: true, timeToEvent: false, efficacyAware: false, modelBased: true, doseAmounts: false };
const references = [
  "O'Quigley J, Pepe M, Fisher L. Continual reassessment method: a practical design for phase 1 clinical trials in cancer. Biometrics 1990;46:33–48.",
  "Cheung YK. Dose Finding by the Continual Reassessment Method. Chapman & Hall/CRC, 2011.",
  "Lee SM, Cheung YK. Model calibration in the continual reassessment method. Clin Trials 2009;6:227–238.",
];
const estimateName = "estimated DLT probability";
const crmPublished = [
  {
    source: "Cheung 2011, worked example (p. 21)",
    reproduces: "β̂ and the next dose, empiric and logistic",
    fixture: "published-values.json#crm_cheung_example",
  },
  {
    source: "R package dfcrm, crm() and titecrm() help pages",
    reproduces: "β̂ and the estimates to 10⁻⁵",
    fixture: "published-values.json#crm_dfcrm_help_examples",
  },
  { source: "R package dfcrm, getprior", reproduces: "the calibrated skeleton", fixture: "published-values.json#crm_getprior_published" },
  {
    source: "R packages escalation and trialr, README examples",
    reproduces: "next doses and posterior means",
    fixture: "published-values.json#crm_escalation_readme",
  },
];
const nextDoseInBrief = "estimate closest to the target";

export const crmDesign = defineDesign({
  name: "crm",
  label: "CRM",
  title: "continual reassessment method (CRM)",
  schema: crmSpec,
  capabilities,
  keyFields: ["target", "doses", "cohortSize", "cohorts", "skeleton"],
  references,
  published: crmPublished,
  estimateName,
  nextDoseInBrief,
  check: skeletonIssues,
  createMethod: (spec) => new CrmMethod(spec),
  describe: (spec) => crmText(spec),
  calibration: {
    // Lee & Cheung (2009): the skeleton by the indifference interval target ± δ, δ chosen for the best
    // average PCS; δ on a grid of 0.01 below min(target, 1 − target), the prior guess of the MTD as given
    // (or the median dose), and the prior variance as it is unless a grid is given.
    grid: (spec) => ({
      halfWidth: Array.from({ length: Math.round(Math.min(spec.target, 1 - spec.target) * 100) - 1 }, (_, i) => (i + 1) / 100),
      priorVariance: [spec.priorVariance],
    }),
    apply: (spec, values) => ({
      ...spec,
      skeleton: {
        halfWidth: values.halfWidth ?? (Array.isArray(spec.skeleton) ? 0.05 : spec.skeleton.halfWidth),
        priorMtd: Array.isArray(spec.skeleton) ? Math.ceil(doseCountOf(spec) / 2) : spec.skeleton.priorMtd,
      },
      priorVariance: values.priorVariance ?? spec.priorVariance,
    }),
  },
});

export const titeCrmDesign = defineDesign({
  name: "tite-crm",
  label: "TITE-CRM",
  title: "time-to-event continual reassessment method (TITE-CRM)",
  schema: titeCrmSpec,
  capabilities: { ...capabilities, exact: false, timeToEvent: true },
  keyFields: ["target", "doses", "cohortSize", "cohorts", "skeleton", "window"],
  references: [
    "Cheung YK, Chappell R. Sequential designs for phase I clinical trials with late-onset toxicities. Biometrics 2000;56:1177–1182.",
    ...references,
  ],
  published: crmPublished.filter((entry) => entry.fixture.endsWith("crm_dfcrm_help_examples")),
  estimateName,
  nextDoseInBrief,
  check: (spec) => [
    ...skeletonIssues(spec),
    ...(spec.expansion || spec.rules.some((rule) => rule.type === "expansion")
      ? [{ path: "expansion", message: "is not available for tite-crm (patients are enrolled while others are still followed)" }]
      : []),
  ],
  createMethod: (spec) => new CrmMethod(spec),
  describe: (spec) => crmText(spec),
  simulateTrials: simulateTimeToEventTrials,
});

function skeletonIssues(spec: CrmSpec): ValidationIssue[] {
  const doseCount = doseCountOf(spec);
  if (!Array.isArray(spec.skeleton)) {
    try {
      resolvedSkeleton(spec);
      return [];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return error.issues.map((issue) => ({ ...issue, path: `skeleton.${issue.path}` }));
    }
  }
  const skeleton = spec.skeleton;
  if (skeleton.length !== doseCount) {
    return [{ path: "skeleton", value: skeleton, message: `must have one value per dose (${doseCount} values, got ${skeleton.length})` }];
  }
  for (let i = 1; i < skeleton.length; i++) {
    if (!(skeleton[i]! > skeleton[i - 1]!)) {
      return [
        { path: `skeleton.${i}`, value: skeleton[i], message: `must be > the previous value ${skeleton[i - 1]} (strictly increasing)` },
      ];
    }
  }
  if (spec.model === "logistic" && skeleton.some((s) => Math.log(s / (1 - s)) >= spec.intercept)) {
    return [{ path: "intercept", value: spec.intercept, message: "must exceed the logit of every skeleton value" }];
  }
  return [];
}

function crmText(spec: CrmSpec): string[] {
  const skeleton = resolvedSkeleton(spec).map((value) => formatNumber(value, 4));
  const calibration = Array.isArray(spec.skeleton)
    ? ""
    : ` The skeleton was calibrated by the indifference-interval method (Lee & Cheung 2009) with half-width ${spec.skeleton.halfWidth} and prior MTD at dose level ${spec.skeleton.priorMtd}.`;
  const model =
    spec.model === "empiric"
      ? "the empiric (power) model p_d = s_d^exp(β)"
      : `the one-parameter logistic model logit p_d = ${spec.intercept} + exp(β)·x_d with dose labels x_d = logit(s_d) − ${spec.intercept}`;
  const estimate =
    spec.estimate === "plug-in"
      ? "the DLT probability of each dose evaluated at the posterior mean of β (as in the R package dfcrm)"
      : "the posterior mean of each dose's DLT probability";
  const lines = [
    "## Dose assignment",
    "",
    `The skeleton (prior DLT probabilities) is ${skeleton.join(", ")}.${calibration} The dose–toxicity relation follows ${model}, ` +
      `with a normal prior β ~ N(0, ${spec.priorVariance}). After each cohort the posterior of β is computed from all patients ` +
      `(by the trapezoid rule after the change of variable β = mode + scale·sinh(u), with step ${QUADRATURE_STEP} in u, centred on ` +
      `the posterior mode), and the next cohort receives the dose whose estimated DLT probability — ${estimate} — ` +
      `is closest to the target ${spec.target}.`,
    "",
  ];
  if (spec.design === "tite-crm") {
    lines.push(
      `- Time-to-event CRM (Cheung & Chappell 2000): patients are enrolled without waiting for earlier patients to complete the ${spec.window}-day DLT window. ` +
        "A patient without DLT so far contributes with weight (days followed) / (window length) to the likelihood; DLTs and completed patients count fully.",
    );
  }
  if (spec.coherent) lines.push("- Coherence: the dose is never escalated immediately after a cohort in which a DLT occurred.");
  if (spec.safetyStop) {
    lines.push(
      `- Safety stop: once ${spec.safetyStop.minPatients} patients have been treated, the trial stops if P(DLT rate at dose level 1 > ` +
        `${spec.safetyStop.threshold ?? spec.target} | data) > ${spec.safetyStop.confidence}.`,
    );
  }
  lines.push(
    "",
    "## MTD selection",
    "",
    "At the end of the trial the MTD is the dose the model recommends from all the data, among the doses that have been given.",
  );
  return lines;
}
