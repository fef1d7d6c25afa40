import { allows, type Permission, responses, type Session } from "@escalate/server/contract";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { get, post, setCsrfToken } from "./api.js";

export type { Session };

/** The logged-in user, or null; keeps the CSRF token for writes. */
export function useSession() {
  return useQuery({
    queryKey: ["session"],
    queryFn: async (): Promise<Session | null> => {
      const session = await get("/api/auth/session", responses.sessionProbe);
      if (session.user === null) return null;
      setCsrfToken(session.csrfToken);
      return session;
    },
    staleTime: 60_000,
  });
}

export function useAuth() {
  const client = useQueryClient();
  return {
    async login(username: string, password: string) {
      const session = await post("/api/auth/login", responses.session, { username, password });
      setCsrfToken(session.csrfToken);
      client.setQueryData(["session"], session);
      return session;
    },
    async logout() {
      await post("/api/auth/logout", responses.ok);
      setCsrfToken(null);
      client.clear();
      client.setQueryData(["session"], null);
    },
  };
}

/** The roles the user holds in a trial (site roles as "investigator@101"). */
export function rolesIn(session: Session | null | undefined, trialId: string): string[] {
  if (!session) return [];
  const roles = session.grants.filter((g) => g.trialId === trialId).map((g) => (g.siteId ? `${g.role}@${g.siteId}` : g.role));
  return session.user.admin ? ["admin", ...roles] : roles;
}

/** Simulation studies on the server: administrators, and statisticians of any trial (as the server decides). */
export const mayRunStudies = (session: Session | null | undefined) =>
  Boolean(session && (session.user.admin || session.grants.some((g) => g.role === "statistician")));

/** Whether the user may do this in the trial: the server's own table of roles and permissions. */
export const may = (session: Session | null | undefined, trialId: string, permission: Permission) =>
  Boolean(session) &&
  allows({ admin: session!.user.admin, roles: session!.grants.filter((g) => g.trialId === trialId).map((g) => g.role) }, permission);
