import type { DataProblem } from "./analyze.js";

/**
 * A patient's DLT window as the conduct server reports it (`GET /api/trials/{id}/patients`): one
 * definition for the server that computes it and the web app that shows it.
 */
export interface DltWindow {
  USUBJID: string;
  siteId: string | null;
  cohort: number;
  doseLevel: number;
  /** pending / no DLT (evaluable) / DLT / not evaluable as of today; "not analysable" while the registration itself is unreadable. */
  status: string;
  reason: string;
  windowStart: string;
  /** The last day of the window; null while the registration is unreadable. */
  windowEnd: string | null;
  daysLeft: number;
  /** Adverse events the protocol's rules propose as DLTs that the safety review has not yet judged. */
  unadjudicated: string[];
  /** The patient's records that cannot be read or analysed, each named, with what to fix. */
  problems: DataProblem[];
}
