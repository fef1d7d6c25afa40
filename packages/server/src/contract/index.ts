/**
 * @escalate/server/contract — the HTTP API as data: request bodies, responses, roles and what each may
 * do. Browser-safe (zod and the core only): the server declares its routes with these schemas and the
 * web app imports them, so neither side re-declares the other's types.
 */
export * from "./requests.js";
export type * from "./responses.js";
export * as responses from "./responses.js";
export * from "./roles.js";
