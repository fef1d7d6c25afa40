import { ACTIONS, parseOutcomes } from "@escalate/core";
import { type DecisionView, responses, type TrialDetail } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { z } from "zod";
import { get, post } from "../api.js";
import { decisionInWords, Pathways } from "../components/pathways.js";
import { Empty, ErrorMessage, Field, ScrollRegion } from "../components/ui.js";
import { useSession } from "../session.js";
import { doseName } from "./trial-page.js";

/** A decision in words, with the trial's dose names. */
export const move = (trial: TrialDetail, action: string, dose: number | null) =>
  decisionInWords(action, dose === null ? null : doseName(trial, dose));

function Resolution({ trial, decision }: { trial: TrialDetail; decision: DecisionView }) {
  const client = useQueryClient();
  const [override, setOverride] = useState(false);
  const [dose, setDose] = useState(String(decision.recommendation.dose ?? 1));
  const [action, setAction] = useState<string>(decision.recommendation.action);
  const [reason, setReason] = useState("");
  // Backfill places the committee opens beside the next cohort, at the doses the design's rule opens.
  const openDoses = decision.recommendation.backfill ?? [];
  const [backfill, setBackfill] = useState<Record<number, string>>({});
  const places = Object.entries(backfill)
    .filter(([, capacity]) => capacity.trim() !== "")
    .map(([level, capacity]) => ({ dose: Number(level), capacity: Number(capacity) }));
  const resolve = useMutation({
    mutationFn: () =>
      post(
        `/api/trials/${trial.id}/decisions/${decision.id}/resolution`,
        responses.decision,
        // The version read: a decision revised meanwhile by someone else is not overwritten (409).
        {
          ...(override
            ? { outcome: "override", action, dose: Number(dose), reason, version: decision.version }
            : { outcome: "accept", version: decision.version }),
          ...(places.length > 0 ? { backfill: places } : {}),
        },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["decisions", trial.id] }),
  });
  return (
    <form
      className="inline-form"
      aria-label="The committee's decision"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        resolve.mutate();
      }}
    >
      {!decision.comparison && (
        <label className="checkbox">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} /> Override the recommendation
        </label>
      )}
      {override && (
        <>
          <Field label="Action">
            <select value={action} onChange={(e) => setAction(e.target.value)}>
              {ACTIONS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </Field>
          <Field label="Dose">
            <select value={dose} onChange={(e) => setDose(e.target.value)}>
              {trial.trial.doseLevels.map((d) => (
                <option key={d.level} value={d.level}>
                  {doseName(trial, d.level)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Reason for the override">
            <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
        </>
      )}
      {openDoses.length > 0 && (
        <fieldset className="backfill">
          <legend>Backfill places (optional)</legend>
          {openDoses.map((level) => (
            <Field key={level} label={`Places at ${doseName(trial, level)}`} hint="empty: none">
              <input
                inputMode="numeric"
                value={backfill[level] ?? ""}
                onChange={(e) => setBackfill({ ...backfill, [level]: e.target.value })}
              />
            </Field>
          ))}
        </fieldset>
      )}
      <button type="submit" className="primary" disabled={resolve.isPending}>
        {override ? "Record the override" : "Accept the recommendation"}
      </button>
      <ErrorMessage error={resolve.error} />
    </form>
  );
}

function Signature({ trial, decision }: { trial: TrialDetail; decision: DecisionView }) {
  const client = useQueryClient();
  const [password, setPassword] = useState("");
  const [meaning, setMeaning] = useState("approval");
  const sign = useMutation({
    // The version on screen: a decision revised since it was read is not signed (409).
    mutationFn: () =>
      post(`/api/trials/${trial.id}/decisions/${decision.id}/signature`, responses.decision, {
        password,
        meaning,
        version: decision.version,
      }),
    onSuccess: () => {
      setPassword("");
      for (const key of ["decisions", "trial", "patients", "slots"]) client.invalidateQueries({ queryKey: [key, trial.id] });
    },
  });
  return (
    <form
      className="inline-form"
      aria-label="Electronic signature"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        sign.mutate();
      }}
    >
      <p>Signing binds your name, the time and the meaning of your signature to this decision record. Re-enter your password to sign.</p>
      <Field label="Meaning of the signature">
        <select value={meaning} onChange={(e) => setMeaning(e.target.value)}>
          <option value="approval">approval</option>
          <option value="review">review</option>
          <option value="responsibility">responsibility</option>
        </select>
      </Field>
      <Field label="Password">
        <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </Field>
      <button type="submit" className="primary" disabled={sign.isPending}>
        Sign the decision
      </button>
      <ErrorMessage error={sign.error} />
    </form>
  );
}

/** The data the recommendation rests on, by dose level: patients, DLT-evaluable, DLTs, still pending. */
export function DataByDose({ trial, decision }: { trial: TrialDetail; decision: DecisionView }) {
  const patients = decision.basedOn.patients;
  const levels = [...new Set(patients.map((p) => p.doseLevel))].sort((a, b) => a - b);
  if (levels.length === 0) return null;
  const count = (level: number, status?: string) =>
    patients.filter((p) => p.doseLevel === level && (status === undefined || p.status === status)).length;
  const withDlt = patients.filter((p) => p.status === "DLT");
  // Efficacy-aware designs decide from responses too: the outcomes the meeting used carry them (E, B).
  const cohorts = parseOutcomes(decision.basedOn.outcomes);
  const withResponses = cohorts.some((c) => c.responses !== undefined);
  const responses = (level: number) =>
    cohorts.filter((c) => c.dose === level).reduce((sum, c) => sum + (c.responses ?? []).filter(Boolean).length, 0);
  return (
    <>
      <ScrollRegion label="Data by dose level">
        <table>
          <caption>Data by dose level at the meeting</caption>
          <thead>
            <tr>
              <th scope="col">Dose</th>
              <th scope="col">Patients</th>
              <th scope="col">DLT-evaluable</th>
              <th scope="col">DLTs</th>
              <th scope="col">Pending</th>
              {withResponses && <th scope="col">Responses</th>}
            </tr>
          </thead>
          <tbody>
            {levels.map((level) => (
              <tr key={level}>
                <th scope="row">{doseName(trial, level)}</th>
                <td>{count(level)}</td>
                <td>{count(level, "DLT") + count(level, "no DLT")}</td>
                <td>{count(level, "DLT")}</td>
                <td>{count(level, "pending")}</td>
                {withResponses && <td>{responses(level)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {withDlt.length > 0 && (
        <p>DLTs: {withDlt.map((p) => `${p.USUBJID} (cohort ${p.cohort}, ${doseName(trial, p.doseLevel)})`).join("; ")}.</p>
      )}
    </>
  );
}

/** The randomized comparison: responses per arm, and the ROSE decision. */
export function Comparison({ trial, comparison }: { trial: TrialDetail; comparison: NonNullable<DecisionView["comparison"]> }) {
  return (
    <>
      <p className="recommendation">
        Recommendation ({comparison.stage === "interim" ? "interim analysis" : "final analysis"}):{" "}
        <strong>
          {comparison.action === "select"
            ? `select ${doseName(trial, comparison.arms[comparison.selected! - 1]!)}`
            : "continue the randomized stage"}
        </strong>
      </p>
      <ScrollRegion label="Responses by arm">
        <table>
          <caption>Responses by arm (randomized patients assessed)</caption>
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Dose</th>
              <th scope="col">Patients</th>
              <th scope="col">Responders</th>
              <th scope="col">Response rate</th>
            </tr>
          </thead>
          <tbody>
            {comparison.arms.map((level, arm) => (
              <tr key={level}>
                <th scope="row">{arm + 1}</th>
                <td>{doseName(trial, level)}</td>
                <td>{comparison.patients[arm]}</td>
                <td>{comparison.responses[arm]}</td>
                <td>
                  {comparison.patients[arm]! > 0 ? `${Math.round((100 * comparison.responses[arm]!) / comparison.patients[arm]!)}%` : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </>
  );
}

function DecisionCard({ trial, decision, canSign }: { trial: TrialDetail; decision: DecisionView; canSign: boolean }) {
  const { data: session } = useSession();
  const r = decision.recommendation;
  return (
    <article className="decision" aria-labelledby={`decision-${decision.id}`}>
      <h3 id={`decision-${decision.id}`}>
        Decision {decision.number} after cohort {decision.cohort}{" "}
        <span className={`status status-${decision.status}`}>{decision.status}</span>
      </h3>
      {decision.comparison ? (
        <Comparison trial={trial} comparison={decision.comparison} />
      ) : (
        <p className="recommendation">
          Recommendation: <strong>{r.stop ? "stop" : move(trial, r.action, r.dose)}</strong>
          {r.mtd !== null && ` · ${r.obd !== undefined ? "OBD" : "MTD"} ${doseName(trial, r.mtd)}`}
        </p>
      )}
      {r.randomized && (
        <p>
          {r.randomized.doses === null
            ? "The randomized stage is not run: fewer than two admissible doses to compare."
            : `Then the randomized stage: ${r.randomized.perArm} patients per arm between ${r.randomized.doses.map((level) => doseName(trial, level)).join(" and ")} (${r.randomized.allocation === "minimization" ? "minimization" : "permuted blocks"}; ROSE selection).`}
        </p>
      )}
      {!decision.comparison && <DataByDose trial={trial} decision={decision} />}
      <p className="muted">
        {decision.comparison ? (
          "From the response assessments of the randomized patients"
        ) : (
          <>
            From the adjudicated data <code>{decision.basedOn.outcomes || "(none)"}</code>
          </>
        )}
        , prepared by {decision.preparedBy}.
      </p>
      {r.pending !== undefined && r.stft !== undefined && (
        <p>
          Still in the DLT window at the current dose: <strong>{r.pending}</strong> patient{r.pending === 1 ? "" : "s"} without DLT so far
          (standardized total follow-up time {r.stft.toFixed(2)}).
        </p>
      )}
      {r.rds && (
        <p>
          Desirability score (RDS, higher is more desirable) per dose:{" "}
          {r.rds.map((entry) => `${doseName(trial, entry.dose)} ${entry.score === null ? "inadmissible" : entry.score}`).join(" · ")}
          {r.obd !== undefined && (
            <>
              {" "}
              — optimal biological dose so far: <strong>{r.obd === null ? "none" : doseName(trial, r.obd)}</strong>
            </>
          )}
        </p>
      )}
      {r.backfill && r.backfill.length > 0 && (
        <p>Open for backfill beside the next cohort: {r.backfill.map((level) => doseName(trial, level)).join(", ")}.</p>
      )}
      <details open={decision.status !== "signed"}>
        <summary>Reasons</summary>
        <ul>
          {r.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      </details>
      {decision.pathways && decision.pathways.children.length > 0 && (
        <details>
          <summary>Dose-transition pathways (next cohorts)</summary>
          <Pathways node={decision.pathways} doseName={(level) => doseName(trial, level)} />
        </details>
      )}
      {decision.resolution && (
        <p>
          Committee: <strong>{decision.resolution.outcome}</strong> → {move(trial, decision.resolution.action, decision.resolution.dose)}
          {decision.resolution.reason ? ` (${decision.resolution.reason})` : ""}, by {decision.resolution.decidedBy}
        </p>
      )}
      {trial.conduct.signaturesRequired !== undefined && trial.conduct.signaturesRequired > 1 && decision.status !== "proposed" && (
        <p>
          Signatures: {decision.signatures.length} of the {trial.conduct.signaturesRequired} this trial requires
          {decision.status === "decided" ? "; the decision takes effect with the last." : "."}
        </p>
      )}
      {decision.signatures.map((s) => (
        <p key={s.at} className="signature">
          {/* 21 CFR 11.50: the printed name, the date and time, and the meaning of the signature. */}
          Signed by <strong>{s.name}</strong> on {s.at.slice(0, 10)} at {s.at.slice(11, 19)} UTC · meaning: {s.meaning} · record hash{" "}
          <code>{s.recordHash.slice(0, 16)}…</code>
        </p>
      ))}
      {canSign && decision.status === "proposed" && <Resolution trial={trial} decision={decision} />}
      {canSign && decision.status === "decided" && !decision.signatures.some((s) => s.userId === session?.user.id) && (
        <Signature trial={trial} decision={decision} />
      )}
      <p className="no-print">
        <Link href={`/trials/${trial.id}/decisions/${decision.id}/minutes`}>Minutes of this meeting (printable)</Link>
      </p>
    </article>
  );
}

export const useDecisions = (trialId: string) =>
  useQuery({ queryKey: ["decisions", trialId], queryFn: () => get(`/api/trials/${trialId}/decisions`, z.array(responses.decision)) });

export function DecisionPanel({ trial, canPrepare, canSign }: { trial: TrialDetail; canPrepare: boolean; canSign: boolean }) {
  const client = useQueryClient();
  const decisions = useDecisions(trial.id);
  const prepare = useMutation({
    mutationFn: () => post(`/api/trials/${trial.id}/decisions`, responses.decision),
    onSuccess: () => client.invalidateQueries({ queryKey: ["decisions", trial.id] }),
  });
  const list = [...(decisions.data ?? [])].reverse();
  const open = list.some((d) => d.status !== "signed");
  // The meeting decides the latest dose-finding or expansion cohort, once it is full (the server checks
  // the rest: DLT windows and adjudications).
  const current = trial.cohorts.filter((c) => c.kind !== "backfill").at(-1);
  return (
    <section aria-labelledby="decisions-heading" className="card">
      <h2 id="decisions-heading">Escalation meetings</h2>
      {canPrepare && !open && current?.status === "full" && (
        <button type="button" className="primary" onClick={() => prepare.mutate()} disabled={prepare.isPending}>
          Prepare the escalation meeting
        </button>
      )}
      {canPrepare && !open && current?.status === "open" && (
        <p className="muted">
          The meeting can be prepared once cohort {current.number} is full ({current.confirmed} of {current.capacity} places confirmed).
        </p>
      )}
      <ErrorMessage error={prepare.error ?? decisions.error} />
      {decisions.data && list.length === 0 && <Empty>No escalation meeting yet.</Empty>}
      {list.map((decision) => (
        <DecisionCard key={decision.id} trial={trial} decision={decision} canSign={canSign} />
      ))}
    </section>
  );
}
