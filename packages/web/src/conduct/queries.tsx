import { type DataQuery, responses } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { z } from "zod";
import { get, post } from "../api.js";
import { Empty, ErrorMessage, Field, fieldName, Loading, ScrollRegion } from "../components/ui.js";
import { may, useSession } from "../session.js";

/**
 * Data queries, as monitors and sites use them: a monitor questions a patient's data (a record, one of
 * its fields), the site answers, the monitor closes the query or sends it back. Every message is part of
 * the audit trail.
 */

const STATUS_WORDS: Record<DataQuery["status"], string> = { open: "open: awaiting the site", answered: "answered", closed: "closed" };

export const queriesKey = (trialId: string) => ["queries", trialId];

export function useQueries(trialId: string) {
  return useQuery({ queryKey: queriesKey(trialId), queryFn: () => get(`/api/trials/${trialId}/queries`, z.array(responses.dataQuery)) });
}

/** What the query is about, in words: the record (by its label) and field, or the patient. */
function subject(query: DataQuery, recordLabel: (id: string) => string | undefined) {
  const record = query.recordId ? (recordLabel(query.recordId) ?? "a record since removed") : null;
  const field = query.field ? fieldName(query.field).name : null;
  return [record ?? "the patient's data", field].filter(Boolean).join(", ");
}

function Move({
  trialId,
  query,
  move,
  label,
  needsText,
}: {
  trialId: string;
  query: DataQuery;
  move: string;
  label: string;
  needsText: boolean;
}) {
  const client = useQueryClient();
  const [text, setText] = useState("");
  const send = useMutation({
    mutationFn: () => post(`/api/trials/${trialId}/queries/${query.id}/${move}`, responses.dataQuery, text.trim() ? { text } : {}),
    onSuccess: () => {
      setText("");
      client.invalidateQueries({ queryKey: queriesKey(trialId) });
      client.invalidateQueries({ queryKey: ["audit", trialId] });
    },
  });
  return (
    <form
      className="inline-form"
      aria-label={`${label} (query on ${query.USUBJID})`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        send.mutate();
      }}
    >
      <Field label={needsText ? `${label}: message` : `${label}: note (optional)`}>
        <input value={text} onChange={(e) => setText(e.target.value)} required={needsText} />
      </Field>
      <button type="submit" disabled={send.isPending}>
        {label}
      </button>
      <ErrorMessage error={send.error} />
    </form>
  );
}

function QueryCard({
  trialId,
  query,
  recordLabel,
}: {
  trialId: string;
  query: DataQuery;
  recordLabel: (id: string) => string | undefined;
}) {
  const { data: session } = useSession();
  const canRaise = may(session, trialId, "queries.raise");
  const canAnswer = may(session, trialId, "queries.answer");
  return (
    <article className={`query query-${query.status}`} aria-label={`Query on ${subject(query, recordLabel)}`}>
      <p>
        <span className={`status status-query-${query.status}`}>{STATUS_WORDS[query.status]}</span> on {subject(query, recordLabel)}
      </p>
      <ol className="messages">
        {query.messages.map((message) => (
          <li key={message.at + message.by}>
            <span className="muted">
              {message.by} ({message.role}), {message.at.replace("T", " ").slice(0, 16)} UTC:
            </span>{" "}
            {message.text}
          </li>
        ))}
      </ol>
      {canAnswer && query.status === "open" && <Move trialId={trialId} query={query} move="answer" label="Answer" needsText />}
      {canRaise && query.status === "answered" && (
        <Move trialId={trialId} query={query} move="reopen" label="Send back to the site" needsText />
      )}
      {canRaise && query.status !== "closed" && <Move trialId={trialId} query={query} move="close" label="Close" needsText={false} />}
    </article>
  );
}

/** One patient's queries, and (for monitors) a form to raise one on a record or field. */
export function PatientQueries({
  trialId,
  usubjid,
  records,
}: {
  trialId: string;
  usubjid: string;
  /** The patient's records a query may be about: id, label and fields. */
  records: { id: string; label: string; fields: readonly string[] }[];
}) {
  const { data: session } = useSession();
  const client = useQueryClient();
  const queries = useQueries(trialId);
  const mine = (queries.data ?? []).filter((q) => q.USUBJID === usubjid);
  const [recordId, setRecordId] = useState("");
  const [field, setField] = useState("");
  const [text, setText] = useState("");
  const raise = useMutation({
    mutationFn: () =>
      post(`/api/trials/${trialId}/queries`, responses.dataQuery, {
        USUBJID: usubjid,
        ...(recordId ? { recordId } : {}),
        ...(recordId && field ? { field } : {}),
        text,
      }),
    onSuccess: () => {
      setText("");
      setField("");
      setRecordId("");
      client.invalidateQueries({ queryKey: queriesKey(trialId) });
    },
  });
  const record = records.find((r) => r.id === recordId);
  const recordLabel = (id: string) => records.find((r) => r.id === id)?.label;
  return (
    <section aria-labelledby="queries-heading" className="card">
      <h2 id="queries-heading">Data queries</h2>
      {queries.isLoading && <Loading what="queries" />}
      <ErrorMessage error={queries.error} />
      {queries.data && mine.length === 0 && <Empty>No queries on this patient's data.</Empty>}
      {mine.map((query) => (
        <QueryCard key={query.id} trialId={trialId} query={query} recordLabel={recordLabel} />
      ))}
      {may(session, trialId, "queries.raise") && (
        <form
          className="record-form"
          aria-label="Raise a data query"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            raise.mutate();
          }}
        >
          <h3>Raise a query</h3>
          <Field label="About">
            <select
              value={recordId}
              onChange={(e) => {
                setRecordId(e.target.value);
                setField("");
              }}
            >
              <option value="">the patient's data in general</option>
              {records.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </Field>
          {record && (
            <Field label="Field (optional)">
              <select value={field} onChange={(e) => setField(e.target.value)}>
                <option value="">the whole record</option>
                {record.fields.map((f) => (
                  <option key={f} value={f}>
                    {fieldName(f).name} ({f})
                  </option>
                ))}
              </select>
            </Field>
          )}
          <Field label="Question to the site">
            <textarea value={text} onChange={(e) => setText(e.target.value)} required rows={2} />
          </Field>
          <button type="submit" className="primary" disabled={raise.isPending}>
            Raise query
          </button>
          <ErrorMessage error={raise.error} />
        </form>
      )}
    </section>
  );
}

/** Every query of the trial the user may see, by status, each linked to its patient. */
export function TrialQueries({ trialId }: { trialId: string }) {
  const queries = useQueries(trialId);
  const [status, setStatus] = useState<"" | DataQuery["status"]>("open");
  const shown = (queries.data ?? []).filter((q) => status === "" || q.status === status);
  const count = (s: DataQuery["status"]) => (queries.data ?? []).filter((q) => q.status === s).length;
  return (
    <section aria-labelledby="trial-queries-heading" className="card">
      <h2 id="trial-queries-heading">Data queries</h2>
      <ErrorMessage error={queries.error} />
      {queries.data && (
        <>
          <p>
            {count("open")} open, {count("answered")} answered, {count("closed")} closed.
          </p>
          <div className="filters">
            <Field label="Show">
              <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
                <option value="open">open</option>
                <option value="answered">answered</option>
                <option value="closed">closed</option>
                <option value="">all</option>
              </select>
            </Field>
          </div>
          {shown.length === 0 ? (
            <Empty>No {status || ""} queries.</Empty>
          ) : (
            <ScrollRegion label="Data queries">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Patient</th>
                    <th scope="col">Status</th>
                    <th scope="col">Field</th>
                    <th scope="col">Last message</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((q) => {
                    const last = q.messages.at(-1)!;
                    return (
                      <tr key={q.id}>
                        <th scope="row">
                          <Link href={`/trials/${trialId}/patients/${encodeURIComponent(q.USUBJID)}`}>{q.USUBJID}</Link>
                        </th>
                        <td>{STATUS_WORDS[q.status]}</td>
                        <td>{q.field ? fieldName(q.field).name : q.recordId ? "a record" : "—"}</td>
                        <td>
                          {last.text}{" "}
                          <span className="muted">
                            ({last.by}, {last.at.slice(0, 10)})
                          </span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </>
      )}
    </section>
  );
}
