import type { FastifyRequest } from "fastify";
import type { User } from "../access.js";
import { unauthorized } from "../errors.js";

export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw unauthorized();
  return request.user;
}
