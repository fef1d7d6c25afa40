import { ValidationError, type ValidationIssue } from "../validation.js";

export type BsaFormula = "mosteller" | "dubois" | "haycock";
export const BSA_FORMULAS: readonly BsaFormula[] = ["mosteller", "dubois", "haycock"];

/** Plausible adult and paediatric ranges; outside them a measurement is almost surely a unit error. */
const HEIGHT_CM = [30, 250] as const;
const WEIGHT_KG = [1, 400] as const;

export function checkBodySize(heightCm: number, weightKg: number): void {
  const issues: ValidationIssue[] = [];
  if (!(heightCm >= HEIGHT_CM[0] && heightCm <= HEIGHT_CM[1])) {
    issues.push({ path: "height", value: heightCm, message: `must be in ${HEIGHT_CM[0]}..${HEIGHT_CM[1]} cm` });
  }
  if (!(weightKg >= WEIGHT_KG[0] && weightKg <= WEIGHT_KG[1])) {
    issues.push({ path: "weight", value: weightKg, message: `must be in ${WEIGHT_KG[0]}..${WEIGHT_KG[1]} kg` });
  }
  if (issues.length > 0) throw new ValidationError(issues, "body size");
}

/**
 * Body surface area in m² from height (cm) and weight (kg):
 * - Mosteller (1987): √(height·weight / 3600);
 * - DuBois & DuBois (1916): 0.007184 · weight^0.425 · height^0.725;
 * - Haycock et al. (1978): 0.024265 · weight^0.5378 · height^0.3964.
 */
export function bodySurfaceArea(heightCm: number, weightKg: number, formula: BsaFormula = "mosteller"): number {
  checkBodySize(heightCm, weightKg);
  switch (formula) {
    case "mosteller":
      return Math.sqrt((heightCm * weightKg) / 3600);
    case "dubois":
      return 0.007184 * weightKg ** 0.425 * heightCm ** 0.725;
    case "haycock":
      return 0.024265 * weightKg ** 0.5378 * heightCm ** 0.3964;
  }
}
