import { betaUpperTail } from "../stats/distributions.js";

/**
 * Posterior-probability toxicity elimination: a dose with y DLTs in n patients is "too toxic" when
 * n ≥ minPatients and P(p > threshold | y, n) > confidence under a Beta(a, b) prior. Because that
 * probability increases with y, the rule is a boundary "eliminate if y ≥ minDlts(n)", tabulated lazily
 * so simulation pays one array read per decision.
 */
export interface EliminationRule {
  threshold: number;
  confidence: number;
  minPatients: number;
  priorA: number;
  priorB: number;
}

export class EliminationBoundary {
  private table = new Int32Array(0);

  constructor(readonly rule: EliminationRule) {}

  /** Smallest number of DLTs in n patients that eliminates the dose; n + 1 when none does. */
  minDlts(n: number): number {
    if (n >= this.table.length) this.extend(n);
    return this.table[n]!;
  }

  eliminates(n: number, y: number): boolean {
    return y >= this.minDlts(n);
  }

  probabilityAbove(n: number, y: number): number {
    const { threshold, priorA, priorB } = this.rule;
    return betaUpperTail(threshold, priorA + y, priorB + n - y);
  }

  private extend(n: number): void {
    const size = Math.max(n + 1, this.table.length * 2, 64);
    const table = new Int32Array(size);
    table.set(this.table);
    for (let m = this.table.length; m < size; m++) {
      let boundary = m + 1;
      if (m >= this.rule.minPatients) {
        // One more patient without DLT only lowers P(p > threshold), so the boundary never falls as n
        // grows: start from the previous one (this keeps long tables linear rather than quadratic).
        const start = m - 1 >= this.rule.minPatients ? Math.min(table[m - 1]!, m) : 0;
        for (let y = start; y <= m; y++) {
          if (this.probabilityAbove(m, y) > this.rule.confidence) {
            boundary = y;
            break;
          }
        }
      }
      table[m] = boundary;
    }
    this.table = table;
  }
}
