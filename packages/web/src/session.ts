import { useQuery, useQueryClient } from "@tanstack/react-query";
import { get, post, setCsrfToken } from "./api.js";

export interface Grant {
  trialId: string;
  role: string;
  siteId: string | null;
}
export interface Session {
  user: { id: string; username: string; name: string; admin: boolean };
  grants: Grant[];
  csrfToken: string | null;
}

/** The logged-in user, or null; keeps the CSRF token for writes. */
export function useSession() {
  return useQuery({
    queryKey: ["session"],
    queryFn: async (): Promise<Session | null> => {
      const session = await get<Session | { user: null }>("/api/auth/session");
      if (session.user === null) return null;
      setCsrfToken((session as Session).csrfToken);
      return session as Session;
    },
    staleTime: 60_000,
  });
}

export function useAuth() {
  const client = useQueryClient();
  return {
    async login(username: string, password: string) {
      const session = await post<Session>("/api/auth/login", { username, password });
      setCsrfToken(session.csrfToken);
      client.setQueryData(["session"], session);
      return session;
    },
    async logout() {
      await post("/api/auth/logout");
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

export const holds = (session: Session | null | undefined, trialId: string, ...roles: string[]) =>
  rolesIn(session, trialId).some((held) => roles.includes(held.split("@")[0]!));
