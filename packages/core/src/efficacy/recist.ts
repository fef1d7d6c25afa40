import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * RECIST 1.1 (Eisenhauer et al. 2009, Eur J Cancer 45:228–247): target and non-target lesions, new
 * lesions, the overall response at each assessment (Tables 1 and 2) and the best overall response with
 * confirmation (Table 3 logic). Diameters in mm: the longest diameter for non-nodal lesions, the short
 * axis for lymph nodes.
 */
export type RecistResponse = "CR" | "PR" | "SD" | "PD" | "NE" | "non-CR/non-PD";

export interface BaselineLesion {
  id: string;
  organ: string;
  nodal: boolean;
  /** Longest diameter (non-nodal) or short axis (nodal), mm. */
  diameter: number;
}

/** Measurable at baseline: non-nodal ≥ 10 mm, lymph node short axis ≥ 15 mm (RECIST 1.1 §3.1). */
export function isMeasurable(lesion: Pick<BaselineLesion, "nodal" | "diameter">): boolean {
  return lesion.nodal ? lesion.diameter >= 15 : lesion.diameter >= 10;
}

/** Checks a target-lesion selection: measurable, at most 5 in all and 2 per organ (§3.3). */
export function checkTargetLesions(lesions: readonly BaselineLesion[]): void {
  const issues: ValidationIssue[] = [];
  if (lesions.length > 5) issues.push({ path: "targets", value: lesions.length, message: "must be at most 5 target lesions" });
  const perOrgan = new Map<string, number>();
  lesions.forEach((lesion, i) => {
    perOrgan.set(lesion.organ, (perOrgan.get(lesion.organ) ?? 0) + 1);
    if (!isMeasurable(lesion)) {
      issues.push({
        path: `targets.${i}.diameter`,
        value: lesion.diameter,
        message: lesion.nodal
          ? "a lymph node must have a short axis ≥ 15 mm to be a target"
          : "a non-nodal lesion must be ≥ 10 mm to be a target",
      });
    }
  });
  for (const [organ, count] of perOrgan) {
    if (count > 2)
      issues.push({ path: "targets", value: organ, message: `must have at most 2 target lesions per organ (${count} in ${organ})` });
  }
  if (issues.length > 0) throw new ValidationError(issues, "RECIST target lesions");
}

export interface TargetAssessment {
  /** Diameters at this assessment, in the order of the baseline target lesions; null = not evaluated. */
  diameters: readonly (number | null)[];
}

export interface TargetResult {
  response: Exclude<RecistResponse, "non-CR/non-PD">;
  sum: number | null;
  percentFromBaseline: number | null;
  percentFromNadir: number | null;
}

/**
 * Target-lesion response (§4.3.1): CR when every non-nodal target has disappeared and every nodal target
 * is < 10 mm short axis; PR at a ≥ 30% decrease of the sum from baseline; PD at a ≥ 20% increase from the
 * nadir (the smallest sum so far, baseline included) that is also ≥ 5 mm; otherwise SD; NE when a
 * lesion was not evaluated (unless the evaluated ones already show PD).
 */
export function targetResponse(baseline: readonly BaselineLesion[], assessment: TargetAssessment, nadirSum: number): TargetResult {
  const baselineSum = baseline.reduce((sum, lesion) => sum + lesion.diameter, 0);
  const known = assessment.diameters.filter((d): d is number => d !== null);
  const sum = known.reduce((a, b) => a + b, 0);
  const increase = sum - nadirSum;
  const progression = nadirSum > 0 ? increase >= 0.2 * nadirSum && increase >= 5 : increase >= 5;
  const percentFromNadir = nadirSum > 0 ? (100 * increase) / nadirSum : null;
  if (known.length < assessment.diameters.length) {
    // Missing lesions can only add to the sum: PD shown by the evaluated ones stands.
    return { response: progression ? "PD" : "NE", sum: null, percentFromBaseline: null, percentFromNadir };
  }
  const percentFromBaseline = (100 * (sum - baselineSum)) / baselineSum;
  let response: TargetResult["response"];
  const complete = baseline.every((lesion, i) => (lesion.nodal ? assessment.diameters[i]! < 10 : assessment.diameters[i]! === 0));
  if (progression) response = "PD";
  else if (complete) response = "CR";
  else if (sum <= 0.7 * baselineSum) response = "PR";
  else response = "SD";
  return { response, sum, percentFromBaseline, percentFromNadir };
}

/** Non-target status at an assessment (§4.3.2), summarised over all non-target lesions. */
export type NonTargetStatus = "CR" | "non-CR/non-PD" | "PD" | "NE";

/**
 * Overall response at one assessment: RECIST 1.1 Table 1 (with target lesions) and Table 2 (non-target
 * lesions only). Any unequivocal new lesion is PD.
 */
export function overallResponse(
  target: TargetResult["response"] | null,
  nonTarget: NonTargetStatus | null,
  newLesion: boolean,
): RecistResponse {
  if (newLesion || target === "PD" || nonTarget === "PD") return "PD";
  if (target === null) {
    // Table 2: non-target disease only.
    if (nonTarget === "CR") return "CR";
    if (nonTarget === "non-CR/non-PD") return "non-CR/non-PD";
    return "NE";
  }
  if (target === "CR") {
    if (nonTarget === "CR" || nonTarget === null) return "CR";
    return "PR"; // non-CR/non-PD, or not evaluated
  }
  if (target === "PR") return "PR";
  if (target === "SD") return "SD";
  return "NE";
}

export interface Assessment {
  /**
   * Study day (SDTM: day 1 is the first dose, no day 0). One convention for durations everywhere: study
   * day d is d − 1 days after the first dose, in the minimum for stable disease as in every duration.
   */
  day: number;
  response: RecistResponse;
}

export interface BestResponseOptions {
  /** CR and PR need a second assessment of at least this response this many days later (default 28). */
  confirmationDays?: number;
  /** SD (or unconfirmed CR/PR) counts as SD only if assessed at least this many days after the first dose (study day ≥ this + 1; default 42). */
  minStableDays?: number;
  /** Whether CR/PR must be confirmed (non-randomised trials: yes). */
  confirm?: boolean;
}

export interface BestResponse {
  response: "CR" | "PR" | "SD" | "non-CR/non-PD" | "PD" | "NE";
  /** Day of the first assessment of the (confirmed) response, for duration of response. */
  responseDay: number | null;
  /** Day of the first PD, if any. */
  progressionDay: number | null;
  /** Duration of response: from the first CR/PR to PD (or to the last assessment, censored). */
  durationOfResponse: { days: number; censored: boolean } | null;
  /** Duration of stable disease (best response SD): from the start of treatment (day 1) to PD, or censored. */
  durationOfStableDisease: { days: number; censored: boolean } | null;
  reasons: string[];
}

/**
 * Time-point responses as the RECIST working group reads them (RECIST 1.1 FAQ, "Managing PR when TP
 * measurements change slightly over time"): once a PR (or CR) has been assigned and confirmed, a later
 * time point that no longer quite meets PR but not PD either stays PR, until progression.
 */
export function sustainedResponses(assessments: readonly Assessment[], options: BestResponseOptions = {}): Assessment[] {
  const confirmationDays = options.confirmationDays ?? 28;
  const confirm = options.confirm ?? true;
  let firstResponseDay: number | null = null;
  let confirmed = false;
  return [...assessments]
    .sort((a, b) => a.day - b.day)
    .map(({ day, response }) => {
      if (response === "PD") {
        firstResponseDay = null;
        confirmed = false;
        return { day, response };
      }
      if (response === "SD" && confirmed) return { day, response: "PR" as const };
      if (response === "PR" || response === "CR") {
        firstResponseDay ??= day;
        if (!confirm || day - firstResponseDay >= confirmationDays) confirmed = true;
      }
      return { day, response };
    });
}

/**
 * Best overall response over the assessments up to and including the first PD (§4.4, Table 3 logic):
 * CR (or PR) needs a later assessment of CR (or CR/PR) at least `confirmationDays` later; an unconfirmed
 * CR/PR, an SD or a non-CR/non-PD counts as SD (or non-CR/non-PD) once assessed at least `minStableDays`
 * after the start; otherwise PD if progression was seen, else NE.
 */
export function bestOverallResponse(assessments: readonly Assessment[], options: BestResponseOptions = {}): BestResponse {
  const confirmationDays = options.confirmationDays ?? 28;
  const minStableDays = options.minStableDays ?? 42;
  const confirm = options.confirm ?? true;
  const sorted = [...assessments].sort((a, b) => a.day - b.day);
  const progressionIndex = sorted.findIndex((a) => a.response === "PD");
  const considered = progressionIndex < 0 ? sorted : sorted.slice(0, progressionIndex);
  const progressionDay = progressionIndex < 0 ? null : sorted[progressionIndex]!.day;
  const reasons: string[] = [];
  const confirmedAt = (levels: RecistResponse[]): number | null => {
    for (let i = 0; i < considered.length; i++) {
      if (!levels.includes(considered[i]!.response)) continue;
      if (!confirm) return considered[i]!.day;
      const later = considered.find((a, j) => j > i && a.day - considered[i]!.day >= confirmationDays && levels.includes(a.response));
      if (later) return considered[i]!.day;
    }
    return null;
  };
  const lastDay = sorted.at(-1)?.day ?? 0;
  const duration = (start: number) =>
    progressionDay === null ? { days: lastDay - start, censored: true } : { days: progressionDay - start, censored: false };
  const cr = confirmedAt(["CR"]);
  if (cr !== null) {
    reasons.push(`CR on day ${cr}${confirm ? `, confirmed ≥ ${confirmationDays} days later` : ""}.`);
    return { response: "CR", responseDay: cr, progressionDay, durationOfResponse: duration(cr), durationOfStableDisease: null, reasons };
  }
  const pr = confirmedAt(["CR", "PR"]);
  if (pr !== null) {
    reasons.push(`PR (or better) on day ${pr}${confirm ? `, confirmed ≥ ${confirmationDays} days later` : ""}.`);
    return { response: "PR", responseDay: pr, progressionDay, durationOfResponse: duration(pr), durationOfStableDisease: null, reasons };
  }
  // Study day d is d − 1 days after the first dose (day 1), as every duration here counts.
  const sinceStart = (day: number) => day - 1;
  const stable = considered.find((a) => ["CR", "PR", "SD"].includes(a.response) && sinceStart(a.day) >= minStableDays);
  if (stable) {
    reasons.push(
      `Stable disease (or an unconfirmed response) assessed on study day ${stable.day}, ${sinceStart(stable.day)} days after the first dose (at least ${minStableDays}).`,
    );
    return { response: "SD", responseDay: null, progressionDay, durationOfResponse: null, durationOfStableDisease: duration(1), reasons };
  }
  const nonCrNonPd = considered.find((a) => a.response === "non-CR/non-PD" && sinceStart(a.day) >= minStableDays);
  if (nonCrNonPd) {
    reasons.push(`Non-CR/non-PD (non-target disease only) on day ${nonCrNonPd.day}.`);
    return {
      response: "non-CR/non-PD",
      responseDay: null,
      progressionDay,
      durationOfResponse: null,
      durationOfStableDisease: null,
      reasons,
    };
  }
  // Table 3 (CR then SD): disease seen again after a complete response is progression at that point.
  const firstCr = considered.findIndex((a) => a.response === "CR");
  const reappeared = firstCr < 0 ? undefined : considered.slice(firstCr + 1).find((a) => a.response === "SD");
  if (progressionDay === null && reappeared) {
    reasons.push(
      `Disease seen again on day ${reappeared.day} after the CR of day ${considered[firstCr]!.day} (progression), before stable disease could be established (${minStableDays} days).`,
    );
    return {
      response: "PD",
      responseDay: null,
      progressionDay: reappeared.day,
      durationOfResponse: null,
      durationOfStableDisease: null,
      reasons,
    };
  }
  if (progressionDay !== null) {
    reasons.push(`Progression on day ${progressionDay} before stable disease could be established (${minStableDays} days).`);
    return { response: "PD", responseDay: null, progressionDay, durationOfResponse: null, durationOfStableDisease: null, reasons };
  }
  reasons.push("No assessment establishes a response, stable disease or progression.");
  return { response: "NE", responseDay: null, progressionDay, durationOfResponse: null, durationOfStableDisease: null, reasons };
}
