/**
 * The outcome notation: `"1NNN 2NTN"` — cohorts separated by whitespace; each cohort is a dose index
 * (1-based, as in the R packages) followed by one letter per patient: N = no DLT, T = DLT.
 * Letters are case-insensitive; an empty string means no patients yet.
 */
export interface Cohort {
  /** 1-based dose index. */
  dose: number;
  /** One entry per patient: true = DLT. */
  dlts: boolean[];
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

const COHORT = /^(\d+)([NTnt]+)$/;

export function parseOutcomes(text: string, doseCount?: number): Cohort[] {
  const cohorts: Cohort[] = [];
  const tokens = text.matchAll(/\S+/g);
  for (const token of tokens) {
    const raw = token[0];
    const position = token.index;
    const match = COHORT.exec(raw);
    if (!match) {
      throw new OutcomeSyntaxError(
        `cohort "${raw}" at character ${position + 1} is not a dose number followed by N/T letters (e.g. "2NTN")`,
        position,
      );
    }
    const dose = Number(match[1]);
    if (dose < 1 || (doseCount !== undefined && dose > doseCount)) {
      const allowed = doseCount === undefined ? "≥ 1" : `1..${doseCount}`;
      throw new OutcomeSyntaxError(`cohort "${raw}" at character ${position + 1}: dose ${dose} is not in ${allowed}`, position);
    }
    const letters = match[2]!;
    cohorts.push({ dose, dlts: Array.from(letters, (letter) => letter === "T" || letter === "t") });
  }
  return cohorts;
}

export function formatOutcomes(cohorts: readonly Cohort[]): string {
  return cohorts.map((cohort) => `${cohort.dose}${cohort.dlts.map((dlt) => (dlt ? "T" : "N")).join("")}`).join(" ");
}
