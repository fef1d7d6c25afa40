import type { ValidationIssue } from "@escalate/core";

/** An error with an HTTP status, sent as JSON `{ error, message, issues? }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: ValidationIssue[],
    /** More of the answer, sent beside `error` and `message` (e.g. the current record after a stale edit). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not-found", `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);
export const conflict = (message: string, issues?: ValidationIssue[], details?: Record<string, unknown>) =>
  new HttpError(409, "conflict", message, issues, details);
/** The database cannot be reached (or is busy): the request failed, the server goes on. */
export const unavailable = () =>
  new HttpError(503, "unavailable", "the database cannot be reached just now: this request was not completed; try again shortly");
/** A plausibility check asks the user to confirm what they entered (send `confirmation` with a reason). */
export const unconfirmed = (issues: ValidationIssue[], details?: Record<string, unknown>) =>
  new HttpError(
    422,
    "confirmation-required",
    `${issues.map((i) => `${i.path}: ${i.message}`).join("; ")} — check the value, or confirm it by sending "confirmation" with a reason`,
    issues,
    details,
  );
export const unauthorized = (message = "log in first (session cookie) or send an API token (Authorization: Bearer)") =>
  new HttpError(401, "unauthorized", message);
export const invalid = (issues: ValidationIssue[]) =>
  new HttpError(400, "invalid", issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; "), issues);
