import { describeRules } from "../rules/normalize.js";
import type { Design } from "./design.js";
import { capitalise, formatNumber } from "./method.js";

/** Protocol-ready markdown: the design, its decision rules, stopping, MTD selection and references. */
export function describeDesign(design: Design): string {
  const spec = design.spec;
  const module = design.module;
  const lines: string[] = [];
  const doses = design.doseLabels.map((label, i) => (typeof spec.doses === "number" ? `${i + 1}` : `${i + 1} (${label})`));
  lines.push(`# ${spec.title ?? `${capitalise(module.title)} design`}`, "");
  const target = spec.target === undefined ? "" : ` The target DLT rate is ${spec.target}.`;
  const limit = spec.cohorts === undefined ? "" : `, up to ${spec.cohorts} cohorts (${spec.cohorts * spec.cohortSize} patients)`;
  lines.push(
    `Dose finding follows the ${module.title} design with ${design.doseCount} dose levels: ${doses.join(", ")}.${target} ` +
      `Patients are treated in cohorts of ${spec.cohortSize}${limit}, starting at dose level ${spec.startDose}.`,
    "",
  );
  lines.push(...module.describe(spec, design), "");
  const rules = describeRules(design.engine.rules);
  // Coherence, from the same threshold the engine uses (a method with its own, stricter rule states it above).
  const coherence = design.engine.coherenceTarget;
  if (coherence !== null && !design.method.readsLastCohort)
    rules.push(
      `Coherence: never escalate right after a cohort in which more than ${formatNumber(100 * coherence)}% of patients had a DLT.`,
    );
  if (!design.engine.rules.noSkipping) rules.push("Skipping allowed: escalation may pass over untried doses (allowSkipping).");
  if (rules.length > 0) lines.push("## Additional rules", "", ...rules.map((rule) => `- ${rule}`), "");
  lines.push("## References", "", ...module.references.map((reference) => `- ${reference}`), "");
  lines.push(
    "## Software validation",
    "",
    "The implementation (Escalate) is tested to reproduce:",
    "",
    ...module.published.map((entry) => `- ${entry.source}: ${entry.reproduces}.`),
    "",
  );
  return lines.join("\n");
}
