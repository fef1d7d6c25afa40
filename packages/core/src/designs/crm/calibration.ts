import { ValidationError } from "../../validation.js";
import type { CrmModelName } from "./model.js";

export interface SkeletonCalibration {
  model: CrmModelName;
  target: number;
  /** Half-width δ of the indifference interval target ± δ. */
  halfWidth: number;
  /** 1-based dose believed a priori to be the MTD: its skeleton value is the target. */
  priorMtd: number;
  doses: number;
  /** Logistic intercept a0. */
  intercept?: number;
}

/**
 * Skeleton by the indifference-interval method (Lee & Cheung 2009, Clin Trials 6:227–238). Adjacent
 * doses are spaced so that the β at which dose i reaches target − δ is the β at which dose i + 1
 * reaches target + δ: the CRM then picks dose i exactly when p_i(β) lies in target ± δ. With the
 * prior MTD at the target, for the empiric model (p = s^e^β)
 *   log s_{i+1} = log(target + δ) · log s_i / log(target − δ),
 * and for the logistic model (logit p = a0 + e^β x, s = expit(a0 + x))
 *   x_{i+1} = (logit(target + δ) − a0) · x_i / (logit(target − δ) − a0).
 */
export function calibrateSkeleton(options: SkeletonCalibration): number[] {
  const { model, target, halfWidth, priorMtd, doses } = options;
  const intercept = options.intercept ?? 3;
  const issues = [];
  if (!(halfWidth > 0 && halfWidth < Math.min(target, 1 - target))) {
    issues.push({
      path: "halfWidth",
      value: halfWidth,
      message: `must be in (0, ${Math.min(target, 1 - target)}) so that target ± halfWidth lies in (0, 1)`,
    });
  }
  if (!(Number.isInteger(priorMtd) && priorMtd >= 1 && priorMtd <= doses)) {
    issues.push({ path: "priorMtd", value: priorMtd, message: `must be a dose in 1..${doses}` });
  }
  const logit = (p: number) => Math.log(p / (1 - p));
  if (model === "logistic" && !(logit(target + halfWidth) < intercept)) {
    issues.push({
      path: "intercept",
      value: intercept,
      message: `must exceed logit(target + halfWidth) = ${logit(target + halfWidth).toFixed(3)}`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues, "skeleton calibration");
  const low = target - halfWidth;
  const high = target + halfWidth;
  // Work on the model's own scale t (empiric: log s; logistic: x), where spacing is a constant ratio.
  const up = model === "empiric" ? Math.log(high) / Math.log(low) : (logit(high) - intercept) / (logit(low) - intercept);
  const centre = model === "empiric" ? Math.log(target) : logit(target) - intercept;
  const skeleton: number[] = [];
  for (let dose = 1; dose <= doses; dose++) {
    const t = centre * up ** (dose - priorMtd);
    skeleton.push(model === "empiric" ? Math.exp(t) : 1 / (1 + Math.exp(-(intercept + t))));
  }
  return skeleton;
}
