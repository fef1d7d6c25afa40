import { type Cohort, formatOutcomes } from "../outcomes/notation.js";
import { ValidationError, type ValidationIssue } from "../validation.js";

/** An adverse event, with CDISC SDTM AE names where they exist. */
export interface AdverseEvent {
  USUBJID: string;
  /** Reported term (CTCAE term). */
  AETERM: string;
  /** CTCAE grade 1–5. */
  AETOXGR: number;
  /** Related to study drug (per investigator). */
  related: boolean;
  /** Serious adverse event. */
  AESER?: boolean;
  /** Study day of onset (day 1 = first dose). */
  AESTDY: number;
  /** Study day of resolution, if resolved. */
  AEENDY?: number;
  /** "haematological" or "non-haematological" (DLT rules often differ). */
  category: "haematological" | "non-haematological";
  /**
   * The safety review's adjudication, when made: true = a DLT, false = not a DLT. It overrides the
   * protocol rules, which only propose (an event the rules miss can still be judged a DLT, and back).
   */
  adjudicatedDlt?: boolean | undefined;
}

/** One way an adverse event can be a DLT. */
export interface DltRule {
  /** Applies to these terms only (any term when absent). */
  terms?: string[] | undefined;
  category?: "haematological" | "non-haematological" | undefined;
  minGrade: number;
  /** Must be related to the drug (default true). */
  relatedOnly?: boolean | undefined;
  /** Must last at least this many days (e.g. grade 4 neutropenia lasting ≥ 7 days). */
  minDurationDays?: number | undefined;
  /** Words for reports, e.g. "grade 4 thrombocytopenia". */
  label?: string | undefined;
}

/** A trial's DLT definition, as data. */
export interface DltDefinition {
  /** The DLT observation window in days from the first dose (e.g. 21 = cycle 1). */
  windowDays: number;
  rules: DltRule[];
  /** Terms never counted as DLTs (e.g. "Alopecia"). */
  excludedTerms?: string[];
  /** Administrations within the window a patient must receive to be evaluable without a DLT. */
  requiredDoses: number;
}

export type DltStatus = "DLT" | "no DLT" | "pending" | "not evaluable";

export interface PatientDlt {
  USUBJID: string;
  status: DltStatus;
  /** The events that are DLTs. */
  dlts: AdverseEvent[];
  reason: string;
  /** Days of the window completed (for TITE designs). */
  followedDays: number;
}

export function checkDltDefinition(definition: DltDefinition): void {
  const issues: ValidationIssue[] = [];
  if (!(Number.isInteger(definition.windowDays) && definition.windowDays >= 1)) {
    issues.push({ path: "windowDays", value: definition.windowDays, message: "must be an integer ≥ 1 (days)" });
  }
  if (definition.rules.length === 0) issues.push({ path: "rules", message: "must define at least one DLT rule" });
  definition.rules.forEach((rule, i) => {
    if (!(Number.isInteger(rule.minGrade) && rule.minGrade >= 1 && rule.minGrade <= 5)) {
      issues.push({ path: `rules.${i}.minGrade`, value: rule.minGrade, message: "must be a CTCAE grade 1..5" });
    }
  });
  if (!(Number.isInteger(definition.requiredDoses) && definition.requiredDoses >= 0)) {
    issues.push({ path: "requiredDoses", value: definition.requiredDoses, message: "must be an integer ≥ 0" });
  }
  if (issues.length > 0) throw new ValidationError(issues, "DLT definition");
}

function matches(rule: DltRule, event: AdverseEvent, today: number): boolean {
  if (rule.terms && !rule.terms.includes(event.AETERM)) return false;
  if (rule.category && rule.category !== event.category) return false;
  if (event.AETOXGR < rule.minGrade) return false;
  if ((rule.relatedOnly ?? true) && !event.related) return false;
  if (rule.minDurationDays !== undefined) {
    const end = event.AEENDY ?? today;
    if (end - event.AESTDY + 1 < rule.minDurationDays) return false;
  }
  return true;
}

/** Whether the protocol's rules make `event` a DLT (before adjudication), as of study day `today`. */
export function proposedDlt(event: AdverseEvent, today: number, definition: DltDefinition): boolean {
  const excluded = new Set(definition.excludedTerms ?? []);
  return (
    event.AESTDY >= 1 &&
    event.AESTDY <= definition.windowDays &&
    !excluded.has(event.AETERM) &&
    definition.rules.some((rule) => matches(rule, event, today))
  );
}

/**
 * DLT status of one patient on study day `today` (the data cut): a DLT if an event with onset inside the
 * window meets a rule; otherwise "no DLT" once the window is complete and the required doses were given,
 * "not evaluable" when the window is complete without them, and "pending" while the window is still
 * running — never "no DLT" before the window ends.
 */
export function patientDltStatus(
  USUBJID: string,
  events: readonly AdverseEvent[],
  dosesInWindow: number,
  today: number,
  definition: DltDefinition,
): PatientDlt {
  checkDltDefinition(definition);
  const window = definition.windowDays;
  const followedDays = Math.min(Math.max(today, 0), window);
  const dlts = events.filter((event) => event.USUBJID === USUBJID && (event.adjudicatedDlt ?? proposedDlt(event, today, definition)));
  if (dlts.length > 0) {
    const first = dlts[0]!;
    const rule = definition.rules.find((r) => matches(r, first, today));
    const why = first.adjudicatedDlt ? "adjudicated as a DLT" : rule?.label;
    return {
      USUBJID,
      status: "DLT",
      dlts,
      reason: `${first.AETERM} grade ${first.AETOXGR} on day ${first.AESTDY}${why ? ` (${why})` : ""}`,
      followedDays,
    };
  }
  if (today < window) {
    // A duration rule may still be met by an ongoing event; either way the window is not over.
    return { USUBJID, status: "pending", dlts: [], reason: `day ${today} of the ${window}-day DLT window`, followedDays };
  }
  if (dosesInWindow < definition.requiredDoses) {
    return {
      USUBJID,
      status: "not evaluable",
      dlts: [],
      reason: `received ${dosesInWindow} of the ${definition.requiredDoses} doses required in the window, without a DLT`,
      followedDays,
    };
  }
  return { USUBJID, status: "no DLT", dlts: [], reason: `completed the ${window}-day window without a DLT`, followedDays };
}

/** A patient's place in the escalation: 1-based dose level and cohort number. */
export interface CohortMember {
  USUBJID: string;
  doseLevel: number;
  cohort: number;
  /** In a backfill cohort: counted at its dose without moving dose finding (`+` in the notation). */
  backfill?: boolean;
  /** Randomized after dose finding: not part of the design's history (the comparison reads these patients). */
  randomized?: boolean;
}

/**
 * The design history ("1NNN 2NTN") from DLT statuses, cohort by cohort in cohort order. Patients who are
 * not evaluable are left out (they are replaced in practice), and so are randomized patients (after dose finding). With `windowDays` (TITE-CRM), pending
 * patients are written with their days of follow-up, N[14]; without it, a cohort with a pending patient
 * ends the history, because its outcome is not yet known.
 */
export function outcomeHistory(
  members: readonly CohortMember[],
  statuses: readonly PatientDlt[],
  /** `responders`: patients with a response, written E (or B with a DLT) for designs that use responses. */
  options: { windowDays?: number; responders?: ReadonlySet<string> } = {},
): { outcomes: string; pending: string[]; excluded: string[] } {
  const byId = new Map(statuses.map((s) => [s.USUBJID, s]));
  const cohorts = new Map<number, CohortMember[]>();
  for (const member of members) {
    if (member.randomized) continue;
    cohorts.set(member.cohort, [...(cohorts.get(member.cohort) ?? []), member]);
  }
  const result: Cohort[] = [];
  const pending: string[] = [];
  const excluded: string[] = [];
  for (const cohortNumber of [...cohorts.keys()].sort((a, b) => a - b)) {
    const cohortMembers = cohorts.get(cohortNumber)!;
    const doses = new Set(cohortMembers.map((m) => m.doseLevel));
    if (doses.size > 1) {
      throw new ValidationError([{ path: `cohort ${cohortNumber}`, value: [...doses], message: "must have one dose level" }], "cohorts");
    }
    const backfill = cohortMembers[0]!.backfill === true;
    const cohort: Cohort = { dose: cohortMembers[0]!.doseLevel, dlts: [], followUp: [], ...(backfill ? { backfill: true as const } : {}) };
    const responses: boolean[] = [];
    let unknown = false;
    for (const member of cohortMembers) {
      const status = byId.get(member.USUBJID);
      if (!status) throw new ValidationError([{ path: member.USUBJID, message: "has no DLT status" }], "cohorts");
      if (status.status === "not evaluable") {
        excluded.push(member.USUBJID);
        continue;
      }
      if (status.status === "pending") {
        pending.push(member.USUBJID);
        if (options.windowDays === undefined) {
          // A backfill patient still being assessed is left out for now; a dose-finding one ends the history here.
          if (!backfill) unknown = true;
          continue;
        }
        cohort.dlts.push(false);
        cohort.followUp!.push(status.followedDays);
        responses.push(options.responders?.has(member.USUBJID) ?? false);
        continue;
      }
      cohort.dlts.push(status.status === "DLT");
      cohort.followUp!.push(null);
      responses.push(options.responders?.has(member.USUBJID) ?? false);
    }
    if (responses.includes(true)) cohort.responses = responses;
    if (unknown) break;
    if (cohort.dlts.length > 0)
      result.push(
        cohort.followUp!.some((d) => d !== null)
          ? cohort
          : {
              dose: cohort.dose,
              dlts: cohort.dlts,
              ...(cohort.responses ? { responses: cohort.responses } : {}),
              ...(backfill ? { backfill: true as const } : {}),
            },
      );
  }
  return { outcomes: formatOutcomes(result), pending, excluded };
}
