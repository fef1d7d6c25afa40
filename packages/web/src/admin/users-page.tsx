import { type Account, responses } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { z } from "zod";
import { get, post } from "../api.js";
import { Empty, ErrorMessage, Field, issueAt, Loading, ScrollRegion } from "../components/ui.js";
import { useSession } from "../session.js";

/** An account action that needs a reason (and, for a reset, the new password): each is an audit event. */
type Action = { kind: "disable" | "enable" | "sessions/end" | "password"; account: Account };
/** The same, short enough for a row of buttons on a phone. */
const SHORT_WORDS: Record<Action["kind"], string> = {
  disable: "Disable",
  enable: "Enable",
  "sessions/end": "End sessions",
  password: "New password",
};
const ACTION_WORDS: Record<Action["kind"], string> = {
  disable: "Disable the account",
  enable: "Enable the account",
  "sessions/end": "End every session",
  password: "Set a new password",
};

function AccountAction({ action, onDone }: { action: Action; onDone: () => void }) {
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const [password, setPassword] = useState("");
  const run = useMutation({
    mutationFn: async (): Promise<unknown> =>
      action.kind === "password"
        ? post(`/api/users/${action.account.id}/password`, responses.ok, { password, reason })
        : action.kind === "sessions/end"
          ? post(`/api/users/${action.account.id}/sessions/end`, responses.endedSessions, { reason })
          : post(`/api/users/${action.account.id}/${action.kind}`, responses.ok, { reason }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["users"] });
      onDone();
    },
  });
  return (
    <form
      className="record-editor"
      aria-label={`${ACTION_WORDS[action.kind]}: ${action.account.username}`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        run.mutate();
      }}
    >
      <h3>
        {ACTION_WORDS[action.kind]}: {action.account.name} ({action.account.username})
      </h3>
      {action.kind === "password" && (
        <Field label="New password" error={issueAt(run.error, "password")} hint="At least 12 characters; tell the user to change it.">
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
      )}
      <Field label="Reason" error={issueAt(run.error, "reason")}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} required />
      </Field>
      <button type="submit" className="primary" disabled={run.isPending}>
        {ACTION_WORDS[action.kind]}
      </button>{" "}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <ErrorMessage error={run.error} atFields={["password", "reason"]} />
    </form>
  );
}

function CreateUser() {
  const client = useQueryClient();
  const empty = { username: "", name: "", password: "", admin: false };
  const [form, setForm] = useState(empty);
  const create = useMutation({
    mutationFn: () => post("/api/users", responses.user, form),
    onSuccess: () => {
      setForm(empty);
      client.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const set = (key: "username" | "name" | "password") => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  return (
    <section aria-labelledby="create-user-heading" className="card">
      <h2 id="create-user-heading">Create an account</h2>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="User name" error={issueAt(create.error, "username")} hint="Lower-case letters, digits, '.', '_' or '-'.">
          <input value={form.username} onChange={set("username")} autoComplete="off" required />
        </Field>
        <Field label="Full name" error={issueAt(create.error, "name")}>
          <input value={form.name} onChange={set("name")} required />
        </Field>
        <Field label="First password" error={issueAt(create.error, "password")} hint="At least 12 characters; the user changes it.">
          <input type="password" autoComplete="new-password" value={form.password} onChange={set("password")} required />
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={form.admin} onChange={(e) => setForm({ ...form, admin: e.target.checked })} /> System
          administrator (manages accounts and trials; enters no patient data)
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create account
        </button>
        <ErrorMessage error={create.error} atFields={["username", "name", "password"]} />
        {create.data && (
          <p role="status" className="notice">
            Account {create.data.username} created. Grant it roles on each trial's page.
          </p>
        )}
      </form>
    </section>
  );
}

/** System administrators: every account, its status, and the actions on it (each with a reason, each audited). */
export function UsersPage() {
  const { data: session } = useSession();
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => get("/api/users", z.array(responses.account)),
    enabled: Boolean(session?.user.admin),
  });
  const [action, setAction] = useState<Action | null>(null);
  if (!session?.user.admin) return <ErrorMessage error={new Error("Accounts are managed by system administrators.")} />;
  return (
    <div>
      <h1>Accounts</h1>
      <section aria-labelledby="accounts-heading" className="card">
        <h2 id="accounts-heading">Every account</h2>
        {users.isLoading && <Loading what="accounts" />}
        <ErrorMessage error={users.error} />
        {users.data && users.data.length === 0 && <Empty>No accounts.</Empty>}
        {users.data && users.data.length > 0 && (
          <ScrollRegion label="Accounts">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">User name</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((account) => (
                  <tr key={account.id}>
                    <th scope="row">
                      {account.name}
                      {account.admin ? " (administrator)" : ""}
                    </th>
                    <td>{account.username}</td>
                    <td>{account.status ?? "active"}</td>
                    <td>
                      <div className="row actions">
                        {(account.status === "disabled" ? (["enable"] as const) : (["disable", "password", "sessions/end"] as const)).map(
                          (kind) => (
                            <button
                              key={kind}
                              type="button"
                              onClick={() => setAction({ kind, account })}
                              disabled={account.id === session.user.id}
                              aria-label={`${SHORT_WORDS[kind]}: ${account.username}`}
                            >
                              {SHORT_WORDS[kind]}…
                            </button>
                          ),
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        {action && <AccountAction key={`${action.kind}:${action.account.id}`} action={action} onDone={() => setAction(null)} />}
      </section>
      <CreateUser />
    </div>
  );
}
