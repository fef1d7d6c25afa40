import { z } from "zod";
import { DEESCALATE, ESCALATE, STAY } from "../designs/interval/boundaries.js";
import type { RuleModule } from "./rule.js";

/**
 * Backfill (BF-BOIN: Zhao, Yuan, Korn & Freidlin 2024, Clin Cancer Res 30:673–679). While the current
 * dose-finding cohort is being assessed, patients who would otherwise wait are treated at lower doses that
 * have shown activity, and their data join the decisions:
 *
 * - **Opening**: a dose below the current one takes backfill patients once a response has been seen at
 *   it or at a lower dose, while it is admissible and holds fewer than `maxPerDose` patients.
 * - **Closing**: a dose stops taking them when both its own DLT data and its data pooled with the next
 *   higher dose call for de-escalation (completed patients only); every higher dose closes with it. A
 *   closed dose opens again if later data allow (the rule is re-applied each time).
 * - **Conflicts** (when the dose-finding cohort's decision is taken): when a lower dose's data call for
 *   de-escalation, or for staying while the current dose calls for escalation, the data from the highest
 *   such dose up to the current one are pooled and decide: escalate; stay; or de-escalate to the highest
 *   dose whose data pooled from that conflicting dose up no longer call for de-escalation (below it if
 *   none), never below the lowest dose.
 *
 * `decide(n, y)` is the design's own per-dose decision (1 escalate, 0 stay, −1 de-escalate), e.g. BOIN's
 * boundaries, so the same rule serves every interval design. Applied by the interval designs' conduct
 * (conflicts) and by the calendar simulation and the decision's `backfill` (opening and closing).
 */
export const backfillRule = z
  .object({
    type: z.literal("backfill"),
    /**
     * Patients a dose may hold (dose-finding and backfill together) before it stops taking backfill
     * patients (BF-BOIN's cap; 12 in Zhao et al. 2024).
     */
    maxPerDose: z.number().int().min(1).max(1000).default(12),
  })
  .strict();

export const backfill: RuleModule<z.infer<typeof backfillRule>, typeof backfillRule> = {
  type: "backfill",
  schema: backfillRule,
  normalize(spec, into, { index }) {
    if (into.backfill !== null) return [{ path: `rules.${index}`, message: "only one backfill rule may be given" }];
    into.backfill = { maxPerDose: spec.maxPerDose };
    return [];
  },
  describe: (rules) => (rules.backfill === null ? [] : describeBackfill(rules.backfill.maxPerDose)),
};

export type DoseDecision = (n: number, y: number) => number;

/** What the opening and closing rules look at, per 0-based dose. */
export interface BackfillView {
  /** Patients whose DLT assessment is complete, and their DLTs. */
  completed: ArrayLike<number>;
  dlts: ArrayLike<number>;
  /** Every patient treated at the dose, assessed or not (for the cap). */
  treated: ArrayLike<number>;
  /** Responses seen so far. */
  responses: ArrayLike<number>;
}

/**
 * The doses open for backfill below `current` (0-based), highest first (the next backfill patient goes to
 * the first). `admissible` marks the doses the design still allows.
 */
export function openBackfillDoses(
  view: BackfillView,
  current: number,
  decide: DoseDecision,
  maxPerDose: number,
  admissible: ArrayLike<number>,
): number[] {
  // The lowest closed dose closes every dose above it.
  let ceiling = current;
  for (let b = 0; b < current; b++) {
    const n = view.completed[b]!;
    if (n === 0 || decide(n, view.dlts[b]!) !== DEESCALATE) continue;
    const pooledN = n + view.completed[b + 1]!;
    const pooledY = view.dlts[b]! + view.dlts[b + 1]!;
    if (decide(pooledN, pooledY) === DEESCALATE) {
      ceiling = b;
      break;
    }
  }
  let responded = false;
  const open: number[] = [];
  for (let b = 0; b < ceiling; b++) {
    if (view.responses[b]! > 0) responded = true;
    if (responded && admissible[b] === 1 && view.treated[b]! < maxPerDose) open.push(b);
  }
  return open.reverse();
}

/** A conflict between backfill data at lower doses and the current dose, and how pooling resolves it. */
export interface BackfillConflict {
  /** The highest conflicting dose (0-based): the data pooled run from it to the current dose. */
  from: number;
  pooledPatients: number;
  pooledDlts: number;
  /** The next dose (0-based) the pooled data decide. */
  next: number;
}

/** The conflict at `current`, if any, resolved by pooling (see the module comment); null when none. */
export function resolveBackfillConflict(
  patients: ArrayLike<number>,
  dlts: ArrayLike<number>,
  current: number,
  decide: DoseDecision,
): BackfillConflict | null {
  const here = patients[current]! > 0 ? decide(patients[current]!, dlts[current]!) : STAY;
  let from = -1;
  for (let b = current - 1; b >= 0; b--) {
    if (patients[b] === 0) continue;
    const lower = decide(patients[b]!, dlts[b]!);
    if (lower === DEESCALATE || (lower === STAY && here === ESCALATE)) {
      from = b;
      break;
    }
  }
  if (from < 0) return null;
  let n = 0;
  let y = 0;
  for (let d = from; d <= current; d++) {
    n += patients[d]!;
    y += dlts[d]!;
  }
  const pooled = decide(n, y);
  let next = current;
  if (pooled === ESCALATE) next = current + 1;
  else if (pooled === DEESCALATE) {
    next = Math.max(0, from - 1);
    let kn = 0;
    let ky = 0;
    const decisions: number[] = [];
    for (let k = from; k < current; k++) {
      kn += patients[k]!;
      ky += dlts[k]!;
      decisions.push(kn > 0 ? decide(kn, ky) : STAY);
    }
    for (let k = current - 1; k >= from; k--) {
      if (decisions[k - from] !== DEESCALATE) {
        next = k;
        break;
      }
    }
  }
  return { from, pooledPatients: n, pooledDlts: y, next };
}

export function describeBackfill(maxPerDose: number): string[] {
  return [
    "Backfill (BF-BOIN, Zhao et al. 2024): while the current cohort is being assessed, further patients are treated at a lower dose " +
      "once a response has been seen at it or at a lower dose, the highest such dose first, up to " +
      `${maxPerDose} patients per dose. A dose stops taking backfill patients when its DLT data, alone and pooled with the next ` +
      "higher dose, call for de-escalation (and so does every higher dose). Backfill patients count in every decision and in " +
      "the selection of the MTD; when a lower dose's data conflict with the current dose's (they call for de-escalation, or " +
      "for staying where the current dose calls for escalation), the data from the highest conflicting dose up to the current " +
      "dose are pooled and decide.",
  ];
}
