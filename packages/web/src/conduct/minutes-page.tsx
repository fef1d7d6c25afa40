import { responses } from "@escalate/server/contract";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { get } from "../api.js";
import { Pathways } from "../components/pathways.js";
import { ErrorMessage, Loading, ScrollRegion } from "../components/ui.js";
import { Comparison, DataByDose, move } from "./decision-panel.js";
import { doseName } from "./trial-page.js";

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/**
 * The minutes of an escalation meeting, to print and file: the data the committee saw, the design's
 * recommendation and its reasons, the pathways ahead, the committee's decision, and each signature
 * with its printed name, date and time, and meaning (21 CFR 11.50), bound to the record's hash.
 */
export function MinutesPage({ trialId, decisionId }: { trialId: string; decisionId: string }) {
  const trial = useQuery({ queryKey: ["trial", trialId], queryFn: () => get(`/api/trials/${trialId}`, responses.trialDetail) });
  const decision = useQuery({
    queryKey: ["decision", trialId, decisionId],
    queryFn: () => get(`/api/trials/${trialId}/decisions/${decisionId}`, responses.decision),
  });
  if (trial.isLoading || decision.isLoading) return <Loading what="the meeting" />;
  if (trial.error || decision.error) return <ErrorMessage error={trial.error ?? decision.error} />;
  const t = trial.data!;
  const d = decision.data!;
  const r = d.recommendation;
  const required = t.conduct.signaturesRequired ?? 1;
  return (
    <article className="minutes">
      <p className="breadcrumbs no-print">
        <Link href="/trials">Trials</Link> › <Link href={`/trials/${trialId}`}>{trialId}</Link> › minutes of meeting {d.number}
      </p>
      <h1>
        Escalation meeting {d.number}: minutes
        <span className="muted"> — {t.trial.title ?? t.id}</span>
      </h1>
      <dl className="facts">
        <div>
          <dt>Trial</dt>
          <dd>{t.id}</dd>
        </div>
        <div>
          <dt>Compound</dt>
          <dd>{t.compound.name}</dd>
        </div>
        <div>
          <dt>Meeting after cohort</dt>
          <dd>{d.cohort}</dd>
        </div>
        <div>
          <dt>Prepared</dt>
          <dd>
            {when(d.preparedAt)} by {d.preparedBy}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{d.status === "signed" ? "signed: in effect" : d.status === "decided" ? "decided, awaiting signature" : "proposed"}</dd>
        </div>
      </dl>
      <p className="no-print">
        <button type="button" onClick={() => window.print()}>
          Print the minutes
        </button>
      </p>
      <section aria-labelledby="minutes-data">
        <h2 id="minutes-data">The data</h2>
        {d.comparison ? <Comparison trial={t} comparison={d.comparison} /> : <DataByDose trial={t} decision={d} />}
        <p className="muted">
          Adjudicated outcomes in the design's notation: <code>{d.basedOn.outcomes || "(none)"}</code>
        </p>
      </section>
      <section aria-labelledby="minutes-recommendation">
        <h2 id="minutes-recommendation">The design's recommendation</h2>
        <p>
          <strong>{r.stop ? "Stop" : move(t, r.action, r.dose)}</strong>
          {r.mtd !== null && ` · ${r.obd !== undefined ? "OBD" : "MTD"} ${doseName(t, r.mtd)}`}
        </p>
        <ul>
          {r.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
        {d.pathways && d.pathways.children.length > 0 && (
          <>
            <h3>What the next cohorts would lead to</h3>
            <Pathways node={d.pathways} doseName={(level) => doseName(t, level)} />
          </>
        )}
      </section>
      <section aria-labelledby="minutes-decision">
        <h2 id="minutes-decision">The committee's decision</h2>
        {d.resolution ? (
          <p>
            <strong>{d.resolution.outcome === "accept" ? "Accepted" : "Overridden"}</strong>:{" "}
            {move(t, d.resolution.action, d.resolution.dose)}
            {d.resolution.reason ? `. Reason: ${d.resolution.reason}` : ""}. Recorded {when(d.resolution.decidedAt)} by{" "}
            {d.resolution.decidedBy}.
          </p>
        ) : (
          <p>Not yet decided.</p>
        )}
      </section>
      <section aria-labelledby="minutes-signatures">
        <h2 id="minutes-signatures">
          Signatures ({d.signatures.length} of {required} required)
        </h2>
        {d.signatures.length === 0 ? (
          <p>Not yet signed.</p>
        ) : (
          <ScrollRegion label="Signatures">
            <table>
              <thead>
                <tr>
                  <th scope="col">Signed by</th>
                  <th scope="col">Date and time</th>
                  <th scope="col">Meaning</th>
                  <th scope="col">Record signed (SHA-256)</th>
                </tr>
              </thead>
              <tbody>
                {d.signatures.map((s) => (
                  <tr key={s.at + s.userId}>
                    <th scope="row">{s.name}</th>
                    <td>{when(s.at)}</td>
                    <td>{s.meaning}</td>
                    <td>
                      <code className="hash">{s.recordHash}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        <p className="muted">
          Each signature was given by re-entering the signer's password; the hash binds it to this record, and the audit trail's
          verification checks it.
        </p>
      </section>
    </article>
  );
}
