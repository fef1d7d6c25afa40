/** Roles and what each may do: one table, read by the server's checks and the web app's screens. */

/** Roles per trial. Investigators and coordinators hold theirs per site and see only their sites' patients. */
export const ROLES = ["admin", "statistician", "medical-monitor", "investigator", "coordinator", "monitor", "auditor"] as const;
export type Role = (typeof ROLES)[number];
export const SITE_ROLES: ReadonlySet<Role> = new Set(["investigator", "coordinator"]);

/** What each role may do: the one place that says so. */
export const PERMISSIONS = {
  "trial.read": ROLES,
  "trial.manage": ["admin"],
  "patients.read": ROLES,
  "patients.write": ["investigator", "coordinator"],
  "slots.request": ["investigator", "coordinator"],
  "dlt.adjudicate": ["medical-monitor"],
  "decision.prepare": ["medical-monitor", "statistician"],
  "decision.sign": ["medical-monitor"],
  "simulation.run": ["statistician", "admin"],
  "audit.read": ["auditor", "admin", "monitor"],
  "queries.raise": ["monitor", "medical-monitor"],
  "queries.answer": ["investigator", "coordinator"],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/**
 * Whether roles held in a trial (and system administration) allow a permission: the rule `authorize`
 * enforces, for screens that offer only what the server will accept.
 */
export function allows(held: { admin: boolean; roles: readonly string[] }, permission: Permission): boolean {
  const allowed: readonly string[] = PERMISSIONS[permission];
  return (held.admin && allowed.includes("admin")) || held.roles.some((role) => allowed.includes(role));
}
