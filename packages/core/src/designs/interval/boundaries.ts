/**
 * Interval designs (BOIN, Keyboard, mTPI-2) decide from the DLT count y among the n patients at the
 * current dose only. Each reduces to two boundaries per n, tabulated lazily: escalate when
 * y ≤ escalateMax(n), de-escalate when y ≥ deescalateMin(n), otherwise stay.
 */
export const ESCALATE = 1;
export const STAY = 0;
export const DEESCALATE = -1;
export type IntervalDecision = typeof ESCALATE | typeof STAY | typeof DEESCALATE;

export class DecisionBoundaries {
  private escalateTable = new Int32Array(0);
  private deescalateTable = new Int32Array(0);

  /** `decide(n, y)` must be monotone: escalate for small y, de-escalate for large y. */
  constructor(private readonly decide: (n: number, y: number) => IntervalDecision) {}

  /** Largest y that escalates with n patients; -1 when none does. */
  escalateMax(n: number): number {
    if (n >= this.escalateTable.length) this.extend(n);
    return this.escalateTable[n]!;
  }

  /** Smallest y that de-escalates with n patients; n + 1 when none does. */
  deescalateMin(n: number): number {
    if (n >= this.deescalateTable.length) this.extend(n);
    return this.deescalateTable[n]!;
  }

  decision(n: number, y: number): IntervalDecision {
    if (y <= this.escalateMax(n)) return ESCALATE;
    if (y >= this.deescalateMin(n)) return DEESCALATE;
    return STAY;
  }

  private extend(n: number): void {
    const size = Math.max(n + 1, this.escalateTable.length * 2, 64);
    const escalate = new Int32Array(size);
    const deescalate = new Int32Array(size);
    escalate.set(this.escalateTable);
    deescalate.set(this.deescalateTable);
    for (let m = this.escalateTable.length; m < size; m++) {
      let escalateMax = -1;
      let deescalateMin = m + 1;
      let previous: IntervalDecision = ESCALATE;
      for (let y = 0; y <= m; y++) {
        const decision = m === 0 ? STAY : this.decide(m, y);
        if (decision > previous) {
          throw new Error(`interval decision is not monotone in the DLT count at n = ${m}, y = ${y}`);
        }
        previous = decision;
        if (decision === ESCALATE) escalateMax = y;
        if (decision === DEESCALATE && deescalateMin > m) deescalateMin = y;
      }
      escalate[m] = escalateMax;
      deescalate[m] = deescalateMin;
    }
    this.escalateTable = escalate;
    this.deescalateTable = deescalate;
  }
}
