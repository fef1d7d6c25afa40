import type { BoinBoundaries } from "../boin/boin.js";
import { type PendingRule, pendingDecision } from "../interval/interval-method.js";
import type { TiteBoinSpec } from "./spec.js";

/**
 * TITE-BOIN (Yuan, Lin, Li, Nie & Warren 2018, Clin Cancer Res 24:4921–4930): BOIN's boundaries λe, λd
 * applied while some patients at the current dose are still inside their DLT window. With n patients at
 * the dose, y DLTs, m pending without DLT, r = n − m completed, and STFT the pending patients' follow-up
 * divided by the window (their standardized total follow-up time, 0 ≤ STFT < m):
 *
 * - imputation (the paper's): each pending outcome is replaced by its expected value under a uniform time
 *   to DLT, approximated as q(1 − t/τ) with q = p̃/(1 − p̃) and p̃ = (y + φ/2)/(r + 1), the posterior mean
 *   under a Beta(φ/2, 1 − φ/2) prior from the completed patients (Supplementary Appendix A). The estimate
 *   p̂ = (y + q(m − STFT))/n falls as STFT grows, so each decision is a threshold on STFT;
 * - ess (Lin & Yuan 2020): p̂ = y / (r + STFT), the effective sample size counting each pending patient by
 *   the fraction of the window followed.
 *
 * Rules, in order (the published tables follow this order): elimination on all n patients with the
 * pending ones counted as without DLT (the engine's, before this); de-escalation when y/n ≥ λd, whatever
 * the pending outcomes; accrual suspended while more than `maxPendingFraction` of the n are pending; then,
 * as in BOIN, escalation only while y/n ≤ λe (when p̂ ≤ λe) and de-escalation only once y/n reaches the
 * target φ (when p̂ ≥ λd) — the tables de-escalate at y/n = φ, e.g. 15 patients with 3 DLTs at φ = 0.2,
 * where the appendix's equation (5) read literally would not; otherwise stay.
 */
export function titeBoinRule(spec: Pick<TiteBoinSpec, "target" | "variant" | "maxPendingFraction">, lambdas: BoinBoundaries): PendingRule {
  const { lambdaE, lambdaD } = lambdas;
  const { target, variant, maxPendingFraction } = spec;
  /** STFT at which p̂ equals `boundary`: p̂ ≤ boundary from there up. */
  const stftAt = (boundary: number, n: number, y: number, m: number): number => {
    const r = n - m;
    if (variant === "ess") return y / boundary - r;
    const p = (y + target / 2) / (r + 1);
    return m - ((n * boundary - y) * (1 - p)) / p;
  };
  const estimate = (n: number, y: number, m: number, stft: number): number => {
    const r = n - m;
    if (variant === "ess") return r + stft > 0 ? y / (r + stft) : 0;
    const p = (y + target / 2) / (r + 1);
    return (y + (p / (1 - p)) * (m - stft)) / n;
  };

  const rule: PendingRule = {
    cell(n, y, m) {
      const fixed = (decision: "escalate" | "stay" | "de-escalate" | "suspend") => ({ decision, stftAtLeast: null, stftAtMost: null });
      if (y / n >= lambdaD) return fixed("de-escalate");
      if (m > maxPendingFraction * n) return fixed("suspend");
      if (m === 0) return fixed(y / n <= lambdaE ? "escalate" : "stay");
      if (y / n <= lambdaE) {
        // Escalate once enough follow-up has accrued; below that, stay.
        const threshold = stftAt(lambdaE, n, y, m);
        if (threshold <= 0) return fixed("escalate");
        if (threshold >= m) return fixed("stay");
        return { decision: "escalate", stftAtLeast: threshold, stftAtMost: null };
      }
      if (y / n < target) return fixed("stay");
      // φ ≤ y/n < λd: de-escalate while the pending patients' follow-up is short.
      const threshold = stftAt(lambdaD, n, y, m);
      if (threshold < 0) return fixed("stay");
      if (threshold >= m) return fixed("de-escalate");
      return { decision: "stay", stftAtLeast: null, stftAtMost: threshold };
    },
    explain(dose, n, y, m, stft) {
      const seen = { dose, n, y, pending: m, stft };
      if (y / n >= lambdaD) return { code: "pending-deescalate", ...seen, lambdaD };
      if (m > maxPendingFraction * n) return { code: "pending-suspend", ...seen, maxPendingFraction };
      const decision = pendingDecision(rule.cell(n, y, m), stft);
      return {
        code: "pending-estimate",
        ...seen,
        variant,
        estimate: estimate(n, y, m, stft),
        lambdaE,
        lambdaD,
        move: decision === "escalate" || decision === "de-escalate" ? decision : "stay",
      };
    },
  };
  return rule;
}
