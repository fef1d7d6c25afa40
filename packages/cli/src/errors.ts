import { formatIssue, ValidationError } from "@escalate/core/validation";

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
  // Known by name: loading the core's outcome parser and simulator just to recognise their errors would
  // slow every command's start.
  const name = error instanceof Error ? error.name : "";
  if (name === "OutcomeSyntaxError") return { message: `invalid --outcomes: ${(error as Error).message}`, exitCode: EXIT_USAGE };
  if (error instanceof UsageError || name === "EnumerationTooLargeError")
    return { message: (error as Error).message, exitCode: EXIT_USAGE };
  if (error instanceof Error) return { message: `internal error: ${error.message}`, exitCode: 1 };
  return { message: `internal error: ${String(error)}`, exitCode: 1 };
}
