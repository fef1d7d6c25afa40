import type { DltWindow } from "@escalate/core";
import { responses, type Slot, type TrialDetail } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { z } from "zod";
import { get, post } from "../api.js";
import { Empty, ErrorMessage, Field, FormError, Loading, ScrollRegion } from "../components/ui.js";
import { may, rolesIn, useSession } from "../session.js";
import { DecisionPanel, useDecisions } from "./decision-panel.js";
import { TrialQueries, useQueries } from "./queries.js";
import { fromText } from "./record-editing.js";
import { TrialSites, TrialTeam } from "./team.js";

export type { TrialDetail };

export const doseName = (trial: TrialDetail, level: number) => {
  const dose = trial.trial.doseLevels.find((d) => d.level === level);
  return dose ? (dose.label ?? `${dose.amount} ${dose.unit}`) : `level ${level}`;
};

const today = () => new Date().toISOString().slice(0, 10);

/** The registration fields that show their own refusal beside them. */
const REGISTRATION_FIELDS = ["USUBJID", "AGE", "SEX", "WEIGHT", "HEIGHT", "RFXSTDTC"];

function RegisterForm({ trial, slot, onDone }: { trial: TrialDetail; slot: Slot; onDone: (message: string | null) => void }) {
  const trialId = trial.id;
  const [form, setForm] = useState({ USUBJID: "", AGE: "", SEX: "F", WEIGHT: "", HEIGHT: "", RFXSTDTC: today() });
  // A randomized cohort allocates the arm at registration; minimization needs the patient's factor levels.
  const randomized = trial.cohorts.find((c) => c.number === slot.cohort)?.kind === "randomized";
  const factors = randomized ? (trial.randomization?.factors ?? {}) : {};
  const [levels, setLevels] = useState<Record<string, string>>({});
  const confirm = useMutation({
    mutationFn: () =>
      post(`/api/trials/${trialId}/slots/${slot.id}/confirm`, responses.registration, {
        // A blank age stays blank: the field is left out, never sent as 0.
        patient: fromText(["USUBJID", "AGE", "SEX", "WEIGHT", "HEIGHT", "RFXSTDTC"], form),
        ...(Object.keys(factors).length > 0 ? { factors: levels } : {}),
      }),
    onSuccess: (registered) =>
      onDone(
        registered.randomizedArm === undefined
          ? null
          : `${registered.USUBJID} is randomized to arm ${registered.randomizedArm}: ${doseName(trial, registered.doseLevel)}.`,
      ),
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  return (
    <form
      className="inline-form"
      aria-label={`Register a patient in the place reserved for site ${slot.siteId}`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        confirm.mutate();
      }}
    >
      <FormError.Provider value={confirm.error}>
        <Field name="USUBJID" label="Subject ID (USUBJID)">
          <input value={form.USUBJID} onChange={set("USUBJID")} required />
        </Field>
        <Field name="AGE" label="Age">
          <input inputMode="numeric" value={form.AGE} onChange={set("AGE")} />
        </Field>
        <Field name="SEX" label="Sex">
          <select value={form.SEX} onChange={set("SEX")}>
            <option value="F">F</option>
            <option value="M">M</option>
          </select>
        </Field>
        <Field name="WEIGHT" label="Weight (kg)">
          <input inputMode="decimal" value={form.WEIGHT} onChange={set("WEIGHT")} required />
        </Field>
        <Field name="HEIGHT" label="Height (cm)">
          <input inputMode="decimal" value={form.HEIGHT} onChange={set("HEIGHT")} required />
        </Field>
        <Field name="RFXSTDTC" label="First dose date">
          <input type="date" value={form.RFXSTDTC} onChange={set("RFXSTDTC")} required />
        </Field>
        {Object.entries(factors).map(([factor, options]) => (
          <Field key={factor} label={`Stratification: ${factor}`}>
            <select value={levels[factor] ?? ""} onChange={(e) => setLevels({ ...levels, [factor]: e.target.value })} required>
              <option value="" disabled>
                choose
              </option>
              {options.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          </Field>
        ))}
        <button type="submit" className="primary" disabled={confirm.isPending}>
          {randomized ? "Register and randomize" : "Register patient"}
        </button>
        {randomized && <p className="muted">The arm is allocated by the server when the patient is registered, and shown then.</p>}
      </FormError.Provider>
      <ErrorMessage error={confirm.error} atFields={REGISTRATION_FIELDS} />
    </form>
  );
}

function Slots({ trial }: { trial: TrialDetail }) {
  const { data: session } = useSession();
  const client = useQueryClient();
  const siteRoles = (session?.grants ?? []).filter(
    (g) => g.trialId === trial.id && g.siteId && ["investigator", "coordinator"].includes(g.role),
  );
  const sites = [...new Set(siteRoles.map((g) => g.siteId!))];
  const slots = useQuery({ queryKey: ["slots", trial.id], queryFn: () => get(`/api/trials/${trial.id}/slots`, z.array(responses.slot)) });
  const refresh = () => {
    client.invalidateQueries({ queryKey: ["slots", trial.id] });
    client.invalidateQueries({ queryKey: ["trial", trial.id] });
    client.invalidateQueries({ queryKey: ["patients", trial.id] });
  };
  const request = useMutation({
    mutationFn: (siteId: string) => post(`/api/trials/${trial.id}/slots`, responses.slot, { siteId }),
    onSuccess: refresh,
  });
  // The last randomized registration's arm: the site sees it only now, once the patient is registered.
  const [allocated, setAllocated] = useState<string | null>(null);
  if (sites.length === 0) return null;
  const open = (slots.data ?? []).filter((s) => s.status === "reserved" || s.status === "waitlisted");
  return (
    <section aria-labelledby="slots-heading" className="card">
      <h2 id="slots-heading">Places for your site{sites.length > 1 ? "s" : ""}</h2>
      <div className="row">
        {sites.map((site) => (
          <button key={site} type="button" onClick={() => request.mutate(site)} disabled={request.isPending}>
            Request a place for site {site}
          </button>
        ))}
      </div>
      <ErrorMessage error={request.error} />
      {allocated && (
        <p className="notice" role="status">
          {allocated}
        </p>
      )}
      {open.length === 0 ? (
        <Empty>No reserved or waitlisted places. Request one when you have a patient to enrol.</Empty>
      ) : (
        <ul className="slots">
          {open.map((slot) => (
            <li key={slot.id}>
              <strong>
                Cohort {slot.cohort}, site {slot.siteId}: {slot.status}
              </strong>
              {slot.expiresAt && <span className="muted"> (held until {new Date(slot.expiresAt).toLocaleString()})</span>}
              {slot.status === "reserved" && (
                <RegisterForm
                  trial={trial}
                  slot={slot}
                  onDone={(message) => {
                    setAllocated(message);
                    refresh();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Countdown({ window }: { window: DltWindow }) {
  if (window.status !== "pending") return <span>{window.windowEnd}</span>;
  return (
    <span>
      {window.windowEnd}{" "}
      <span className="countdown">
        ({window.daysLeft} day{window.daysLeft === 1 ? "" : "s"} left)
      </span>
    </span>
  );
}

/** What the trial team asks first, at a glance: enrolment, the cohort filling, windows still open, what awaits whom. */
function AtAGlance({ trial, patients }: { trial: TrialDetail; patients: DltWindow[] | undefined }) {
  const decisions = useDecisions(trial.id);
  const queries = useQueries(trial.id);
  const current = trial.cohorts.filter((c) => c.kind !== "backfill").at(-1);
  const pending = (patients ?? []).filter((p) => p.status === "pending");
  const soonest = pending
    .map((p) => p.windowEnd)
    .filter((d): d is string => d !== null)
    .sort()[0];
  const unadjudicated = (patients ?? []).reduce((sum, p) => sum + p.unadjudicated.length, 0);
  const open = decisions.data?.find((d) => d.status !== "signed");
  const nextDecision = (): string => {
    if (open) return `meeting ${open.number}: ${open.status === "proposed" ? "awaiting the committee" : "awaiting signature"}`;
    if (trial.status !== "enrolling") return "none: the trial has stopped";
    if (!current) return "—";
    if (current.status !== "full") return `once cohort ${current.number} is full`;
    if (unadjudicated > 0) return `after the safety review of ${unadjudicated} adverse event${unadjudicated === 1 ? "" : "s"}`;
    if (pending.length > 0) return `when the DLT windows close (${soonest ?? "—"} first)`;
    return `ready to prepare (cohort ${current.number} is full)`;
  };
  const openQueries = queries.data?.filter((q) => q.status === "open").length;
  const answered = queries.data?.filter((q) => q.status === "answered").length;
  const facts: [string, string][] = [
    ["Enrolled", patients ? `${patients.length} patient${patients.length === 1 ? "" : "s"}` : "…"],
    [
      "Current cohort",
      current
        ? `${current.number} at ${current.arms ? current.arms.map((l) => doseName(trial, l)).join(" or ") : doseName(trial, current.doseLevel)}: ${current.confirmed} of ${current.capacity} places${current.reserved > 0 ? `, ${current.reserved} reserved` : ""}${current.waitlisted > 0 ? `, ${current.waitlisted} waiting` : ""}`
        : "—",
    ],
    ["DLT windows open", pending.length === 0 ? "none" : `${pending.length}, first ends ${soonest ?? "—"}`],
    ["DLTs", String((patients ?? []).filter((p) => p.status === "DLT").length)],
    ["Awaiting adjudication", unadjudicated === 0 ? "none" : `${unadjudicated} adverse event${unadjudicated === 1 ? "" : "s"}`],
    ["Data queries", openQueries === undefined ? "…" : `${openQueries} open, ${answered} answered`],
    ["Next decision", decisions.data ? nextDecision() : "…"],
  ];
  return (
    <section aria-labelledby="glance-heading" className="card">
      <h2 id="glance-heading">At a glance</h2>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function TrialPage({ trialId }: { trialId: string }) {
  const { data: session } = useSession();
  const trial = useQuery({ queryKey: ["trial", trialId], queryFn: () => get(`/api/trials/${trialId}`, responses.trialDetail) });
  const patients = useQuery({
    queryKey: ["patients", trialId],
    queryFn: () => get(`/api/trials/${trialId}/patients`, z.array(responses.dltWindow)),
  });
  if (trial.isLoading) return <Loading what="the trial" />;
  if (trial.error) return <ErrorMessage error={trial.error} />;
  const t = trial.data!;
  return (
    <div>
      <p className="breadcrumbs">
        <Link href="/trials">Trials</Link> › {t.id}
      </p>
      <h1>
        {t.trial.title ?? t.id} <span className={`status status-${t.status}`}>{t.status}</span>
      </h1>
      <p className="muted">
        {t.compound.name}
        {t.compound.target ? ` · target ${t.compound.target}` : ""}
        {t.compound.payload ? ` · payload ${t.compound.payload}` : ""} · your roles: {rolesIn(session, trialId).join(", ") || "none"} ·{" "}
        <Link href={`/trials/${trialId}/report`}>Report</Link>
        {may(session, trialId, "audit.read") && (
          <>
            {" "}
            · <Link href={`/trials/${trialId}/audit`}>Audit trail</Link>
          </>
        )}
      </p>
      <AtAGlance trial={t} patients={patients.data} />
      <div className="columns">
        <section aria-labelledby="cohorts-heading" className="card">
          <h2 id="cohorts-heading">Dose levels and cohorts</h2>
          <ScrollRegion label="Dose levels and cohorts">
            <table>
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col">Dose</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Places</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {t.cohorts.map((c) => (
                  <tr key={c.number}>
                    <th scope="row">{c.number}</th>
                    <td>{c.arms ? `randomized: ${c.arms.map((level) => doseName(t, level)).join(" or ")}` : doseName(t, c.doseLevel)}</td>
                    <td>{c.kind}</td>
                    <td>
                      {c.confirmed} confirmed, {c.reserved} reserved of {c.capacity}
                      {c.waitlisted > 0 ? `; ${c.waitlisted} waiting` : ""}
                    </td>
                    <td>{c.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
        <Slots trial={t} />
      </div>
      <section aria-labelledby="patients-heading" className="card">
        <h2 id="patients-heading">Patients and DLT windows</h2>
        {patients.isLoading && <Loading what="patients" />}
        <ErrorMessage error={patients.error} />
        {patients.data && patients.data.length === 0 && <Empty>No patients registered yet.</Empty>}
        {patients.data && patients.data.length > 0 && (
          <ScrollRegion label="Patients and DLT windows">
            <table>
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Site</th>
                  <th scope="col">Cohort</th>
                  <th scope="col">Dose</th>
                  <th scope="col">DLT status</th>
                  <th scope="col">Window ends</th>
                  <th scope="col">Awaiting adjudication</th>
                </tr>
              </thead>
              <tbody>
                {patients.data.map((p) => (
                  <tr key={p.USUBJID}>
                    <th scope="row">
                      <Link href={`/trials/${trialId}/patients/${encodeURIComponent(p.USUBJID)}`}>{p.USUBJID}</Link>
                    </th>
                    <td>{p.siteId}</td>
                    <td>{p.cohort}</td>
                    <td>{doseName(t, p.doseLevel)}</td>
                    <td>
                      <span className={`dlt dlt-${p.status.replaceAll(" ", "-")}`} title={p.reason}>
                        {p.status}
                      </span>
                    </td>
                    <td>
                      <Countdown window={p} />
                    </td>
                    <td>
                      {p.unadjudicated.length > 0 ? (
                        <Link href={`/trials/${trialId}/patients/${encodeURIComponent(p.USUBJID)}`}>
                          {p.unadjudicated.length} adverse event{p.unadjudicated.length === 1 ? "" : "s"}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>
      <DecisionPanel trial={t} canPrepare={may(session, trialId, "decision.prepare")} canSign={may(session, trialId, "decision.sign")} />
      <TrialQueries trialId={trialId} />
      {may(session, trialId, "trial.manage") && (
        <>
          <TrialSites trial={t} />
          <TrialTeam trial={t} />
        </>
      )}
    </div>
  );
}
