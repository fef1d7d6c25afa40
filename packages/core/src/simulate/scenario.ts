import { ValidationError } from "../validation.js";

/** Checks a true-toxicity scenario against a design: one probability in [0, 1] per dose, non-decreasing. */
export function checkTruth(truth: readonly number[], doseCount: number): Float64Array {
  if (truth.length !== doseCount) {
    throw new ValidationError(
      [{ path: "truth", value: truth, message: `must have one probability per dose (${doseCount} values, got ${truth.length})` }],
      "scenario",
    );
  }
  truth.forEach((p, i) => {
    if (!(Number.isFinite(p) && p >= 0 && p <= 1)) {
      throw new ValidationError([{ path: `truth.${i}`, value: p, message: "must be a probability in [0, 1]" }], "scenario");
    }
    if (i > 0 && p < truth[i - 1]!) {
      throw new ValidationError(
        [
          {
            path: `truth.${i}`,
            value: p,
            message: `must be ≥ the previous dose's probability ${truth[i - 1]} (toxicity increases with dose)`,
          },
        ],
        "scenario",
      );
    }
  });
  return Float64Array.from(truth);
}

/** Checks a response-probability scenario: one probability in [0, 1] per dose (any shape: efficacy may plateau or fall). */
export function checkEfficacy(efficacy: readonly number[], doseCount: number): Float64Array {
  if (efficacy.length !== doseCount) {
    throw new ValidationError(
      [{ path: "efficacy", value: efficacy, message: `must have one probability per dose (${doseCount} values, got ${efficacy.length})` }],
      "scenario",
    );
  }
  efficacy.forEach((p, i) => {
    if (!(Number.isFinite(p) && p >= 0 && p <= 1))
      throw new ValidationError([{ path: `efficacy.${i}`, value: p, message: "must be a probability in [0, 1]" }], "scenario");
  });
  return Float64Array.from(efficacy);
}
