/**
 * The outcome notation: `"1NNN 2NTN"` — cohorts separated by whitespace; each cohort is a dose index
 * (1-based, as in the R packages) followed by one letter per patient: N = no DLT, T = DLT.
 * Letters are case-insensitive; an empty string means no patients yet. For time-to-event designs
 * (TITE-CRM) a patient without DLT who is still being followed carries the days of follow-up so far in
 * brackets: `"1NNN 2NN[21]N[7]"`; a plain N has completed the DLT window.
 */
export interface Cohort {
  /** 1-based dose index. */
  dose: number;
  /** One entry per patient: true = DLT. */
  dlts: boolean[];
  /** Per patient: days of follow-up so far for patients still in their DLT window; absent (or null) when complete. */
  followUp?: (number | null)[];
}

export class OutcomeSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "OutcomeSyntaxError";
  }
}

const COHORT = /^(\d+)((?:[NTnt](?:\[\d+(?:\.\d+)?\])?)+)$/;
const PATIENT = /([NTnt])(?:\[(\d+(?:\.\d+)?)\])?/g;

export function parseOutcomes(text: string, doseCount?: number): Cohort[] {
  const cohorts: Cohort[] = [];
  const tokens = text.matchAll(/\S+/g);
  for (const token of tokens) {
    const raw = token[0];
    const position = token.index;
    const match = COHORT.exec(raw);
    if (!match) {
      throw new OutcomeSyntaxError(
        `cohort "${raw}" at character ${position + 1} is not a dose number followed by N/T letters (e.g. "2NTN", or "2NN[14]" for 14 days of follow-up so far)`,
        position,
      );
    }
    const dose = Number(match[1]);
    if (dose < 1 || (doseCount !== undefined && dose > doseCount)) {
      const allowed = doseCount === undefined ? "≥ 1" : `1..${doseCount}`;
      throw new OutcomeSyntaxError(`cohort "${raw}" at character ${position + 1}: dose ${dose} is not in ${allowed}`, position);
    }
    const dlts: boolean[] = [];
    const followUp: (number | null)[] = [];
    for (const patient of match[2]!.matchAll(PATIENT)) {
      const dlt = patient[1] === "T" || patient[1] === "t";
      if (dlt && patient[2] !== undefined) {
        throw new OutcomeSyntaxError(
          `cohort "${raw}" at character ${position + 1}: a DLT is complete information and takes no follow-up time (write T, not T[${patient[2]}])`,
          position,
        );
      }
      dlts.push(dlt);
      followUp.push(patient[2] === undefined ? null : Number(patient[2]));
    }
    cohorts.push(followUp.some((days) => days !== null) ? { dose, dlts, followUp } : { dose, dlts });
  }
  return cohorts;
}

export function formatOutcomes(cohorts: readonly Cohort[]): string {
  const patient = (cohort: Cohort, i: number) => {
    const days = cohort.followUp?.[i];
    return cohort.dlts[i] ? "T" : days === undefined || days === null ? "N" : `N[${days}]`;
  };
  return cohorts.map((cohort) => `${cohort.dose}${cohort.dlts.map((_, i) => patient(cohort, i)).join("")}`).join(" ");
}
