import { administeredAmount } from "../dosing/dose-amount.js";
import type { ValidationIssue } from "../validation.js";
import { afterDataCut, type RecordCollection, studyDayOn } from "./analyze.js";
import type { TrialData } from "./schema.js";

/** An administered dose further than this from the protocol dose (relative) must be confirmed. */
export const DOSE_TOLERANCE = 0.1;

export interface EntryCheck {
  /** What cannot be true, and is refused (e.g. a date after today). */
  refused: ValidationIssue[];
  /** What is unusual and is stored only when the user confirms it with a reason. */
  toConfirm: ValidationIssue[];
  /** The protocol's amount for an administration, when one can be computed. */
  expected: { EXDOSE: number; explanation: string } | null;
}

/**
 * Plausibility of one record as it is entered, against the protocol and the patient: nothing dated
 * after today; doses and adverse events before the first dose, and a dose more than DOSE_TOLERANCE from
 * the protocol dose × the patient's weight or body surface area, must be confirmed; a PK time point
 * may not repeat one of the patient's other samples. `today` is the date of entry (YYYY-MM-DD).
 */
export function entryChecks(
  trial: Pick<TrialData["trial"], "doseLevels">,
  patient: Pick<TrialData["patients"][number], "doseLevel" | "WEIGHT" | "HEIGHT" | "RFXSTDTC">,
  collection: RecordCollection,
  record: Record<string, unknown>,
  today: string,
  otherPkTimes: readonly number[] = [],
): EntryCheck {
  const check: EntryCheck = { refused: [], toConfirm: [], expected: null };
  const studyDay = studyDayOn(today, patient.RFXSTDTC);
  const late = afterDataCut(collection, record, studyDay);
  if (late) check.refused.push({ ...late, message: `must not be after today (${today}, study day ${studyDay})` });
  const day = collection === "administrations" ? record.EXSTDY : collection === "adverseEvents" ? record.AESTDY : undefined;
  if (typeof day === "number" && day < 1)
    check.toConfirm.push({
      path: collection === "administrations" ? "EXSTDY" : "AESTDY",
      value: day,
      message: "is before the first dose (study day 1)",
    });
  if (collection === "pk" && typeof record.PCELTM === "number" && otherPkTimes.includes(record.PCELTM))
    check.refused.push({
      path: "PCELTM",
      value: record.PCELTM,
      message: "must be unique per patient and analyte: another sample of this analyte has this time point",
    });
  if (collection === "administrations" && typeof record.EXDOSE === "number" && record.EXDOSE > 0 && (record.EXDOSU ?? "mg") === "mg") {
    const level = trial.doseLevels.find((l) => l.level === patient.doseLevel);
    if (level) {
      const amount = administeredAmount(level, patient.HEIGHT, patient.WEIGHT);
      const expected = Math.round(amount.mg * 1000) / 1000;
      check.expected = { EXDOSE: expected, explanation: amount.explanation };
      const off = (record.EXDOSE - amount.mg) / amount.mg;
      if (Math.abs(off) > DOSE_TOLERANCE) {
        check.toConfirm.push({
          path: "EXDOSE",
          value: record.EXDOSE,
          message: `is ${off > 0 ? "+" : ""}${Math.round(off * 100)}% from the protocol dose ${expected} mg (${amount.explanation})`,
        });
      }
    }
  }
  return check;
}
