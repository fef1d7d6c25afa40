import { responses } from "@escalate/server/contract";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { z } from "zod";
import { ApiError, put, remove } from "../api.js";
import { ErrorMessage, Field } from "../components/ui.js";

/** The trial-format fields that hold numbers (the rest are text), so an edited value goes back with its type. */
const NUMERIC = new Set([
  "AGE",
  "WEIGHT",
  "HEIGHT",
  "priorRegimens",
  "EXSTDY",
  "EXDOSE",
  "AETOXGR",
  "AESTDY",
  "AEENDY",
  "LBSTRESN",
  "LBSTNRLO",
  "LBSTNRHI",
  "LBDY",
  "TRDY",
  "TRSTRESN",
  "PCELTM",
  "PCSTRESN",
]);

/** How the user types a field's value, and back: a blank stays blank (the field is left out), never 0. */
const asText = (value: unknown) => (value === undefined || value === null ? "" : String(value));
export function fromText(fields: readonly string[], values: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const field of fields) {
    const text = (values[field] ?? "").trim();
    if (text === "") continue;
    record[field] = NUMERIC.has(field) ? Number(text) : field === "nodal" ? text === "true" : text;
  }
  return record;
}

/**
 * Asks the user to confirm an entry the server questions (a dose far from the protocol's, a date before
 * the first dose), showing why and the protocol's amount; sends it again with their reason.
 */
export function ConfirmationPrompt({
  error,
  onConfirm,
  pending,
  atFields = [],
}: {
  error: unknown;
  onConfirm: (reason: string) => void;
  pending: boolean;
  /** Fields that show their own refusal beside them. */
  atFields?: readonly string[];
}) {
  const [reason, setReason] = useState("");
  if (!(error instanceof ApiError) || error.code !== "confirmation-required") return <ErrorMessage error={error} atFields={atFields} />;
  const expected = error.detail.expected as { EXDOSE: number; explanation: string } | undefined;
  return (
    <div role="alert" className="confirmation">
      <strong>Please check this entry.</strong>
      <ul>
        {error.issues.map((issue) => (
          <li key={issue.path}>
            {issue.path} {String(issue.value)} {issue.message}
          </li>
        ))}
      </ul>
      {expected && (
        <p>
          Protocol dose: <strong>{expected.EXDOSE} mg</strong> ({expected.explanation}).
        </p>
      )}
      <Field label="Reason to keep it as entered">
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <button type="button" disabled={pending || reason.trim() === ""} onClick={() => onConfirm(reason)}>
        Save as entered
      </button>
    </div>
  );
}

/** Another user changed the record while this one edited it: say so, show what it is now, offer to start again from it. */
function ConflictNotice({
  error,
  fields,
  onReload,
}: {
  error: unknown;
  fields: readonly string[];
  onReload: (current: Record<string, unknown>) => void;
}) {
  if (!(error instanceof ApiError) || error.code !== "conflict" || !error.detail.current) return null;
  const current = error.detail.current as Record<string, unknown>;
  return (
    <div role="alert" className="conflict">
      <strong>Someone else changed this record while you were editing it; your change was not saved.</strong>
      <p>
        It now reads:{" "}
        {fields
          .filter((f) => current[f] !== undefined)
          .map((f) => `${f} ${asText(current[f])}`)
          .join(", ")}{" "}
        (version {String(current.version)}).
      </p>
      <button type="button" onClick={() => onReload(current)}>
        Edit the current version
      </button>
    </div>
  );
}

/**
 * Correct or delete one record, with a reason; the edit carries the version it was made on, so a change
 * made meanwhile by someone else is shown instead of being overwritten.
 */
export function RecordEditor({
  label,
  url,
  fields,
  record,
  wrap = (body) => body,
  answer = responses.storedRecord,
  onClose,
  onDeleted,
  deleteLabel = "Delete",
}: {
  /** What is edited, for the form's name, e.g. "dose on day 1". */
  label: string;
  url: string;
  fields: readonly string[];
  record: Record<string, unknown> & { version: number };
  /** How the edited fields go into the request, e.g. `{ record }` or `{ patient }`. */
  wrap?: (fields: Record<string, unknown>) => Record<string, unknown>;
  /** The schema of the server's answer to the correction (a record, unless said otherwise). */
  answer?: z.ZodType;
  onClose: () => void;
  /** After a deletion (default: as after a save). */
  onDeleted?: () => void;
  deleteLabel?: string;
}) {
  const client = useQueryClient();
  const [base, setBase] = useState(record);
  const [values, setValues] = useState(() => Object.fromEntries(fields.map((f) => [f, asText(record[f])])));
  const [reason, setReason] = useState("");
  const done = () => {
    client.invalidateQueries();
    onClose();
  };
  const save = useMutation({
    mutationFn: (confirmation?: string) =>
      put(url, answer, { ...wrap(fromText(fields, values)), reason, version: base.version, ...(confirmation ? { confirmation } : {}) }),
    onSuccess: done,
    // A change made meanwhile: the page shows it too, not only this form.
    onError: (error) => {
      if (error instanceof ApiError && error.code === "conflict") client.invalidateQueries();
    },
  });
  const drop = useMutation({
    mutationFn: () => remove(url, responses.ok, { reason, version: base.version }),
    onSuccess: () => {
      client.invalidateQueries();
      (onDeleted ?? onClose)();
    },
  });
  const reload = (current: Record<string, unknown>) => {
    setBase(current as typeof record);
    setValues(Object.fromEntries(fields.map((f) => [f, asText(current[f])])));
    save.reset();
    drop.reset();
  };
  return (
    <form
      className="record-editor"
      aria-label={`Correct ${label}`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate(undefined);
      }}
    >
      <div className="row">
        {fields.map((field) => (
          <Field key={field} label={field}>
            <input value={values[field] ?? ""} onChange={(e) => setValues({ ...values, [field]: e.target.value })} />
          </Field>
        ))}
      </div>
      <Field label="Reason for the change">
        <input value={reason} onChange={(e) => setReason(e.target.value)} required />
      </Field>
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending || reason.trim() === ""}>
          Save correction
        </button>
        <button type="button" className="danger" disabled={drop.isPending || reason.trim() === ""} onClick={() => drop.mutate()}>
          {deleteLabel}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ConflictNotice error={save.error ?? drop.error} fields={fields} onReload={reload} />
      {!(save.error instanceof ApiError && save.error.code === "conflict") && (
        <ConfirmationPrompt error={save.error} pending={save.isPending} onConfirm={(why) => save.mutate(why)} />
      )}
      {!(drop.error instanceof ApiError && drop.error.code === "conflict") && <ErrorMessage error={drop.error} />}
    </form>
  );
}
