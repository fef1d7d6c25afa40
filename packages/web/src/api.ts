/**
 * The server's API: JSON in and out, the session cookie, and the CSRF token on every write. Every call
 * names the response schema the server declares for its route (from `@escalate/server/contract`), so
 * the answer is typed by the server's own contract and checked against it as it arrives.
 */
import type { Issue, Refusal } from "@escalate/server/contract";
import type { z } from "zod";

export type { Issue };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
    /** The server's error code, e.g. "invalid", "unauthorized" (no session), "signature-refused", "conflict". */
    readonly code = "",
    /** The rest of the answer: `expected` with "confirmation-required", `current` with a stale edit's "conflict". */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken = "";
export const setCsrfToken = (token: string | null) => {
  csrfToken = token ?? "";
};

/**
 * An answer outside its schema is a fault of the contract, not of the user's data: in development it
 * fails the call at once; in production it is reported on the console (the browser tests fail on any
 * console error) and the answer is used as it is, so a trial team is never stopped by it.
 */
function checked<S extends z.ZodType>(schema: S, data: unknown, method: string, path: string): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    const problem = `${method} ${path} answered outside its schema: ${result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`)
      .join("; ")}`;
    if (import.meta.env.DEV) throw new Error(problem);
    console.error(problem);
  }
  return data as z.output<S>;
}

export async function api<S extends z.ZodType>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  if (!response.ok) {
    const detail: Partial<Refusal> = typeof data === "object" && data ? data : {};
    throw new ApiError(
      response.status,
      detail.message ?? (response.statusText || `HTTP ${response.status}`),
      detail.issues ?? [],
      detail.error ?? "",
      detail as Record<string, unknown>,
    );
  }
  return checked(schema, data, method, path);
}

export const get = <S extends z.ZodType>(path: string, schema: S) => api("GET", path, schema);
export const post = <S extends z.ZodType>(path: string, schema: S, body: unknown = {}) => api("POST", path, schema, body);
export const put = <S extends z.ZodType>(path: string, schema: S, body: unknown) => api("PUT", path, schema, body);
export const remove = <S extends z.ZodType>(path: string, schema: S, body: unknown) => api("DELETE", path, schema, body);
