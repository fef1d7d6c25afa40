import { ROLES, responses, SITE_ROLES, type TrialDetail } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { z } from "zod";
import { get, post, remove } from "../api.js";
import { Empty, ErrorMessage, Field, issueAt, ScrollRegion } from "../components/ui.js";

/** What each role does in a trial, in the words of the people who hold them. */
export const ROLE_WORDS: Record<(typeof ROLES)[number], string> = {
  admin: "administrator",
  statistician: "statistician (prepares meetings, runs simulations)",
  "medical-monitor": "medical monitor (adjudicates DLTs, chairs and signs meetings)",
  investigator: "investigator (enrols and records at a site)",
  coordinator: "study coordinator (enrols and records at a site)",
  monitor: "monitor (raises data queries, reads the audit trail)",
  auditor: "auditor (reads the audit trail)",
};

/** The trial's team for its administrators: who holds which role (site roles per site); grant and revoke, with reasons. */
export function TrialTeam({ trial }: { trial: TrialDetail }) {
  const client = useQueryClient();
  const grants = useQuery({
    queryKey: ["grants", trial.id],
    queryFn: () => get(`/api/trials/${trial.id}/grants`, z.array(responses.trialGrant)),
  });
  const [form, setForm] = useState({ username: "", role: "investigator" as (typeof ROLES)[number], siteId: trial.sites[0]?.id ?? "" });
  const siteRole = SITE_ROLES.has(form.role);
  const refresh = () => client.invalidateQueries({ queryKey: ["grants", trial.id] });
  const grant = useMutation({
    mutationFn: () =>
      post(`/api/trials/${trial.id}/grants`, responses.grant, {
        username: form.username,
        role: form.role,
        ...(siteRole ? { siteId: form.siteId } : {}),
      }),
    onSuccess: () => {
      setForm({ ...form, username: "" });
      refresh();
    },
  });
  const [revoking, setRevoking] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const revoke = useMutation({
    mutationFn: (id: string) => remove(`/api/trials/${trial.id}/grants/${encodeURIComponent(id)}`, responses.ok, { reason }),
    onSuccess: () => {
      setRevoking(null);
      setReason("");
      refresh();
    },
  });
  return (
    <section aria-labelledby="team-heading" className="card">
      <h2 id="team-heading">Team and roles</h2>
      <ErrorMessage error={grants.error} />
      {grants.data && grants.data.length === 0 && <Empty>No one holds a role in this trial yet.</Empty>}
      {grants.data && grants.data.length > 0 && (
        <ScrollRegion label="Team and roles">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Site</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {grants.data.map((g) => (
                <tr key={g.id}>
                  <th scope="row">{g.username ?? g.userId}</th>
                  <td>{ROLE_WORDS[g.role]}</td>
                  <td>{g.siteId ?? "all"}</td>
                  <td>
                    {revoking === g.id ? (
                      <form
                        className="inline-form"
                        aria-label={`Revoke ${g.role} from ${g.username ?? g.userId}`}
                        onSubmit={(e: FormEvent) => {
                          e.preventDefault();
                          revoke.mutate(g.id);
                        }}
                      >
                        <Field label="Reason" error={issueAt(revoke.error, "reason")}>
                          <input value={reason} onChange={(e) => setReason(e.target.value)} required />
                        </Field>
                        <button type="submit" disabled={revoke.isPending}>
                          Revoke
                        </button>
                        <button type="button" onClick={() => setRevoking(null)}>
                          Cancel
                        </button>
                      </form>
                    ) : (
                      <button type="button" onClick={() => setRevoking(g.id)}>
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <ErrorMessage error={revoke.error} atFields={["reason"]} />
      <form
        className="inline-form filters"
        aria-label="Grant a role"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          grant.mutate();
        }}
      >
        <Field label="User name" error={issueAt(grant.error, "username")}>
          <input value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        </Field>
        <Field label="Role">
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as (typeof ROLES)[number] })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_WORDS[role]}
              </option>
            ))}
          </select>
        </Field>
        {siteRole && (
          <Field label="Site" error={issueAt(grant.error, "siteId")}>
            <select value={form.siteId} onChange={(e) => setForm({ ...form, siteId: e.target.value })}>
              {trial.sites.map((site) => (
                <option key={site.id} value={site.id}>
                  {site.id}: {site.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <button type="submit" disabled={grant.isPending}>
          Grant role
        </button>
      </form>
      <ErrorMessage error={grant.error} atFields={["username", "siteId"]} />
    </section>
  );
}

/** The trial's sites, and (administrators) a new site opened while the trial runs. */
export function TrialSites({ trial }: { trial: TrialDetail }) {
  const client = useQueryClient();
  const [site, setSite] = useState({ id: "", name: "" });
  const open = useMutation({
    mutationFn: () => post(`/api/trials/${trial.id}/sites`, responses.site, site),
    onSuccess: () => {
      setSite({ id: "", name: "" });
      client.invalidateQueries({ queryKey: ["trial", trial.id] });
    },
  });
  return (
    <section aria-labelledby="sites-heading" className="card">
      <h2 id="sites-heading">Sites</h2>
      <ul>
        {trial.sites.map((s) => (
          <li key={s.id}>
            {s.id}: {s.name}
          </li>
        ))}
      </ul>
      <form
        className="inline-form filters"
        aria-label="Open a site"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          open.mutate();
        }}
      >
        <Field label="Site ID" error={issueAt(open.error, "id")}>
          <input value={site.id} onChange={(e) => setSite({ ...site, id: e.target.value })} required />
        </Field>
        <Field label="Site name" error={issueAt(open.error, "name")}>
          <input value={site.name} onChange={(e) => setSite({ ...site, name: e.target.value })} required />
        </Field>
        <button type="submit" disabled={open.isPending}>
          Open the site
        </button>
      </form>
      <ErrorMessage error={open.error} atFields={["id", "name"]} />
    </section>
  );
}
