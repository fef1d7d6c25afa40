import { capitalise, type DoseNamer, formatNumber } from "./method.js";

/** A move at a dose, as reasons state it. */
export type Move = "escalate" | "stay" | "de-escalate";

/**
 * Why a decision is what it is: a code and the numbers behind it. Doses are 0-based here, as in the
 * engine; `publicReason` makes them 1-based for the API. `formatReason` is the one place they become
 * words, so the words never say more than the data.
 */
export type Reason =
  // The engine and its rules.
  | { code: "start"; dose: number }
  | { code: "cannot-start" }
  | { code: "expansion-closed"; dose: number }
  | { code: "expansion-complete"; dose: number; patients: number }
  | { code: "expansion-continues"; dose: number; treated: number; patients: number }
  | { code: "expansion-starts"; patients: number }
  /** The randomized stage after dose finding: the doses compared (1-based, as `compared`) and patients per arm. */
  | { code: "randomized-stage"; doses: number[]; perArm: number }
  | { code: "randomized-not-run" }
  | { code: "max-cohorts"; cohorts: number }
  | { code: "max-patients"; patients: number }
  | { code: "coherence"; dose: number; dlts: number; n: number; target: number }
  | { code: "coherence-stop"; dlts: number; n: number; target: number }
  | { code: "no-skipping"; dose: number }
  | { code: "max-at-dose"; dose: number; n: number; limit: number }
  | { code: "enrolment-cap"; dose: number; n: number; limit: number }
  | { code: "mtd-before-expansion"; dose: number }
  | { code: "deviation"; cohort: number; dose: number; advised: number | null }
  | { code: "too-toxic"; dose: number; threshold: number; probability: number; confidence: number }
  // Interval designs (BOIN, Keyboard, mTPI-2, TITE-BOIN) and backfill.
  | { code: "extra-safe"; dose: number; n: number; y: number; target: number; probability: number; cutoff: number }
  | { code: "eliminated"; dose: number; n: number; y: number; target: number; probability: number; cutoff: number }
  | { code: "lowest-too-toxic" }
  | { code: "current-inadmissible"; dose: number; to: number }
  | { code: "boin-rule"; dose: number; n: number; y: number; lambdaE: number; lambdaD: number; move: Move }
  | { code: "keyboard-rule"; dose: number; n: number; y: number; low: number; high: number; move: Move }
  | { code: "mtpi2-rule"; dose: number; n: number; y: number; low: number; high: number; move: Move }
  | { code: "pending-deescalate"; dose: number; n: number; y: number; pending: number; stft: number; lambdaD: number }
  | { code: "pending-suspend"; dose: number; n: number; y: number; pending: number; stft: number; maxPendingFraction: number }
  | {
      code: "pending-estimate";
      dose: number;
      n: number;
      y: number;
      pending: number;
      stft: number;
      variant: "imputation" | "ess";
      estimate: number;
      lambdaE: number;
      lambdaD: number;
      move: Move;
    }
  | { code: "backfill-conflict"; dose: number; from: number; n: number; y: number; to: number }
  | { code: "highest-dose" }
  | { code: "next-eliminated"; dose: number }
  | { code: "lowest-dose" }
  | { code: "early-stop"; dose: number; n: number; limit: number }
  | { code: "no-mtd" }
  | { code: "mtd-isotonic"; dose: number; target: number }
  // BOIN12.
  | { code: "boin12-too-toxic"; dose: number; n: number; y: number; phiT: number; cutoff: number }
  | { code: "boin12-futile"; dose: number; n: number; e: number; phiE: number; cutoff: number }
  | { code: "boin12-explore"; dose: number; n: number; to: number }
  | { code: "boin12-deescalate"; dose: number; n: number; y: number; lambdaD: number; to: number }
  | {
      code: "boin12-desirability";
      dose: number;
      n: number;
      y: number;
      lambdaE: number;
      lambdaD: number;
      /** The doses compared (1-based) and their scores, 100 × Pr(u > u_b). */
      compared: number[];
      scores: number[];
      to: number;
    }
  | { code: "boin12-obd"; dose: number; mtd: number; utility: number }
  // The 3+3.
  | { code: "3+3-exceeded"; dose: number; n: number; y: number }
  | { code: "3+3-lowest-too-toxic" }
  | { code: "3+3-stop-escalation-only" }
  | { code: "3+3-lower-has-six"; dose: number; n: number }
  | { code: "3+3-deescalate"; dose: number }
  | { code: "3+3-complete-cohort"; dose: number; n: number; y: number }
  | { code: "3+3-three-more"; dose: number; n: number; y: number }
  | { code: "3+3-mtd-found"; dose: number; n: number; y: number; highest: boolean }
  | { code: "3+3-confirm"; dose: number; n: number; y: number; highest: boolean }
  | { code: "3+3-escalate"; dose: number; n: number; y: number }
  | { code: "3+3-mtd"; dose: number | null; deescalation: boolean }
  // Model-based designs.
  | { code: "crm-safety-stop"; threshold: number; probability: number; confidence: number }
  | {
      code: "crm-model";
      model: string;
      betaHat: number;
      estimate: "plug-in" | "posterior-mean";
      target: number;
      value: number;
      dose: number;
    }
  | { code: "crm-coherence"; dose: number }
  | { code: "crm-no-mtd" }
  | { code: "crm-mtd"; dose: number; target: number }
  | { code: "blrm-ewoc"; dose: number; pOver: number; limit: number }
  | { code: "blrm-none-eligible" }
  | { code: "blrm-best"; dose: number; pTarget: number; pOver: number; limit: number }
  | { code: "blrm-max-step"; cap: number; maxStep: number }
  | { code: "blrm-no-mtd" }
  | { code: "blrm-mtd"; dose: number };

export type ReasonCode = Reason["code"];

const dlts = (y: number, n: number) => `${y} of ${n} patients had a DLT`;
const moveWords = (move: Move) => move;

/** The words of a reason (doses named as the design names them). */
export function formatReason(reason: Reason, doseName: DoseNamer): string {
  const name = doseName;
  switch (reason.code) {
    case "start":
      return `No patients treated yet: start at ${name(reason.dose)}.`;
    case "cannot-start":
      return "No dose is admissible: the trial cannot start.";
    case "expansion-closed":
      return `The expansion dose, ${name(reason.dose)}, is no longer safe: stop the expansion.`;
    case "expansion-complete":
      return `The expansion cohort of ${reason.patients} patients at the MTD, ${name(reason.dose)}, is complete: stop.`;
    case "expansion-continues":
      return `Expansion at the MTD, ${name(reason.dose)}: ${reason.treated} of ${reason.patients} additional patients treated so far.`;
    case "expansion-starts":
      return `Dose finding is complete: treat an expansion cohort of ${reason.patients} patients at the MTD.`;
    case "randomized-stage":
      return `Dose finding is complete: randomize ${reason.perArm} patients per arm between ${reason.doses.map((d) => name(d - 1)).join(" and ")} (ROSE selection).`;
    case "randomized-not-run":
      return "Fewer than two admissible doses can be compared: the randomized stage is not run and the selected dose stands.";
    case "max-cohorts":
      return `The maximum of ${reason.cohorts} cohorts has been treated: stop.`;
    case "max-patients":
      return `${reason.patients} patients have been treated (stop-at-n rule): stop.`;
    case "coherence":
      return `Coherence: the last cohort had ${reason.dlts} DLT${reason.dlts > 1 ? "s" : ""} in ${reason.n}, above the target ${reason.target}: no escalation; stay at ${name(reason.dose)}.`;
    case "coherence-stop":
      return `Coherence: the last cohort had ${reason.dlts} DLT${reason.dlts > 1 ? "s" : ""} in ${reason.n}, above the target ${reason.target}: no escalation, and no admissible dose at or below the current one: stop.`;
    case "no-skipping":
      return `No skipping: escalate only to ${name(reason.dose)}, the next untried dose.`;
    case "max-at-dose":
      return `${name(reason.dose)} already has ${reason.n} patients (stop-at-n-at-dose rule, n = ${reason.limit}): stop.`;
    case "enrolment-cap":
      return `${capitalise(name(reason.dose))} has ${reason.n} patients (stop-at-n-enrolled rule, n = ${reason.limit}): stop.`;
    case "mtd-before-expansion":
      return `The MTD was declared before the expansion cohort: dose ${reason.dose + 1}.`;
    case "deviation":
      return `Note: cohort ${reason.cohort} was treated at dose ${reason.dose + 1} where the design ${reason.advised === null ? "had stopped" : `advised dose ${reason.advised + 1}`}.`;
    case "too-toxic":
      return (
        `${capitalise(name(reason.dose))} and higher are too toxic (stop-when-too-toxic rule): P(DLT rate > ${reason.threshold}) = ` +
        `${formatNumber(reason.probability)} > ${reason.confidence}.`
      );
    case "extra-safe":
      return (
        `Extra-safe rule: at ${name(reason.dose)} ${reason.y} of ${reason.n} patients had a DLT; P(DLT rate > ${reason.target}) = ` +
        `${formatNumber(reason.probability)} > ${formatNumber(reason.cutoff)}, so every dose is eliminated.`
      );
    case "eliminated":
      return (
        `${capitalise(name(reason.dose))} and higher are eliminated: ${dlts(reason.y, reason.n)} and ` +
        `P(DLT rate > ${reason.target}) = ${formatNumber(reason.probability)} > ${formatNumber(reason.cutoff)}.`
      );
    case "lowest-too-toxic":
      return "The lowest dose is too toxic: stop the trial without selecting an MTD.";
    case "current-inadmissible":
      return `The current ${name(reason.dose)} is no longer admissible: de-escalate to ${name(reason.to)}.`;
    case "boin-rule": {
      const rate = `${dlts(reason.y, reason.n)}; the rate ${formatNumber(reason.y / reason.n)}`;
      const e = formatNumber(reason.lambdaE, 4);
      const d = formatNumber(reason.lambdaD, 4);
      const why =
        reason.move === "escalate"
          ? `${rate} is ≤ λe = ${e}: escalate.`
          : reason.move === "de-escalate"
            ? `${rate} is ≥ λd = ${d}: de-escalate.`
            : reason.y / reason.n >= reason.lambdaD
              ? `${rate} is ≥ λd = ${d}, but 1 DLT of 3 stays (stayOnOneOfThree): stay.`
              : `${rate} lies between λe = ${e} and λd = ${d}: stay.`;
      return `At ${name(reason.dose)}: ${why}`;
    }
    case "keyboard-rule": {
      const where = reason.move === "escalate" ? "below" : reason.move === "de-escalate" ? "above" : "at";
      return `At ${name(reason.dose)}: ${dlts(reason.y, reason.n)}; the strongest key lies ${where} the target key [${formatNumber(reason.low)}, ${formatNumber(reason.high)}]: ${moveWords(reason.move)}.`;
    }
    case "mtpi2-rule": {
      const where = reason.move === "escalate" ? "below" : reason.move === "de-escalate" ? "above" : "in";
      return `At ${name(reason.dose)}: ${dlts(reason.y, reason.n)}; the largest unit probability mass lies ${where} the equivalence interval [${formatNumber(reason.low)}, ${formatNumber(reason.high)}]: ${moveWords(reason.move)}.`;
    }
    case "pending-deescalate":
      return `At ${name(reason.dose)}: ${pendingSeen(reason)}; y/n = ${formatNumber(reason.y / reason.n)} is ≥ λd = ${formatNumber(reason.lambdaD, 4)} whatever they show: de-escalate.`;
    case "pending-suspend":
      return `At ${name(reason.dose)}: ${pendingSeen(reason)}; more than ${formatNumber(100 * reason.maxPendingFraction)}% of the patients at this dose are pending: suspend accrual until more outcomes are known.`;
    case "pending-estimate": {
      const how =
        reason.variant === "ess"
          ? `y / (completed + STFT) = ${formatNumber(reason.estimate)}`
          : `the estimate with pending outcomes imputed is ${formatNumber(reason.estimate)}`;
      const then =
        reason.move === "escalate"
          ? `, ≤ λe = ${formatNumber(reason.lambdaE, 4)}: escalate.`
          : reason.move === "de-escalate"
            ? `, ≥ λd = ${formatNumber(reason.lambdaD, 4)}: de-escalate.`
            : ": stay.";
      return `At ${name(reason.dose)}: ${pendingSeen(reason)}; ${how}${then}`;
    }
    case "backfill-conflict":
      return (
        `Backfill data at ${name(reason.from)} conflict with ${name(reason.dose)}'s: pooled from ${name(reason.from)} ` +
        `to ${name(reason.dose)}, ${reason.y} of ${reason.n} patients had a DLT: ` +
        `${reason.to > reason.dose ? "escalate" : reason.to < reason.dose ? `de-escalate to ${name(Math.max(0, reason.to))}` : "stay"}.`
      );
    case "highest-dose":
      return "It is the highest dose: stay.";
    case "next-eliminated":
      return `${capitalise(name(reason.dose))} is eliminated: stay.`;
    case "lowest-dose":
      return "It is the lowest dose: stay.";
    case "early-stop":
      return `${reason.n} patients have been treated at ${name(reason.dose)} (early-stop cap ${reason.limit}) and the decision is to stay: stop.`;
    case "no-mtd":
      return "No dose can be selected as the MTD (no admissible dose has been tried).";
    case "mtd-isotonic":
      return `MTD: ${name(reason.dose)}, whose isotonic estimate of the DLT rate is closest to the target ${reason.target}.`;
    case "boin12-too-toxic":
      return `${capitalise(name(reason.dose))} and higher are too toxic: ${dlts(reason.y, reason.n)}; P(DLT rate > ${reason.phiT}) > ${reason.cutoff}.`;
    case "boin12-futile":
      return `${capitalise(name(reason.dose))} is futile: ${reason.e} of ${reason.n} patients responded; P(response rate < ${reason.phiE}) > ${reason.cutoff}.`;
    case "boin12-explore":
      return `${reason.n} patients have been treated at ${name(reason.dose)}, which is safe, and ${name(reason.to)} is untried: explore it.`;
    case "boin12-deescalate":
      return `At ${name(reason.dose)}: ${dlts(reason.y, reason.n)}; the rate ${formatNumber(reason.y / reason.n)} is ≥ λd = ${formatNumber(reason.lambdaD, 4)}: ${reason.to < reason.dose ? `de-escalate to ${name(reason.to)}` : "stay"}.`;
    case "boin12-desirability": {
      const rate = formatNumber(reason.n > 0 ? reason.y / reason.n : 0);
      const zone = reason.n === 0 ? "" : `the DLT rate ${rate} is below λd = ${formatNumber(reason.lambdaD, 4)}; `;
      const scores = reason.compared.map((d, i) => `dose ${d}: ${formatNumber(reason.scores[i]!, 1)}`).join(", ");
      return `At ${name(reason.dose)}: ${dlts(reason.y, reason.n)}; ${zone}the most desirable of doses ${reason.compared.join(", ")} (100 × P(utility > benchmark): ${scores}) is ${name(reason.to)}.`;
    }
    case "boin12-obd":
      return `OBD: ${name(reason.dose)}, the highest estimated utility (${formatNumber(reason.utility, 1)}) among admissible doses given at or below the estimated MTD, ${name(reason.mtd)}.`;
    case "3+3-exceeded":
      return `${capitalise(name(reason.dose))} exceeds the MTD (${reason.y} of ${reason.n} patients had a DLT); it and higher doses are closed.`;
    case "3+3-lowest-too-toxic":
      return "The lowest dose is too toxic: stop without an MTD.";
    case "3+3-stop-escalation-only":
      return "Escalation-only 3+3: stop; the MTD is chosen below the exceeded dose.";
    case "3+3-lower-has-six":
      return `${capitalise(name(reason.dose))} already has ${reason.n} patients: stop; it is the MTD.`;
    case "3+3-deescalate":
      return `De-escalate to ${name(reason.dose)} and treat 3 more patients there.`;
    case "3+3-complete-cohort":
      return `${threeCounts(reason, name)}: complete the cohort of 3.`;
    case "3+3-three-more":
      return `${threeCounts(reason, name)}: treat 3 more at the same dose.`;
    case "3+3-mtd-found":
      return `${threeCounts(reason, name)} and ${threeWhy(reason, name)}: stop; it is the MTD.`;
    case "3+3-confirm":
      return `${threeCounts(reason, name)} but ${threeWhy(reason, name)}: treat 3 more to confirm it.`;
    case "3+3-escalate":
      return `${threeCounts(reason, name)}: escalate.`;
    case "3+3-mtd": {
      const rule = reason.deescalation
        ? "the highest dose with at most 1 DLT in 6 or more patients, below every exceeded dose"
        : "the highest dose cleared (0 of 3 or at most 1 of 6 DLTs) below every exceeded dose";
      return reason.dose === null ? `No dose qualifies as MTD (${rule}).` : `MTD: ${name(reason.dose)}, ${rule}.`;
    }
    case "crm-safety-stop":
      return `Safety stop: P(DLT rate at ${name(0)} > ${reason.threshold}) = ${formatNumber(reason.probability)} > ${reason.confidence}; every dose is too toxic.`;
    case "crm-model": {
      const label = reason.estimate === "plug-in" ? "estimated DLT probability" : "posterior mean DLT probability";
      return (
        `The ${reason.model} model gives β̂ = ${formatNumber(reason.betaHat, 4)}; the ${label} closest to the target ${reason.target} ` +
        `is ${formatNumber(reason.value)} at ${name(reason.dose)}.`
      );
    }
    case "crm-coherence":
      return `The last cohort had a DLT: no escalation (coherence), stay at ${name(reason.dose)}.`;
    case "crm-no-mtd":
      return "No dose that has been given is admissible: no MTD.";
    case "crm-mtd":
      return `MTD: ${name(reason.dose)}, the dose given whose estimated DLT probability is closest to the target ${reason.target}.`;
    case "blrm-ewoc":
      return `EWOC: P(over-dosing) at ${name(reason.dose)} is ${formatNumber(reason.pOver)} ≥ ${reason.limit}; it and higher doses are not eligible.`;
    case "blrm-none-eligible":
      return "No dose is eligible under overdose control: stop.";
    case "blrm-best":
      return (
        `Highest P(target interval) among eligible doses: ${formatNumber(reason.pTarget)} at ${name(reason.dose)} ` +
        `(P(over-dosing) ${formatNumber(reason.pOver)} < ${reason.limit}).`
      );
    case "blrm-max-step":
      return `Doses above ${formatNumber(reason.cap, 4)} exceed the maximum step of +${formatNumber(100 * reason.maxStep)}% and were not considered.`;
    case "blrm-no-mtd":
      return "No dose given is eligible under overdose control: no MTD.";
    case "blrm-mtd":
      return `MTD: ${name(reason.dose)}, the eligible dose given with the highest P(target interval).`;
  }
}

function pendingSeen(reason: { n: number; y: number; pending: number; stft: number }): string {
  return `${dlts(reason.y, reason.n)} and ${reason.pending} ${reason.pending === 1 ? "is" : "are"} still within the DLT window (STFT ${formatNumber(reason.stft, 2)})`;
}
const threeCounts = (reason: { dose: number; n: number; y: number }, name: DoseNamer) =>
  `${reason.y} of ${reason.n} patients at ${name(reason.dose)} had a DLT`;
const threeWhy = (reason: { dose: number; highest: boolean }, name: DoseNamer) =>
  reason.highest ? "it is the highest dose" : `${name(reason.dose + 1)} exceeds the MTD`;

/** Dose fields of a reason, 0-based inside the engine and 1-based in the API. */
const DOSE_FIELDS = ["dose", "to", "from", "advised", "mtd"] as const;

/** A reason as the API gives it: doses 1-based, as everywhere in Escalate's output. */
export function publicReason(reason: Reason): Reason {
  const out: Record<string, unknown> = { ...reason };
  for (const field of DOSE_FIELDS) if (typeof out[field] === "number") out[field] = (out[field] as number) + 1;
  return out as Reason;
}
