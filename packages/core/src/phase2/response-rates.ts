import { type BinomialInterval, type BinomialIntervalMethod, binomialInterval } from "../stats/intervals.js";
import { ValidationError } from "../validation.js";

export interface DoseResponses {
  /** 1-based dose level (or any label). */
  dose: number;
  responders: number;
  patients: number;
}

export interface ResponseRate extends BinomialInterval {
  /** The dose levels included: one, or those pooled. */
  doses: number[];
  responders: number;
  patients: number;
  method: BinomialIntervalMethod;
}

/**
 * Objective response rate with its interval per dose level, and pooled over chosen levels (e.g. the
 * MTD and the expansion cohort's dose) when `pool` is given.
 */
export function responseRates(
  byDose: readonly DoseResponses[],
  options: { method?: BinomialIntervalMethod; level?: number; pool?: readonly number[] } = {},
): { byDose: ResponseRate[]; pooled: ResponseRate | null } {
  const method = options.method ?? "exact";
  const level = options.level ?? 0.95;
  const rate = (doses: number[], responders: number, patients: number): ResponseRate => ({
    ...binomialInterval(responders, patients, method, level),
    doses,
    responders,
    patients,
    method,
  });
  const rows = byDose.filter((row) => row.patients > 0).map((row) => rate([row.dose], row.responders, row.patients));
  if (!options.pool) return { byDose: rows, pooled: null };
  const chosen = byDose.filter((row) => options.pool!.includes(row.dose));
  const missing = options.pool.filter((dose) => !byDose.some((row) => row.dose === dose));
  if (missing.length > 0 || chosen.length === 0) {
    throw new ValidationError(
      [
        {
          path: "pool",
          value: options.pool,
          message: `must list dose levels that have data (${byDose.map((row) => row.dose).join(", ")})`,
        },
      ],
      "response rates",
    );
  }
  const responders = chosen.reduce((sum, row) => sum + row.responders, 0);
  const patients = chosen.reduce((sum, row) => sum + row.patients, 0);
  return {
    byDose: rows,
    pooled: rate(
      chosen.map((row) => row.dose),
      responders,
      patients,
    ),
  };
}
