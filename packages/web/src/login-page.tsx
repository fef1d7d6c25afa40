import { type FormEvent, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { ErrorMessage, Field } from "./components/ui.js";
import { useAuth } from "./session.js";

export function LoginPage() {
  const auth = useAuth();
  const [, navigate] = useLocation();
  const next = new URLSearchParams(useSearch()).get("next") ?? "/trials";
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.login(username, password);
      navigate(next.startsWith("/") ? next : "/trials");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="login narrow" onSubmit={submit}>
      <h1>Log in</h1>
      <Field label="User name">
        <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </Field>
      <Field label="Password">
        <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </Field>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Logging in…" : "Log in"}
      </button>
      <p className="muted">The demo server's users (e.g. chair, inv101, stat, auditor) have the password escalate-demo.</p>
    </form>
  );
}
