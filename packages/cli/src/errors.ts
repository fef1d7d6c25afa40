import { EnumerationTooLargeError, formatIssue, OutcomeSyntaxError, ValidationError } from "@escalate/core";

/** A mistake in how the command was called: exit code 2, message only. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT_USAGE = 2;

/** Turns any error into a one-paragraph message and an exit code; no stack trace for user mistakes. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof ValidationError) {
    const lines = error.issues.map((issue) => formatIssue(issue));
    return { message: `invalid ${error.subject}: ${lines.join("; ")}`, exitCode: EXIT_USAGE };
  }
  if (error instanceof OutcomeSyntaxError) return { message: `invalid --outcomes: ${error.message}`, exitCode: EXIT_USAGE };
  if (error instanceof UsageError || error instanceof EnumerationTooLargeError) return { message: error.message, exitCode: EXIT_USAGE };
  if (error instanceof Error) return { message: `internal error: ${error.message}`, exitCode: 1 };
  return { message: `internal error: ${String(error)}`, exitCode: 1 };
}
