import { describeRules } from "../rules/normalize.js";
import { boinLambdas, resolvedBoinProbabilities } from "./boin/boin.js";
import { resolvedSkeleton } from "./crm/crm.js";
import type { Design } from "./design.js";
import { capitalise, formatNumber } from "./method.js";
import type { BlrmSpec, CrmSpec } from "./spec.js";

const REFERENCES: Record<string, string[]> = {
  "three-plus-three": [
    "Storer BE. Design and analysis of phase I clinical trials. Biometrics 1989;45:925–937.",
    "Lin Y, Shih WJ. Statistical properties of the traditional algorithm-based designs for phase I cancer clinical trials. Biostatistics 2001;2:203–215.",
  ],
  boin: [
    "Liu S, Yuan Y. Bayesian optimal interval designs for phase I clinical trials. J R Stat Soc C 2015;64:507–523.",
    "Yuan Y, Hess KR, Hilsenbeck SG, Gilbert MR. Bayesian optimal interval design: a simple and well-performing design for phase I oncology trials. Clin Cancer Res 2016;22:4291–4301.",
  ],
  keyboard: [
    "Yan F, Mandrekar SJ, Yuan Y. Keyboard: a novel Bayesian toxicity probability interval design for phase I clinical trials. Clin Cancer Res 2017;23:3994–4003.",
  ],
  mtpi2: [
    "Guo W, Wang SJ, Yang S, Lin S, Ji Y. A Bayesian interval dose-finding design addressing Ockham's razor: mTPI-2. Contemp Clin Trials 2017;58:23–33.",
  ],
  crm: [
    "O'Quigley J, Pepe M, Fisher L. Continual reassessment method: a practical design for phase 1 clinical trials in cancer. Biometrics 1990;46:33–48.",
    "Cheung YK. Dose Finding by the Continual Reassessment Method. Chapman & Hall/CRC, 2011.",
    "Lee SM, Cheung YK. Model calibration in the continual reassessment method. Clin Trials 2009;6:227–238.",
  ],
  "tite-crm": [
    "Cheung YK, Chappell R. Sequential designs for phase I clinical trials with late-onset toxicities. Biometrics 2000;56:1177–1182.",
    "Cheung YK. Dose Finding by the Continual Reassessment Method. Chapman & Hall/CRC, 2011.",
  ],
  blrm: [
    "Neuenschwander B, Branson M, Gsponer T. Critical aspects of the Bayesian approach to phase I cancer trials. Stat Med 2008;27:2420–2439.",
    "Babb J, Rogatko A, Zacks S. Cancer phase I clinical trials: efficient dose escalation with overdose control. Stat Med 1998;17:1103–1120.",
  ],
};

const NAMES: Record<string, string> = {
  "three-plus-three": "3+3",
  boin: "Bayesian optimal interval (BOIN)",
  keyboard: "Keyboard",
  mtpi2: "modified toxicity probability interval-2 (mTPI-2)",
  crm: "continual reassessment method (CRM)",
  "tite-crm": "time-to-event continual reassessment method (TITE-CRM)",
  blrm: "Bayesian logistic regression model (BLRM) with overdose control",
};

/** Protocol-ready markdown: the design, its decision table, stopping, MTD selection and references. */
export function describeDesign(design: Design): string {
  const spec = design.spec;
  const lines: string[] = [];
  const doses = design.doseLabels.map((label, i) => (typeof spec.doses === "number" ? `${i + 1}` : `${i + 1} (${label})`));
  lines.push(`# ${spec.title ?? `${capitalise(NAMES[spec.design]!)} design`}`, "");
  const target = spec.target === undefined ? "" : ` The target DLT rate is ${spec.target}.`;
  const limit = spec.cohorts === undefined ? "" : `, up to ${spec.cohorts} cohorts (${spec.cohorts * spec.cohortSize} patients)`;
  lines.push(
    `Dose finding follows the ${NAMES[spec.design]} design with ${design.doseCount} dose levels: ${doses.join(", ")}.${target} ` +
      `Patients are treated in cohorts of ${spec.cohortSize}${limit}, starting at dose level ${spec.startDose}.`,
    "",
  );
  lines.push(...designRules(design), "");
  const rules = describeRules(design.engine.rules);
  // Coherence, from the same threshold the engine uses (a method with its own, stricter rule states it above).
  const coherence = design.engine.coherenceTarget;
  if (coherence !== null && !design.method.readsLastCohort)
    rules.push(
      `Coherence: never escalate right after a cohort in which more than ${formatNumber(100 * coherence)}% of patients had a DLT.`,
    );
  if (!design.engine.rules.noSkipping) rules.push("Skipping allowed: escalation may pass over untried doses (allowSkipping).");
  if (rules.length > 0) lines.push("## Additional rules", "", ...rules.map((rule) => `- ${rule}`), "");
  lines.push("## References", "", ...(REFERENCES[spec.design] ?? []).map((reference) => `- ${reference}`), "");
  return lines.join("\n");
}

function designRules(design: Design): string[] {
  const spec = design.spec;
  if (spec.design === "crm" || spec.design === "tite-crm") return crmRules(spec);
  if (spec.design === "blrm") return blrmRules(spec);
  const table = decisionTable(design);
  switch (spec.design) {
    case "three-plus-three":
      return [
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
        table,
      ];
    case "boin": {
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
        table,
        "",
        ...intervalSafetyText(design),
      ];
    }
    case "keyboard":
      return [
        "## Escalation rules",
        "",
        `The target key is [${formatNumber(spec.target - spec.marginBelow)}, ${formatNumber(spec.target + spec.marginAbove)}]; ` +
          "keys of the same width are laid out on both sides of it, the end keys cut at 0 and 1 (their probability is scaled " +
          "to the full key width). With a Beta(1, 1) prior, the DLT rate at the current " +
          "dose has posterior Beta(1 + y, 1 + n − y); the key with the highest posterior probability (the strongest key) " +
          "decides: escalate if it lies below the target key, stay if it is the target key, de-escalate if above " +
          "(an exact tie goes to the higher key).",
        "",
        table,
        "",
        ...intervalSafetyText(design),
      ];
    case "mtpi2":
      return [
        "## Escalation rules",
        "",
        `The equivalence interval is [${formatNumber(spec.target - spec.epsilon1)}, ${formatNumber(spec.target + spec.epsilon2)}]; ` +
          "the rest of [0, 1] is cut into subintervals of the same length (the end ones cut short at 0 and 1). With a Beta(1, 1) prior, the subinterval with the " +
          "largest unit probability mass (posterior probability divided by length) decides: escalate (E) if below the " +
          "equivalence interval, stay (S) if it is the equivalence interval, de-escalate (D) if above.",
        "",
        table,
        "",
        ...intervalSafetyText(design),
      ];
  }
}

function crmRules(spec: CrmSpec): string[] {
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
      `(by adaptive Gauss–Hermite quadrature), and the next cohort receives the dose whose estimated DLT probability — ${estimate} — ` +
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

function blrmRules(spec: BlrmSpec): string[] {
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

function intervalSafetyText(design: Design): string[] {
  const spec = design.spec;
  if (spec.design === "three-plus-three" || spec.design === "crm" || spec.design === "tite-crm" || spec.design === "blrm") return [];
  const lines = [
    "## Safety and stopping",
    "",
    `- Elimination: with at least 3 patients at a dose, if P(DLT rate > ${spec.target} | data) > ${spec.eliminationCutoff} ` +
      "under a Beta(1, 1) prior, that dose and all higher doses are eliminated and never used again. If the lowest dose " +
      "is eliminated the trial stops without selecting an MTD.",
  ];
  if (spec.extraSafe) {
    lines.push(
      `- Extra-safe rule: the trial also stops when, with at least 3 patients at the lowest dose, P(DLT rate > ${spec.target}) > ` +
        `${formatNumber(spec.eliminationCutoff - spec.offset)} (the cutoff minus ${spec.offset}).`,
    );
  }
  if (spec.earlyStopN !== undefined) {
    lines.push(`- Early stop: once ${spec.earlyStopN} patients have been treated at the current dose and the decision is to stay there.`);
  }
  const estimate =
    spec.design === "mtpi2" ? "(y + 0.005)/(n + 0.01), its posterior mean under a Beta(0.005, 0.005) prior," : "(y + 0.05)/(n + 0.1)";
  lines.push(
    `- Escalation to an eliminated dose, or beyond the highest dose, becomes "stay"; de-escalation below the lowest dose becomes "stay".`,
    "",
    "## MTD selection",
    "",
    `At the end of the trial, the DLT rate of each tried, non-eliminated dose is estimated by ${estimate} and ` +
      "smoothed by isotonic regression (pool-adjacent-violators, weighted by the inverse variance). The MTD is the dose " +
      `whose estimate is closest to the target ${spec.target}; among tied estimates, the higher dose when they lie below ` +
      "the target and the lower dose when above.",
  );
  if (spec.design === "boin" && spec.boundMtd)
    lines.push("", "The selected MTD's estimate must not exceed λd; otherwise the next lower dose is selected.");
  return lines;
}

function decisionTable(design: Design): string {
  const { table } = design.boundaries();
  const cell = (value: number | null) => (value === null ? "—" : String(value));
  const rows = [
    "| Patients at the current dose | Escalate if DLTs ≤ | De-escalate if DLTs ≥ | Eliminate if DLTs ≥ |",
    "|---:|---:|---:|---:|",
    ...table.map((row) => `| ${row.n} | ${cell(row.escalate)} | ${cell(row.deescalate)} | ${cell(row.eliminate)} |`),
  ];
  return rows.join("\n");
}
