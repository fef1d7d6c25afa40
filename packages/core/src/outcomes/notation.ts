/**
 * The outcome notation: `"1NNN 2NTN"` — cohorts separated by whitespace; each cohort is a dose index
 * (1-based, as in the R packages) followed by one letter per patient: N = no DLT, T = DLT, and, for
 * designs that use responses, E = response without DLT, B = both (the R package escalation's letters;
 * N and T say nothing about response). Letters are case-insensitive; an empty string means no patients
 * yet. For time-to-event designs a patient without DLT who is still being followed carries the days of
 * follow-up so far in brackets: `"1NNN 2NN[21]E[7]"`; a plain N or E has completed the DLT window.
 * A cohort written with a leading `+` is a backfill cohort (`"1NNN 2NNE +1NEN"`): its patients count at
 * their dose, but it is not a dose-finding cohort and does not move the current dose.
 */
export interface Cohort {
  /** 1-based dose index. */
  dose: number;
  /** One entry per patient: true = DLT. */
  dlts: boolean[];
  /** One entry per patient: true = response (E or B); present only when the cohort has an E or a B. */
  responses?: boolean[];
  /** Per patient: days of follow-up so far for patients still in their DLT window; absent (or null) when complete. */
  followUp?: (number | null)[];
  /** A backfill cohort (`+` in the notation): treated at a lower dose beside dose finding. */
  backfill?: true;
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

const COHORT = /^(\+?)(\d+)((?:[NTEBnteb](?:\[\d+(?:\.\d+)?\])?)+)$/;
const PATIENT = /([NTEBnteb])(?:\[(\d+(?:\.\d+)?)\])?/g;

export function parseOutcomes(text: string, doseCount?: number): Cohort[] {
  const cohorts: Cohort[] = [];
  const tokens = text.matchAll(/\S+/g);
  for (const token of tokens) {
    const raw = token[0];
    const position = token.index;
    const match = COHORT.exec(raw);
    if (!match) {
      throw new OutcomeSyntaxError(
        `cohort "${raw}" at character ${position + 1} is not a dose number followed by N/T/E/B letters (e.g. "2NTN"; E = response, B = DLT and response; "2NN[14]" for 14 days of follow-up so far; "+1NN" for a backfill cohort)`,
        position,
      );
    }
    const dose = Number(match[2]);
    if (dose < 1 || (doseCount !== undefined && dose > doseCount)) {
      const allowed = doseCount === undefined ? "≥ 1" : `1..${doseCount}`;
      throw new OutcomeSyntaxError(`cohort "${raw}" at character ${position + 1}: dose ${dose} is not in ${allowed}`, position);
    }
    const dlts: boolean[] = [];
    const responses: boolean[] = [];
    const followUp: (number | null)[] = [];
    for (const patient of match[3]!.matchAll(PATIENT)) {
      const letter = patient[1]!.toUpperCase();
      const dlt = letter === "T" || letter === "B";
      if (dlt && patient[2] !== undefined) {
        throw new OutcomeSyntaxError(
          `cohort "${raw}" at character ${position + 1}: a DLT is complete information and takes no follow-up time (write ${letter}, not ${letter}[${patient[2]}])`,
          position,
        );
      }
      dlts.push(dlt);
      responses.push(letter === "E" || letter === "B");
      followUp.push(patient[2] === undefined ? null : Number(patient[2]));
    }
    cohorts.push({
      dose,
      dlts,
      ...(match[1] === "+" ? { backfill: true as const } : {}),
      ...(responses.includes(true) ? { responses } : {}),
      ...(followUp.some((days) => days !== null) ? { followUp } : {}),
    });
  }
  return cohorts;
}

export function formatOutcomes(cohorts: readonly Cohort[]): string {
  const patient = (cohort: Cohort, i: number) => {
    const days = cohort.followUp?.[i];
    const response = cohort.responses?.[i] === true;
    if (cohort.dlts[i]) return response ? "B" : "T";
    const letter = response ? "E" : "N";
    return days === undefined || days === null ? letter : `${letter}[${days}]`;
  };
  return cohorts
    .map((cohort) => `${cohort.backfill ? "+" : ""}${cohort.dose}${cohort.dlts.map((_, i) => patient(cohort, i)).join("")}`)
    .join(" ");
}
