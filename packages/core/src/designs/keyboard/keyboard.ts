import { doseCountOf } from "../fields.js";
import { DEESCALATE, DecisionBoundaries, ESCALATE } from "../interval/boundaries.js";
import { IntervalMethod } from "../interval/interval-method.js";
import { IsotonicMtdSelection } from "../interval/isotonic-selection.js";
import { intervalDecision, partitionAroundTarget } from "../interval/key-intervals.js";
import { intervalSafetyOf } from "../interval/safety.js";
import type { KeyboardSpec } from "./spec.js";

/**
 * Keyboard design (Yan, Mandrekar & Yuan 2017, Clin Cancer Res 23:3994–4003). The target key
 * [φ − marginBelow, φ + marginAbove] and keys of the same width on either side, the end keys truncated
 * at 0 and 1 and scored per unit width (as the authors' R package Keyboard does); with a Beta(1, 1)
 * prior the posterior of the DLT rate at the current dose is Beta(1 + y, 1 + n − y), and the key with
 * the largest posterior probability (the "strongest key") decides: below the target key escalate, the
 * target key stay, above it de-escalate. Exact ties go to the highest key (the package's rule).
 * MTD selection is BOIN's (isotonic estimates under Beta(0.05, 0.05)).
 */
export function createKeyboardMethod(spec: KeyboardSpec, options: { poolBackfill?: boolean } = {}): IntervalMethod {
  const low = spec.target - spec.marginBelow;
  const high = spec.target + spec.marginAbove;
  const partition = partitionAroundTarget(low, high);
  const boundaries = new DecisionBoundaries((n, y) => intervalDecision(partition, n, y, "highest"));
  return new IntervalMethod({
    doseCount: doseCountOf(spec),
    target: spec.target,
    boundaries,
    ...intervalSafetyOf(spec),
    selection: new IsotonicMtdSelection(doseCountOf(spec), spec.target),
    ...(options.poolBackfill ? { poolBackfill: true } : {}),
    explainDecision: (dose, n, y) => {
      const decision = boundaries.decision(n, y);
      return {
        code: "keyboard-rule",
        dose,
        n,
        y,
        low,
        high,
        move: decision === ESCALATE ? "escalate" : decision === DEESCALATE ? "de-escalate" : "stay",
      };
    },
  });
}
