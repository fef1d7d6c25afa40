/** The server's API: JSON in and out, the session cookie, and the CSRF token on every write. */
export interface Issue {
  path: string;
  value?: unknown;
  message: string;
}

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

export async function api<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
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
    const detail = typeof data === "object" && data ? (data as { error?: string; message?: string; issues?: Issue[] }) : {};
    throw new ApiError(
      response.status,
      detail.message ?? (response.statusText || `HTTP ${response.status}`),
      detail.issues ?? [],
      detail.error ?? "",
      detail as Record<string, unknown>,
    );
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => api<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);
export const remove = <T>(path: string, body: unknown) => api<T>("DELETE", path, body);
