import { responses } from "@escalate/server/contract";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { post, remove } from "./api.js";
import { ErrorMessage, Field, issueAt } from "./components/ui.js";
import { useSession } from "./session.js";

/** The user's own account: change the password (other sessions end), and API tokens for scripts. */
export function AccountPage() {
  const { data: session } = useSession();
  const [passwords, setPasswords] = useState({ currentPassword: "", newPassword: "", repeat: "" });
  const mismatch = passwords.repeat !== "" && passwords.repeat !== passwords.newPassword;
  const change = useMutation({
    mutationFn: () =>
      post("/api/auth/password", responses.ok, { currentPassword: passwords.currentPassword, newPassword: passwords.newPassword }),
    onSuccess: () => setPasswords({ currentPassword: "", newPassword: "", repeat: "" }),
  });
  const [tokenName, setTokenName] = useState("");
  const create = useMutation({ mutationFn: () => post("/api/auth/tokens", responses.apiToken, { name: tokenName }) });
  const [revokeName, setRevokeName] = useState("");
  const revoke = useMutation({
    mutationFn: () => remove(`/api/auth/tokens/${encodeURIComponent(revokeName)}`, responses.ok, {}),
    onSuccess: () => setRevokeName(""),
  });
  const set = (key: keyof typeof passwords) => (e: { target: { value: string } }) => setPasswords({ ...passwords, [key]: e.target.value });
  if (!session) return null;
  return (
    <div className="narrow">
      <h1>Your account</h1>
      <p className="muted">
        {session.user.name} ({session.user.username}){session.user.admin ? " · system administrator" : ""}
      </p>
      <section aria-labelledby="password-heading" className="card">
        <h2 id="password-heading">Change your password</h2>
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (!mismatch) change.mutate();
          }}
        >
          <Field label="Current password" error={issueAt(change.error, "currentPassword")}>
            <input
              type="password"
              autoComplete="current-password"
              value={passwords.currentPassword}
              onChange={set("currentPassword")}
              required
            />
          </Field>
          <Field
            label="New password"
            error={issueAt(change.error, "newPassword")}
            hint="At least 12 characters; a phrase of unrelated words is strong and easy to remember."
          >
            <input type="password" autoComplete="new-password" value={passwords.newPassword} onChange={set("newPassword")} required />
          </Field>
          <Field label="New password again" error={mismatch ? "does not match the new password" : undefined}>
            <input type="password" autoComplete="new-password" value={passwords.repeat} onChange={set("repeat")} required />
          </Field>
          <button type="submit" className="primary" disabled={change.isPending || mismatch}>
            Change password
          </button>
          <ErrorMessage error={change.error} atFields={["currentPassword", "newPassword"]} />
          {change.isSuccess && (
            <p role="status" className="notice">
              Password changed. Your sessions on other devices have ended.
            </p>
          )}
        </form>
      </section>
      <section aria-labelledby="tokens-heading" className="card">
        <h2 id="tokens-heading">API tokens</h2>
        <p className="muted">
          A token lets a script call the API as you (header <code>Authorization: Bearer …</code>). It is shown once.
        </p>
        <form
          className="inline-form"
          aria-label="Create an API token"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label="Token name" error={issueAt(create.error, "name")}>
            <input value={tokenName} onChange={(e) => setTokenName(e.target.value)} required />
          </Field>
          <button type="submit" disabled={create.isPending}>
            Create token
          </button>
        </form>
        <ErrorMessage error={create.error} atFields={["name"]} />
        {create.data && (
          <div role="status" className="notice">
            <p>
              Token <strong>{create.data.name}</strong>, shown this once; store it now:
            </p>
            <code className="token">{create.data.token}</code>
          </div>
        )}
        <form
          className="inline-form"
          aria-label="Revoke an API token"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            revoke.mutate();
          }}
        >
          <Field label="Name of the token to revoke">
            <input value={revokeName} onChange={(e) => setRevokeName(e.target.value)} required />
          </Field>
          <button type="submit" disabled={revoke.isPending}>
            Revoke token
          </button>
        </form>
        <ErrorMessage error={revoke.error} />
        {revoke.isSuccess && (
          <p role="status" className="notice">
            Token revoked.
          </p>
        )}
      </section>
    </div>
  );
}
