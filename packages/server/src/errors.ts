import type { ValidationIssue } from "@escalate/core";

/** An error with an HTTP status, sent as JSON `{ error, message, issues? }`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not-found", `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);
export const conflict = (message: string, issues?: ValidationIssue[]) => new HttpError(409, "conflict", message, issues);
export const unauthorized = (message = "log in first (session cookie) or send an API token (Authorization: Bearer)") =>
  new HttpError(401, "unauthorized", message);
export const invalid = (issues: ValidationIssue[]) =>
  new HttpError(400, "invalid", issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; "), issues);
