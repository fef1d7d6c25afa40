import { EliminationBoundary } from "../elimination.js";

/** Elimination looks at a dose once it has this many patients, with a Beta(1, 1) prior on its DLT rate. */
export const ELIMINATION_MIN_PATIENTS = 3;

/** The elimination, extra-safe and early-stop settings shared by the interval designs. */
export function intervalSafetyOf(spec: {
  target: number;
  eliminationCutoff: number;
  extraSafe: boolean;
  offset: number;
  earlyStopN?: number | undefined;
}): {
  elimination: EliminationBoundary;
  extraSafe?: EliminationBoundary;
  earlyStopN?: number;
} {
  const rule = { threshold: spec.target, confidence: spec.eliminationCutoff, minPatients: ELIMINATION_MIN_PATIENTS, priorA: 1, priorB: 1 };
  return {
    elimination: new EliminationBoundary(rule),
    ...(spec.extraSafe ? { extraSafe: new EliminationBoundary({ ...rule, confidence: spec.eliminationCutoff - spec.offset }) } : {}),
    ...(spec.earlyStopN === undefined ? {} : { earlyStopN: spec.earlyStopN }),
  };
}
