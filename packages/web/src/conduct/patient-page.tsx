import { administeredAmount, CTCAE_V5, type DataProblem, dateOfStudyDay, gradeLab } from "@escalate/core";
import { responses, type StoredRecord, type TrialDetail } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import { get, post } from "../api.js";
import { Empty, ErrorMessage, Field, FormError, fieldName, Loading, ScrollRegion } from "../components/ui.js";
import { may, useSession } from "../session.js";
import { AuditTrail } from "./audit-page.js";
import { PatientQueries } from "./queries.js";
import { ConfirmationPrompt, RecordEditor } from "./record-editing.js";

type Row = StoredRecord;

/** The registration's correctable fields (site, cohort and dose level come from the slot). */
const REGISTRATION = ["AGE", "SEX", "WEIGHT", "HEIGHT", "RFXSTDTC", "BRTHDTC", "priorRegimens"] as const;
/** Each record table: its URL segment (as in the API), heading and fields. */
const DOMAINS = [
  { domain: "administrations", title: "Doses", fields: ["EXSTDY", "EXDOSE", "EXDOSU"] },
  { domain: "adverse-events", title: "Adverse events", fields: ["AETERM", "AETOXGR", "AEREL", "AESER", "AESTDY", "AEENDY", "AECAT"] },
  { domain: "labs", title: "Labs", fields: ["LBTESTCD", "LBSTRESN", "LBSTRESU", "LBSTNRLO", "LBSTNRHI", "LBDY"] },
  { domain: "tumours", title: "Tumour measurements", fields: ["TRLNKID", "TRGRPID", "TRDY", "TRSTRESN", "TRSTRESC", "TRLOC"] },
  { domain: "pk", title: "PK samples", fields: ["PCTESTCD", "PCELTM", "PCSTRESN", "PCSTRESU"] },
] as const;

/** A record as a query names it: its kind and what tells it apart (term, test, lesion; study day). */
function recordLabel(title: string, row: Row): string {
  const what =
    row.AETERM ?? row.LBTESTCD ?? row.TRLNKID ?? row.PCTESTCD ?? (row.EXDOSE === undefined ? "" : `${row.EXDOSE} ${row.EXDOSU ?? ""}`);
  const day = row.AESTDY ?? row.LBDY ?? row.TRDY ?? row.EXSTDY;
  const when = day !== undefined ? `day ${day}` : row.PCELTM !== undefined ? `${row.PCELTM} h` : "";
  return [title, String(what).trim(), when].filter(Boolean).join(" · ");
}

const LAB_TESTS = [...new Map(CTCAE_V5.criteria.map((c) => [c.test, c])).values()];

/** A form posting one record; the fields are strings as typed, converted by `toBody`. */
function RecordForm({
  title,
  url,
  initial,
  toBody,
  children,
}: {
  title: string;
  url: string;
  initial: Record<string, string>;
  toBody: (values: Record<string, string>) => Record<string, unknown>;
  children: (values: Record<string, string>, set: (key: string) => (e: { target: { value: string } }) => void) => ReactNode;
}) {
  const client = useQueryClient();
  const [values, setValues] = useState(initial);
  const save = useMutation({
    mutationFn: (confirmation?: string) =>
      post(url, responses.storedRecord, { ...toBody(values), ...(confirmation ? { confirmation } : {}) }),
    onSuccess: () => {
      setValues(initial);
      client.invalidateQueries();
    },
  });
  const set = (key: string) => (e: { target: { value: string } }) => setValues({ ...values, [key]: e.target.value });
  return (
    <form
      className="record-form"
      aria-label={title}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate(undefined);
      }}
    >
      <h3>{title}</h3>
      <FormError.Provider value={save.error}>
        <div className="row">{children(values, set)}</div>
      </FormError.Provider>
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
      {save.isSuccess && <span className="saved"> Saved.</span>}
      <ConfirmationPrompt
        error={save.error}
        atFields={Object.keys(initial)}
        pending={save.isPending}
        onConfirm={(reason) => save.mutate(reason)}
      />
    </form>
  );
}

const num = (text: string | undefined) => (text === undefined || text.trim() === "" ? undefined : Number(text));
const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ""));

function LabGrade({ values }: { values: Record<string, string> }) {
  const value = num(values.LBSTRESN);
  const grading = useMemo(() => {
    if (value === undefined || !Number.isFinite(value)) return null;
    const lln = num(values.LBSTNRLO);
    const uln = num(values.LBSTNRHI);
    return gradeLab({
      test: values.LBTESTCD ?? "",
      value,
      unit: values.LBSTRESU ?? "",
      ...(lln === undefined ? {} : { lln }),
      ...(uln === undefined ? {} : { uln }),
    });
  }, [value, values.LBTESTCD, values.LBSTRESU, values.LBSTNRLO, values.LBSTNRHI]);
  return (
    <output className="grade" aria-live="polite">
      {grading === null
        ? "Enter a value to see its CTCAE v5.0 grade."
        : grading.map((g) => (
            <span key={g.term}>
              {g.term}: {g.grade === null ? `cannot grade (${g.reason})` : `grade ${g.grade}`}
            </span>
          ))}
    </output>
  );
}

function Adjudicate({ trialId, event }: { trialId: string; event: Row }) {
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const adjudicate = useMutation({
    mutationFn: (dlt: boolean) =>
      post(`/api/trials/${trialId}/adverse-events/${event.id}/adjudication`, responses.storedRecord, { dlt, reason }),
    onSuccess: () => client.invalidateQueries(),
  });
  return (
    <div className="adjudication">
      <Field label={`Adjudication reason (${String(event.AETERM)})`}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </Field>
      <button type="button" onClick={() => adjudicate.mutate(true)} disabled={adjudicate.isPending}>
        DLT
      </button>
      <button type="button" onClick={() => adjudicate.mutate(false)} disabled={adjudicate.isPending}>
        Not a DLT
      </button>
      <ErrorMessage error={adjudicate.error} />
    </div>
  );
}

/** Fields holding a study day: shown with its calendar date (day 1 is the first dose; there is no day 0). */
const STUDY_DAYS = new Set(["EXSTDY", "AESTDY", "AEENDY", "LBDY", "TRDY"]);

function RecordsTable({
  label,
  rows,
  columns,
  firstDose,
  extra,
  extraLabel,
  onEdit,
  editing,
}: {
  label: string;
  rows: Row[];
  columns: readonly string[];
  /** The patient's first dose (RFXSTDTC), from which study days are dated. */
  firstDose: string | undefined;
  extra?: (row: Row) => ReactNode;
  /** The extra column's heading. */
  extraLabel?: string;
  onEdit?: ((row: Row) => void) | undefined;
  editing?: string | null;
}) {
  if (rows.length === 0) return <Empty>None recorded.</Empty>;
  return (
    <ScrollRegion label={label}>
      <table>
        <thead>
          <tr>
            {columns.map((c) => {
              // Plain words for clinical staff; the SDTM variable name as detail beneath.
              const field = fieldName(c);
              return (
                <th scope="col" key={c}>
                  {field.name}
                  {field.code && <span className="field-code">{field.code}</span>}
                </th>
              );
            })}
            {extra && <th scope="col">{extraLabel ?? "Safety review"}</th>}
            {onEdit && <th scope="col">Changes</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} className={editing === row.id ? "editing" : undefined}>
              {columns.map((c) => (
                <td key={c}>
                  {row[c] === undefined ? "—" : String(row[c])}
                  {STUDY_DAYS.has(c) && typeof row[c] === "number" && firstDose && (
                    <span className="date">{dateOfStudyDay(firstDose, row[c])}</span>
                  )}
                </td>
              ))}
              {extra && <td>{extra(row)}</td>}
              {onEdit && (
                <td>
                  <button
                    type="button"
                    onClick={() => onEdit(row)}
                    aria-label={`Correct or delete ${columns
                      .map((c) => row[c])
                      .filter((v) => v !== undefined)
                      .slice(0, 2)
                      .join(" ")}`}
                  >
                    Correct…
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** The patient's data that cannot be read or analysed: each record, field and what is wrong, to correct or delete. */
function Problems({ problems }: { problems: DataProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="error problems">
      <strong>
        {problems.length === 1 ? "One record" : `${problems.length} records`} of this patient cannot be used until corrected or deleted:
      </strong>
      <ul>
        {problems.map((p) => (
          <li key={`${String(p.record)}:${p.path}`}>
            {p.collection === "patients" ? "registration" : p.collection} · <code>{p.path}</code>
            {p.value === undefined ? "" : ` ${JSON.stringify(p.value)}`}: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The protocol's amount for this patient at their dose level, shown beside the dose they type. */
function protocolDose(trial: TrialDetail | undefined, patient: Record<string, unknown>): { mg: number; text: string } | undefined {
  const level = trial?.trial.doseLevels.find((l) => l.level === patient.doseLevel);
  if (!level || typeof patient.WEIGHT !== "number" || typeof patient.HEIGHT !== "number") return undefined;
  try {
    const amount = administeredAmount(level as Parameters<typeof administeredAmount>[0], patient.HEIGHT, patient.WEIGHT);
    const mg = Math.round(amount.mg * 10) / 10;
    return { mg, text: `Protocol dose ${mg} mg (${amount.explanation})` };
  } catch {
    return undefined;
  }
}

export function PatientPage({ trialId, usubjid }: { trialId: string; usubjid: string }) {
  const { data: session } = useSession();
  const base = `/api/trials/${trialId}/patients/${encodeURIComponent(usubjid)}`;
  const view = useQuery({ queryKey: ["patient", trialId, usubjid], queryFn: () => get(base, responses.patientRecord) });
  const canWrite = may(session, trialId, "patients.write");
  const canAdjudicate = may(session, trialId, "dlt.adjudicate");
  const canAudit = may(session, trialId, "audit.read");
  const trial = useQuery({ queryKey: ["trial", trialId], queryFn: () => get(`/api/trials/${trialId}`, responses.trialDetail) });
  const [editing, setEditing] = useState<{ domain: string; row: Row } | null>(null);
  const [editingRegistration, setEditingRegistration] = useState(false);
  const [, navigate] = useLocation();
  if (view.isLoading) return <Loading what="the patient" />;
  if (view.error) return <ErrorMessage error={view.error} />;
  const { patient, version, dltWindow, records, labGrades } = view.data!;
  // A lab row's CTCAE grade as the analysis computed it (baseline rows are not graded).
  const labGrade = (row: Row) => {
    if (row.LBBLFL === "Y") return <span className="muted">baseline</span>;
    const graded = labGrades.find(
      (g) => g.test === row.LBTESTCD && g.day === row.LBDY && g.value === (row.LBSTRESN ?? null) && g.unit === row.LBSTRESU,
    );
    if (!graded) return "—";
    if (graded.grade === null) return <span title={graded.reason}>not graded: {graded.reason}</span>;
    return (
      <span title={graded.reason}>
        {graded.term}: <strong>grade {graded.grade}</strong>
      </span>
    );
  };
  const startEditing = canWrite ? (domain: string) => (row: Row) => setEditing({ domain, row }) : () => undefined;
  return (
    <div>
      <p className="breadcrumbs">
        <Link href="/trials">Trials</Link> › <Link href={`/trials/${trialId}`}>{trialId}</Link> › {usubjid}
      </p>
      <h1>Patient {usubjid}</h1>
      <p className="muted">
        Site {String(patient.SITEID)} · cohort {String(patient.cohort)} · dose level {String(patient.doseLevel)} ·{" "}
        {String(patient.SEX ?? "")} {patient.AGE ? `${String(patient.AGE)} y` : ""} · {String(patient.WEIGHT)} kg · first dose{" "}
        {String(patient.RFXSTDTC)}
      </p>
      {canWrite && !editingRegistration && (
        <p>
          <button type="button" onClick={() => setEditingRegistration(true)}>
            Correct the registration…
          </button>
        </p>
      )}
      {editingRegistration && (
        <RecordEditor
          label="the registration"
          url={base}
          fields={REGISTRATION}
          record={{ ...patient, version }}
          wrap={(fields) => ({ patient: fields })}
          answer={responses.patientCorrected}
          onClose={() => setEditingRegistration(false)}
          onDeleted={() => navigate(`/trials/${trialId}`)}
          deleteLabel="Withdraw registration"
        />
      )}
      <Problems problems={dltWindow?.problems ?? []} />
      {dltWindow && (
        <p className={`dlt-window dlt-${dltWindow.status.replaceAll(" ", "-")}`}>
          DLT window {dltWindow.windowEnd === null ? "" : `${dltWindow.windowStart} → ${dltWindow.windowEnd}`}:{" "}
          <strong>{dltWindow.status}</strong> ({dltWindow.reason}){dltWindow.status === "pending" && `, ${dltWindow.daysLeft} days left`}
        </p>
      )}
      <section aria-labelledby="records-heading" className="card">
        <h2 id="records-heading">Records</h2>
        {DOMAINS.map(({ domain, title, fields }) => (
          <div key={domain}>
            <h3>{title}</h3>
            <RecordsTable
              label={title}
              rows={records[domain] ?? []}
              columns={fields}
              firstDose={typeof patient.RFXSTDTC === "string" ? patient.RFXSTDTC : undefined}
              editing={editing?.domain === domain ? editing.row.id : null}
              onEdit={canWrite ? startEditing(domain) : undefined}
              {...(domain === "adverse-events"
                ? {
                    extra: (row: Row) => (
                      <>
                        {row.DLTFL === "Y" && <strong className="dlt-DLT">DLT (adjudicated)</strong>}
                        {row.DLTFL === "N" && <span>not a DLT (adjudicated)</span>}
                        {row.DLTFL === undefined && dltWindow?.unadjudicated.includes(row.id) && (
                          <strong className="dlt-pending">proposed DLT, awaiting review</strong>
                        )}
                        {canAdjudicate && row.DLTFL === undefined && <Adjudicate trialId={trialId} event={row} />}
                      </>
                    ),
                  }
                : domain === "labs"
                  ? { extra: labGrade, extraLabel: "CTCAE v5.0 grade" }
                  : {})}
            />
            {editing?.domain === domain && (
              <RecordEditor
                key={editing.row.id}
                label={`${title.toLowerCase()} record`}
                url={`/api/trials/${trialId}/records/${editing.row.id}`}
                fields={fields}
                record={editing.row}
                wrap={(record) => ({ record })}
                onClose={() => setEditing(null)}
              />
            )}
          </div>
        ))}
      </section>
      {canWrite && (
        <section aria-labelledby="entry-heading" className="card">
          <h2 id="entry-heading">Enter data</h2>
          <RecordForm
            title="Dose given"
            url={`${base}/administrations`}
            initial={{ EXSTDY: "1", EXDOSE: "", EXDOSU: "mg" }}
            toBody={(v) => compact({ EXSTDY: num(v.EXSTDY), EXDOSE: num(v.EXDOSE), EXDOSU: v.EXDOSU })}
          >
            {(v, set) => {
              // The dose calculator: the protocol's amount at this patient's level, from weight or body surface area.
              const calculated = protocolDose(trial.data, patient);
              return (
                <>
                  <Field name="EXSTDY" label="Study day">
                    <input inputMode="numeric" value={v.EXSTDY} onChange={set("EXSTDY")} />
                  </Field>
                  <Field name="EXDOSE" label="Dose (mg)" {...(calculated ? { hint: calculated.text } : {})}>
                    <input inputMode="decimal" value={v.EXDOSE} onChange={set("EXDOSE")} />
                  </Field>
                  {calculated && (
                    <button type="button" onClick={() => set("EXDOSE")({ target: { value: String(calculated.mg) } })}>
                      Use the protocol dose ({calculated.mg} mg)
                    </button>
                  )}
                </>
              );
            }}
          </RecordForm>
          <RecordForm
            title="Adverse event"
            url={`${base}/adverse-events`}
            initial={{ AETERM: "", AETOXGR: "1", AEREL: "Y", AESER: "N", AESTDY: "", AEENDY: "", AECAT: "non-haematological" }}
            toBody={(v) =>
              compact({
                AETERM: v.AETERM,
                AETOXGR: num(v.AETOXGR),
                AEREL: v.AEREL,
                AESER: v.AESER,
                AESTDY: num(v.AESTDY),
                AEENDY: num(v.AEENDY),
                AECAT: v.AECAT,
              })
            }
          >
            {(v, set) => (
              <>
                <Field name="AETERM" label="Term">
                  <input value={v.AETERM} onChange={set("AETERM")} />
                </Field>
                <Field name="AETOXGR" label="CTCAE grade">
                  <select value={v.AETOXGR} onChange={set("AETOXGR")}>
                    {[1, 2, 3, 4, 5].map((g) => (
                      <option key={g}>{g}</option>
                    ))}
                  </select>
                </Field>
                <Field name="AEREL" label="Related to the drug">
                  <select value={v.AEREL} onChange={set("AEREL")}>
                    <option value="Y">Yes</option>
                    <option value="N">No</option>
                  </select>
                </Field>
                <Field name="AESER" label="Serious">
                  <select value={v.AESER} onChange={set("AESER")}>
                    <option value="N">No</option>
                    <option value="Y">Yes</option>
                  </select>
                </Field>
                <Field name="AESTDY" label="Onset study day">
                  <input inputMode="numeric" value={v.AESTDY} onChange={set("AESTDY")} />
                </Field>
                <Field name="AEENDY" label="End study day (blank if ongoing)">
                  <input inputMode="numeric" value={v.AEENDY} onChange={set("AEENDY")} />
                </Field>
                <Field name="AECAT" label="Category">
                  <select value={v.AECAT} onChange={set("AECAT")}>
                    <option value="non-haematological">non-haematological</option>
                    <option value="haematological">haematological</option>
                  </select>
                </Field>
              </>
            )}
          </RecordForm>
          <RecordForm
            title="Lab result"
            url={`${base}/labs`}
            initial={{ LBTESTCD: "PLAT", LBSTRESN: "", LBSTRESU: "10^9/L", LBSTNRLO: "", LBSTNRHI: "", LBDY: "" }}
            toBody={(v) =>
              compact({
                LBTESTCD: v.LBTESTCD,
                LBSTRESN: num(v.LBSTRESN),
                LBSTRESU: v.LBSTRESU,
                LBSTNRLO: num(v.LBSTNRLO),
                LBSTNRHI: num(v.LBSTNRHI),
                LBDY: num(v.LBDY),
              })
            }
          >
            {(v, set) => (
              <>
                <Field name="LBTESTCD" label="Test">
                  <select
                    value={v.LBTESTCD}
                    onChange={(e) => {
                      set("LBTESTCD")(e);
                      const unit = LAB_TESTS.find((t) => t.test === e.target.value)?.unit;
                      if (unit) set("LBSTRESU")({ target: { value: unit } });
                    }}
                  >
                    {LAB_TESTS.map((t) => (
                      <option key={t.test} value={t.test}>
                        {t.test} ({t.term.replace(/ (decreased|increased)$/, "")})
                      </option>
                    ))}
                  </select>
                </Field>
                <Field name="LBSTRESN" label="Value">
                  <input inputMode="decimal" value={v.LBSTRESN} onChange={set("LBSTRESN")} />
                </Field>
                <Field name="LBSTRESU" label="Unit">
                  <input value={v.LBSTRESU} onChange={set("LBSTRESU")} />
                </Field>
                <Field name="LBSTNRLO" label="Lower limit of normal">
                  <input inputMode="decimal" value={v.LBSTNRLO} onChange={set("LBSTNRLO")} />
                </Field>
                <Field name="LBSTNRHI" label="Upper limit of normal">
                  <input inputMode="decimal" value={v.LBSTNRHI} onChange={set("LBSTNRHI")} />
                </Field>
                <Field name="LBDY" label="Study day">
                  <input inputMode="numeric" value={v.LBDY} onChange={set("LBDY")} />
                </Field>
                <LabGrade values={v} />
              </>
            )}
          </RecordForm>
          <RecordForm
            title="Tumour measurement"
            url={`${base}/tumours`}
            initial={{ TRLNKID: "T01", TRGRPID: "TARGET", TRDY: "", TRSTRESN: "", TRLOC: "" }}
            toBody={(v) =>
              compact({ TRLNKID: v.TRLNKID, TRGRPID: v.TRGRPID, TRDY: num(v.TRDY), TRSTRESN: num(v.TRSTRESN), TRLOC: v.TRLOC })
            }
          >
            {(v, set) => (
              <>
                <Field name="TRLNKID" label="Lesion">
                  <input value={v.TRLNKID} onChange={set("TRLNKID")} />
                </Field>
                <Field name="TRGRPID" label="Group">
                  <select value={v.TRGRPID} onChange={set("TRGRPID")}>
                    <option>TARGET</option>
                    <option>NON-TARGET</option>
                    <option>NEW</option>
                  </select>
                </Field>
                <Field name="TRDY" label="Study day">
                  <input inputMode="numeric" value={v.TRDY} onChange={set("TRDY")} />
                </Field>
                <Field name="TRSTRESN" label="Diameter (mm)">
                  <input inputMode="decimal" value={v.TRSTRESN} onChange={set("TRSTRESN")} />
                </Field>
                <Field name="TRLOC" label="Location">
                  <input value={v.TRLOC} onChange={set("TRLOC")} />
                </Field>
              </>
            )}
          </RecordForm>
        </section>
      )}
      <PatientQueries
        trialId={trialId}
        usubjid={usubjid}
        records={DOMAINS.flatMap(({ domain, title, fields }) =>
          (records[domain as keyof typeof records] ?? []).map((row) => ({ id: row.id, label: recordLabel(title, row), fields })),
        )}
      />
      {canAudit && <AuditTrail trialId={trialId} filter={{ patient: usubjid }} />}
    </div>
  );
}
