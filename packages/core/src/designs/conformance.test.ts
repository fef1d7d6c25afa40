import { describe, expect, it } from "vitest";
import { parseOutcomes } from "../outcomes/notation.js";
import { createRandom } from "../stats/random.js";
import { createDesign, type Decision, type Design } from "./design.js";
import { formatReason, type Reason } from "./reasons.js";

/**
 * One conformance suite that every design, with and without rules, must pass (DESIGN.md): decisions
 * stay inside the admissible doses, coherence, no skipping, determinism, consistent fields.
 * New designs join by adding a spec here.
 */
const SPECS: Record<string, Record<string, unknown>> = {
  "3+3 escalation-only": { design: "three-plus-three", doses: 5, variant: "escalation-only" },
  "3+3 de-escalation": { design: "three-plus-three", doses: 5, variant: "de-escalation" },
  BOIN: { design: "boin", target: 0.3, doses: 5, cohorts: 8 },
  "BOIN extra-safe, early stop": { design: "boin", target: 0.25, doses: 4, cohorts: 8, extraSafe: true, earlyStopN: 9 },
  Keyboard: { design: "keyboard", target: 0.3, doses: 5, cohorts: 8 },
  BOIN12: { design: "boin12", doses: 5, cohorts: 8 },
  "TITE-BOIN (complete outcomes)": { design: "tite-boin", target: 0.25, doses: 5, cohorts: 8, window: 42 },
  "mTPI-2": { design: "mtpi2", target: 0.2, doses: 5, cohorts: 8 },
  "CRM (empiric), no skipping": {
    design: "crm",
    target: 0.25,
    doses: 5,
    cohorts: 6,
    skeleton: [0.05, 0.12, 0.25, 0.4, 0.55],
    rules: [{ type: "no-skipping" }],
  },
  "CRM (logistic, posterior mean, safety stop, calibrated)": {
    design: "crm",
    target: 0.3,
    doses: 4,
    cohorts: 6,
    model: "logistic",
    estimate: "posterior-mean",
    skeleton: { halfWidth: 0.06, priorMtd: 2 },
    safetyStop: { confidence: 0.9 },
    rules: [{ type: "no-skipping" }, { type: "expansion", patients: 3 }],
  },
  // Every design as it comes, with no rules: the safe defaults must hold on their own (issue 16).
  "CRM, defaults": { design: "crm", target: 0.25, doses: 5, cohorts: 6, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] },
  "BLRM, defaults": {
    design: "blrm",
    doses: [1, 2, 4, 8, 12].map((amount) => ({ label: `${amount} mg/m²`, amount })),
    referenceDose: 8,
    cohorts: 5,
  },
  "BLRM with EWOC": {
    design: "blrm",
    doses: [1, 2, 4, 8, 12].map((amount) => ({ label: `${amount} mg/m²`, amount })),
    referenceDose: 8,
    cohorts: 5,
    maxStep: 1,
  },
  "BOIN with every rule": {
    design: "boin",
    target: 0.3,
    doses: 5,
    cohorts: 8,
    startDose: 2,
    rules: [
      { type: "stop-when-too-toxic", confidence: 0.8, minPatients: 3 },
      { type: "stop-at-n-at-dose", n: 9 },
      { type: "stop-at-n", n: 18 },
      { type: "no-skipping" },
      { type: "expansion", patients: 6 },
    ],
  },
  "mTPI-2 with every rule": {
    design: "mtpi2",
    target: 0.3,
    doses: 4,
    cohorts: 8,
    rules: [
      { type: "no-skipping" },
      { type: "expansion", patients: 3 },
      { type: "stop-when-too-toxic", threshold: 0.4, confidence: 0.7 },
      { type: "stop-at-n", n: 15 },
    ],
  },
};

/** Every history the design itself would produce, up to `depth` cohorts. */
function followedHistories(design: Design, depth: number): string[] {
  const histories: string[] = [];
  const visit = (history: string, level: number) => {
    histories.push(history);
    if (level === depth) return;
    const decision = design.decide(history);
    if (decision.dose === null) return;
    const size = decision.cohortSize!;
    for (let dlts = 0; dlts <= size; dlts++) {
      const cohort = `${decision.dose}${"T".repeat(dlts)}${"N".repeat(size - dlts)}`;
      visit(history ? `${history} ${cohort}` : cohort, level + 1);
    }
  };
  visit("", 0);
  return histories;
}

/** Histories that do not follow the design (sites deviate): random doses and outcomes. */
function deviatingHistories(doseCount: number, count: number): string[] {
  const random = createRandom(7, doseCount);
  return Array.from({ length: count }, () => {
    const cohorts = 1 + Math.floor(random.nextUniform() * 6);
    return Array.from({ length: cohorts }, () => {
      const dose = 1 + Math.floor(random.nextUniform() * doseCount);
      const letters = Array.from({ length: 3 }, () => (random.nextUniform() < 0.3 ? "T" : "N")).join("");
      return `${dose}${letters}`;
    }).join(" ");
  });
}

function atDose(history: string, dose: number): { n: number; y: number } {
  let n = 0;
  let y = 0;
  for (const cohort of parseOutcomes(history)) {
    if (cohort.dose !== dose) continue;
    n += cohort.dlts.length;
    y += cohort.dlts.filter(Boolean).length;
  }
  return { n, y };
}

function checkDecisionShape(design: Design, history: string, decision: Decision): void {
  expect(decision.admissible, history).toHaveLength(design.doseCount);
  expect(decision.stop, history).toBe(decision.dose === null);
  expect(decision.stop, history).toBe(decision.action === "stop");
  if (decision.dose !== null) {
    expect(decision.dose >= 1 && decision.dose <= design.doseCount, history).toBe(true);
    expect(decision.admissible[decision.dose - 1], `${history}: recommends an inadmissible dose`).toBe(true);
    expect(decision.cohortSize, history).toBeGreaterThan(0);
  }
  if (decision.mtd !== null) expect(decision.admissible[decision.mtd - 1] || decision.phase === "expansion", history).toBe(true);
  // Admissibility is monotone: once a dose is out, every higher dose is out (efficacy-aware designs may
  // also drop a single futile dose).
  const firstOut = decision.admissible.indexOf(false);
  if (firstOut >= 0 && !design.module.capabilities.efficacyAware)
    expect(
      decision.admissible.slice(firstOut).every((a) => !a),
      history,
    ).toBe(true);
  expect(decision.reasons.length, history).toBeGreaterThan(0);
  // Every sentence comes from a structured reason (its code and numbers, doses 1-based) by the one formatter.
  expect(decision.why.length, history).toBe(decision.reasons.length);
  decision.why.forEach((reason, i) => {
    expect(formatReason(internalReason(reason), design.doseName), history).toBe(decision.reasons[i]);
    for (const field of ["dose", "to", "from"] as const) {
      const value = (reason as Record<string, unknown>)[field];
      if (typeof value === "number") expect(value >= 1 && value <= design.doseCount + 1, `${history}: ${reason.code}.${field}`).toBe(true);
    }
  });
}

/** A public (1-based) reason back to the engine's 0-based doses. */
function internalReason(reason: Reason): Reason {
  const out: Record<string, unknown> = { ...reason };
  for (const field of ["dose", "to", "from", "advised", "mtd"]) if (typeof out[field] === "number") out[field] = (out[field] as number) - 1;
  return out as Reason;
}

describe.each(Object.entries(SPECS))("conformance: %s", (_name, spec) => {
  const design = createDesign(spec);
  // The BLRM's threshold is the start of its over-dosing interval (0.33 by default).
  const target = (spec.target as number | undefined) ?? (spec.design === "blrm" ? 0.33 : 1 / 3);
  const followed = followedHistories(design, 5);
  const deviating = deviatingHistories(design.doseCount, 300);

  it("never recommends an eliminated or inadmissible dose, and reports consistent fields", () => {
    for (const history of [...followed, ...deviating]) checkDecisionShape(design, history, design.decide(history));
  });

  // Designs that decide from the current dose alone must be coherent in its DLT rate, on any history.
  // Model-based designs use every dose's data, so coherence is Cheung's (2005): no escalation right
  // after a cohort with a DLT, and, when the design is followed, no de-escalation right after one without.
  const modelBased = spec.design === "crm" || spec.design === "blrm";
  const coherentByDesign = spec.design === "crm" && spec.coherent !== false;
  it("is coherent", () => {
    for (const history of [...followed, ...deviating]) {
      const decision = design.decide(history);
      if (decision.phase === "expansion" || history === "") continue;
      const cohorts = parseOutcomes(history);
      const last = cohorts.at(-1)!;
      const current = last.dose;
      if (modelBased) {
        const lastHadDlt = last.dlts.some(Boolean);
        if (decision.action === "escalate" && coherentByDesign) expect(lastHadDlt, `${history} escalates after a DLT`).toBe(false);
        if (decision.action === "de-escalate" && followed.includes(history) && decision.admissible[current - 1]) {
          expect(lastHadDlt, `${history} de-escalates without a DLT`).toBe(true);
        }
        continue;
      }
      const { n, y } = atDose(history, current);
      if (decision.action === "escalate") expect(y / n, `${history} escalates`).toBeLessThanOrEqual(target);
      // An efficacy-aware design may also de-escalate to a more desirable dose.
      if (decision.action === "de-escalate" && decision.admissible[current - 1] && !design.module.capabilities.efficacyAware) {
        expect(y / n, `${history} de-escalates`).toBeGreaterThanOrEqual(target);
      }
    }
  });

  it("never skips an untried dose when escalating, followed or not", () => {
    for (const history of [...followed, ...deviating]) {
      const decision = design.decide(history);
      if (decision.dose === null || history === "") continue;
      const highestTried = Math.max(...parseOutcomes(history).map((cohort) => cohort.dose));
      expect(decision.dose, history).toBeLessThanOrEqual(highestTried + 1);
    }
  });

  it("never escalates right after a cohort whose DLT rate was above the target (the default)", () => {
    expect(design.spec.coherent, "coherence is on by default").toBe(spec.coherent ?? true);
    expect(design.spec.allowSkipping, "skipping is off by default").toBe(false);
    for (const history of [...followed, ...deviating]) {
      const decision = design.decide(history);
      if (history === "" || decision.dose === null || decision.phase === "expansion") continue;
      const last = parseOutcomes(history).at(-1)!;
      if (decision.dose <= last.dose) continue;
      const rate = last.dlts.filter(Boolean).length / last.dlts.length;
      expect(rate, `${history} escalates to dose ${decision.dose}`).toBeLessThanOrEqual(target);
    }
  });

  it("is deterministic: the same history gives the same decision from a fresh design", () => {
    const again = createDesign(spec);
    for (const history of followed.slice(0, 200)) expect(again.decide(history), history).toEqual(design.decide(history));
  });

  it("selects an MTD among the tried, admissible doses", () => {
    for (const history of followed) {
      const { mtd } = design.selectMtd(history);
      if (mtd === null) continue;
      expect(atDose(history, mtd).n, history).toBeGreaterThan(0);
    }
  });
});
