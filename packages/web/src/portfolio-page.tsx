import { responses } from "@escalate/server/contract";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { z } from "zod";
import { get } from "./api.js";
import { Empty, ErrorMessage, Loading, ScrollRegion } from "./components/ui.js";
import { useSession } from "./session.js";

/** The portfolio: compounds and their trials at a glance (the trials the user takes part in). */
export function PortfolioPage() {
  const { data: session } = useSession();
  const {
    data: trials,
    isLoading,
    error,
  } = useQuery({ queryKey: ["trials"], queryFn: () => get("/api/trials", z.array(responses.trialSummary)) });
  const setUp = session?.user.admin ? (
    <p>
      <Link href="/trials/new">Set up a trial…</Link>
    </p>
  ) : null;
  if (isLoading) return <Loading what="trials" />;
  if (error) return <ErrorMessage error={error} />;
  if (!trials || trials.length === 0)
    return (
      <div>
        <h1>Portfolio</h1>
        <Empty>You take part in no trial yet. An administrator grants roles per trial.</Empty>
        {setUp}
      </div>
    );
  const compounds = [...new Set(trials.map((t) => t.compound.name))].sort();
  return (
    <div>
      <h1>Portfolio</h1>
      {setUp}
      {compounds.map((name) => {
        const compound = trials.find((t) => t.compound.name === name)!.compound;
        return (
          <section key={name} className="card" aria-labelledby={`compound-${name}`}>
            <h2 id={`compound-${name}`}>{name}</h2>
            <dl className="facts">
              {(["antibody", "target", "linker", "payload", "sponsor", "partner"] as const).map((key) =>
                compound[key] ? (
                  <div key={key}>
                    <dt>{key}</dt>
                    <dd>{compound[key]}</dd>
                  </div>
                ) : null,
              )}
            </dl>
            <ScrollRegion label={`Trials of ${name}`}>
              <table>
                <caption className="visually-hidden">Trials of {name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Trial</th>
                    <th scope="col">Title</th>
                    <th scope="col">Phase</th>
                    <th scope="col">Indication</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {trials
                    .filter((t) => t.compound.name === name)
                    .map((t) => (
                      <tr key={t.id}>
                        <th scope="row">
                          <Link href={`/trials/${t.id}`}>{t.id}</Link>
                        </th>
                        <td>{t.title ?? "—"}</td>
                        <td>{t.phase ?? "—"}</td>
                        <td>{t.indication ?? "—"}</td>
                        <td>
                          <span className={`status status-${t.status}`}>{t.status}</span>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </ScrollRegion>
          </section>
        );
      })}
    </div>
  );
}
