import { type AuditEvent, responses } from "@escalate/server/contract";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { z } from "zod";
import { get } from "../api.js";
import { Empty, ErrorMessage, Field, Loading, ScrollRegion } from "../components/ui.js";
import { may, useSession } from "../session.js";

/**
 * The audit trail as an auditor reads it: every change to the trial in order, who made it, in which
 * role, why, and the values before and after; filtered, downloadable as CSV with the same filters, and
 * (for system administrators) verified against its hash chains.
 */

export interface AuditFilter {
  patient?: string;
  /** An event type ("adverseEvent.corrected") or family ("adverseEvent"). */
  type?: string;
  from?: string;
  to?: string;
}

/** Event families in the words of the people who read the trail. */
const FAMILIES: Record<string, string> = {
  trial: "Trial set-up",
  site: "Sites opened",
  role: "Roles granted and revoked",
  slot: "Places in cohorts",
  patient: "Registrations and randomization",
  administration: "Doses",
  adverseEvent: "Adverse events",
  lab: "Labs",
  tumour: "Tumour measurements",
  pk: "PK samples",
  dlt: "DLT adjudications",
  decision: "Escalation decisions",
  query: "Data queries",
  simulation: "Simulation studies",
};

const search = (filter: AuditFilter, extra: Record<string, string> = {}) =>
  new URLSearchParams(
    Object.entries({ ...filter, ...extra }).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== ""),
  ).toString();

function Changes({ event }: { event: AuditEvent }) {
  return (
    <>
      {event.changes.map((c) => (
        <details key={`${c.kind}:${c.id}`}>
          <summary>
            {c.kind} {c.before === null ? "created" : c.after === null ? "deleted" : "changed"}
          </summary>
          <div className="diff">
            <span>before: {c.before ? JSON.stringify(c.before.data) : "—"}</span>
            <span>after: {c.after ? JSON.stringify(c.after.data) : "(deleted)"}</span>
          </div>
        </details>
      ))}
    </>
  );
}

/** Events shown at once; the rest a button away (and all of them in the CSV). */
const PAGE = 50;

/** The trail (optionally filtered), newest first, with its CSV download. */
export function AuditTrail({ trialId, filter = {} }: { trialId: string; filter?: AuditFilter }) {
  const query = search(filter);
  const [shown, setShown] = useState(PAGE);
  const trail = useQuery({
    queryKey: ["audit", trialId, query],
    queryFn: () => get(`/api/trials/${trialId}/audit?${query}`, z.array(responses.auditEvent)),
  });
  return (
    <section aria-labelledby="audit-heading" className="card">
      <h2 id="audit-heading">Audit trail</h2>
      <p>
        <a href={`/api/trials/${trialId}/audit?${search(filter, { format: "csv" })}`} download>
          Download as CSV
        </a>
        {trail.data && ` · ${trail.data.length} event${trail.data.length === 1 ? "" : "s"}`}
      </p>
      {trail.isLoading && <Loading what="the audit trail" />}
      <ErrorMessage error={trail.error} />
      {trail.data && trail.data.length === 0 && <Empty>No events match.</Empty>}
      {trail.data && trail.data.length > 0 && (
        <ScrollRegion label="Audit trail events">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Role</th>
                <th scope="col">What</th>
                {filter.patient === undefined && <th scope="col">Patient</th>}
                <th scope="col">Reason</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {trail.data
                .slice()
                .reverse()
                .slice(0, shown)
                .map((event) => (
                  <tr key={event.chainSeq}>
                    <td>{event.chainSeq}</td>
                    <td>{event.at.replace("T", " ").slice(0, 19)}</td>
                    <td>{event.actorName}</td>
                    <td>{event.role}</td>
                    <td>{event.type}</td>
                    {filter.patient === undefined && (
                      <td>
                        {event.subject ? (
                          <Link href={`/trials/${trialId}/patients/${encodeURIComponent(event.subject)}`}>{event.subject}</Link>
                        ) : (
                          ""
                        )}
                      </td>
                    )}
                    <td>{event.reason ?? ""}</td>
                    <td>
                      <Changes event={event} />
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {trail.data && trail.data.length > shown && (
        <p>
          Showing the latest {shown} of {trail.data.length}.{" "}
          <button type="button" onClick={() => setShown(shown + PAGE)}>
            Show {Math.min(PAGE, trail.data.length - shown)} earlier
          </button>
        </p>
      )}
    </section>
  );
}

/** System administrators: every hash chain and the stored state checked against the log. */
function Verification({ trialId }: { trialId: string }) {
  const verify = useMutation({ mutationFn: () => get("/api/audit/verify", responses.auditReport) });
  const chain = verify.data?.chains.find((c) => c.chain === trialId);
  return (
    <section aria-labelledby="verify-heading" className="card">
      <h2 id="verify-heading">Verification</h2>
      <p className="muted">
        Recomputes every event's hash from its content and predecessor, checks each chain is unbroken, and replays the log against the
        stored state, so an edit to either is found.
      </p>
      <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
        {verify.isPending ? "Verifying…" : "Verify the audit trail"}
      </button>
      <ErrorMessage error={verify.error} />
      {verify.data && (
        <div role="status" className={verify.data.ok ? "notice" : "error"}>
          {verify.data.ok ? (
            <p>
              <strong>Verified:</strong> {verify.data.events} events in {verify.data.chains.length} chains, no break found.
              {chain && (
                <>
                  {" "}
                  This trial's chain: {chain.events} events, head <code>{chain.head.slice(0, 16)}…</code> (record it elsewhere to anchor the
                  log).
                </>
              )}
            </p>
          ) : (
            <>
              <p>
                <strong>Problems found ({verify.data.problems.length}):</strong>
              </p>
              <ul>
                {verify.data.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

export function AuditPage({ trialId }: { trialId: string }) {
  const { data: session } = useSession();
  const [filter, setFilter] = useState<AuditFilter>({});
  const set = (key: keyof AuditFilter) => (e: { target: { value: string } }) =>
    setFilter({ ...filter, [key]: e.target.value || undefined });
  if (!may(session, trialId, "audit.read"))
    return <ErrorMessage error={new Error("The audit trail is open to auditors, monitors and administrators of this trial.")} />;
  return (
    <div>
      <p className="breadcrumbs">
        <Link href="/trials">Trials</Link> › <Link href={`/trials/${trialId}`}>{trialId}</Link> › audit trail
      </p>
      <h1>Audit trail of {trialId}</h1>
      <form className="filters" aria-label="Filter the audit trail" onSubmit={(e) => e.preventDefault()}>
        <Field label="What">
          <select value={filter.type ?? ""} onChange={set("type")}>
            <option value="">everything</option>
            {Object.entries(FAMILIES).map(([family, words]) => (
              <option key={family} value={family}>
                {words}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Patient (Subject ID)">
          <input value={filter.patient ?? ""} onChange={set("patient")} />
        </Field>
        <Field label="From">
          <input type="date" value={filter.from ?? ""} onChange={set("from")} />
        </Field>
        <Field label="To">
          <input type="date" value={filter.to ?? ""} onChange={set("to")} />
        </Field>
      </form>
      <AuditTrail trialId={trialId} filter={filter} />
      {session?.user.admin && <Verification trialId={trialId} />}
    </div>
  );
}
