import { EliminationBoundary } from "../elimination.js";

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
  const rule = { threshold: spec.target, confidence: spec.eliminationCutoff, minPatients: 3, priorA: 1, priorB: 1 };
  return {
    elimination: new EliminationBoundary(rule),
    ...(spec.extraSafe ? { extraSafe: new EliminationBoundary({ ...rule, confidence: spec.eliminationCutoff - spec.offset }) } : {}),
    ...(spec.earlyStopN === undefined ? {} : { earlyStopN: spec.earlyStopN }),
  };
}
