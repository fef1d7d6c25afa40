import { ValidationError } from "../validation.js";
import { type BsaFormula, bodySurfaceArea, checkBodySize } from "./body-surface-area.js";

/** A dose level as the protocol states it. */
export interface DoseLevel {
  amount: number;
  unit: "mg/kg" | "mg/m2" | "mg";
}

/** Per-protocol adjustments of the administered amount. */
export interface DosingRules {
  bsaFormula?: BsaFormula;
  /** Weight used for mg/kg doses is capped here (e.g. 100 kg). */
  maxWeightKg?: number;
  /** BSA used for mg/m² doses is capped here (e.g. 2.0 m²). */
  maxBsa?: number;
  /** Round the administered amount to the nearest multiple of this many mg (e.g. 5 mg, or a vial size). */
  roundToMg?: number;
}

export interface AdministeredAmount {
  /** The amount to give, in mg, after caps and rounding. */
  mg: number;
  /** Before rounding. */
  exactMg: number;
  /** The body size the dose was computed from (kg or m²), after any cap. */
  basis: number | null;
  capped: boolean;
  explanation: string;
}

/**
 * The amount in mg for one administration: mg/kg × actual weight, mg/m² × BSA, or a flat dose, with
 * the protocol's caps and rounding. Everything that changed the number is said in `explanation`.
 */
export function administeredAmount(level: DoseLevel, heightCm: number, weightKg: number, rules: DosingRules = {}): AdministeredAmount {
  checkBodySize(heightCm, weightKg);
  if (!(level.amount > 0)) throw new ValidationError([{ path: "amount", value: level.amount, message: "must be > 0" }], "dose level");
  if (rules.roundToMg !== undefined && !(rules.roundToMg > 0)) {
    throw new ValidationError([{ path: "roundToMg", value: rules.roundToMg, message: "must be > 0" }], "dosing rules");
  }
  const notes: string[] = [];
  let basis: number | null = null;
  let capped = false;
  let exactMg: number;
  if (level.unit === "mg/kg") {
    basis = weightKg;
    if (rules.maxWeightKg !== undefined && weightKg > rules.maxWeightKg) {
      basis = rules.maxWeightKg;
      capped = true;
      notes.push(`weight capped at ${rules.maxWeightKg} kg`);
    }
    exactMg = level.amount * basis;
    notes.unshift(`${level.amount} mg/kg × ${basis} kg = ${round(exactMg, 3)} mg`);
  } else if (level.unit === "mg/m2") {
    const formula = rules.bsaFormula ?? "mosteller";
    const bsa = bodySurfaceArea(heightCm, weightKg, formula);
    basis = bsa;
    if (rules.maxBsa !== undefined && bsa > rules.maxBsa) {
      basis = rules.maxBsa;
      capped = true;
      notes.push(`BSA ${round(bsa, 3)} m² capped at ${rules.maxBsa} m²`);
    }
    exactMg = level.amount * basis;
    notes.unshift(`${level.amount} mg/m² × ${round(basis, 3)} m² (${formula}) = ${round(exactMg, 3)} mg`);
  } else {
    exactMg = level.amount;
    notes.push(`flat dose ${level.amount} mg`);
  }
  const mg = rules.roundToMg === undefined ? exactMg : Math.round(exactMg / rules.roundToMg) * rules.roundToMg;
  if (rules.roundToMg !== undefined) notes.push(`rounded to the nearest ${rules.roundToMg} mg: ${round(mg, 3)} mg`);
  return { mg, exactMg, basis, capped, explanation: notes.join("; ") };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
