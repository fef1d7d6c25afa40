import { createDesign } from "@escalate/core";
import { responses, type SimulationJob } from "@escalate/server/contract";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { z } from "zod";
import { get, post } from "../api.js";
import { Empty, ErrorMessage, Loading, ScrollRegion } from "../components/ui.js";
import { VegaChart } from "../components/vega-chart.js";
import { designNameOf } from "./design-form.js";
import { charts, ResultsTable, type ScenarioResult } from "./design-page.js";

/**
 * Simulation studies run by the server (designs × scenarios × trials from a seed), for studies too big
 * for a browser tab or to be kept with a trial: their progress, cancellation and results, shown as the
 * design page shows its own.
 */

const STATUS_WORDS: Record<SimulationJob["status"], string> = {
  queued: "queued",
  running: "running",
  done: "finished",
  failed: "failed",
  cancelled: "cancelled",
};
const unfinished = (status: SimulationJob["status"]) => status === "queued" || status === "running";

export function StudiesPage() {
  const studies = useQuery({
    queryKey: ["simulations"],
    queryFn: () => get("/api/simulations", z.array(responses.simulationSummary)),
    refetchInterval: (query) => (query.state.data?.some((s) => unfinished(s.status)) ? 2000 : false),
  });
  return (
    <div>
      <h1>Simulation studies</h1>
      <p className="muted">
        Studies queued from the <Link href="/design">design page</Link> run on the server; each result is the same as the CLI's for the same
        designs, scenarios, trials and seed.
      </p>
      {studies.isLoading && <Loading what="studies" />}
      <ErrorMessage error={studies.error} />
      {studies.data && studies.data.length === 0 && <Empty>No studies yet.</Empty>}
      {studies.data && studies.data.length > 0 && (
        <ScrollRegion label="Simulation studies">
          <table>
            <thead>
              <tr>
                <th scope="col">Queued (UTC)</th>
                <th scope="col">Designs × scenarios</th>
                <th scope="col">Trials, seed</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              {studies.data.map((study) => (
                <tr key={study.id}>
                  <th scope="row">
                    <Link href={`/simulations/${study.id}`}>{study.createdAt.replace("T", " ").slice(0, 16)}</Link>
                  </th>
                  <td>
                    {study.designs} × {study.scenarios.join(", ")}
                  </td>
                  <td>
                    {study.trials.toLocaleString("en")}, {study.seed}
                  </td>
                  <td>
                    {STATUS_WORDS[study.status]}: {study.tasks.done} of {study.tasks.total} done
                    {study.tasks.failed > 0 ? `, ${study.tasks.failed} failed` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}

export function StudyPage({ jobId }: { jobId: string }) {
  const client = useQueryClient();
  const study = useQuery({
    queryKey: ["simulation", jobId],
    queryFn: () => get(`/api/simulations/${jobId}`, responses.simulationJob),
    refetchInterval: (query) => (query.state.data && unfinished(query.state.data.status) ? 1000 : false),
  });
  const cancel = useMutation({
    mutationFn: () => post(`/api/simulations/${jobId}/cancel`, responses.simulationJob),
    onSuccess: (job) => {
      client.setQueryData(["simulation", jobId], job);
      client.invalidateQueries({ queryKey: ["simulations"] });
    },
  });
  if (study.isLoading) return <Loading what="the study" />;
  if (study.error) return <ErrorMessage error={study.error} />;
  const job = study.data!;
  const designs = job.request.designs.map((spec) => createDesign(spec));
  const names = designs.map((design, d) => `${designNameOf(design.spec)}${designs.length > 1 ? ` (${d + 1})` : ""}`);
  const results: ScenarioResult[] = job.tasks.flatMap((task) =>
    task.result
      ? [
          {
            design: names[task.design - 1]!,
            scenario: task.scenario,
            truth: job.request.scenarios.find((s) => s.name === task.scenario)!.truth,
            result: task.result,
          },
        ]
      : [],
  );
  const done = job.tasks.filter((t) => t.status === "done").length;
  // Progress by shards (10,000 trials each): a long run moves before its first task finishes.
  const shardsDone = job.tasks.reduce((sum, t) => sum + t.shards.done, 0);
  const shards = job.tasks.reduce((sum, t) => sum + t.shards.total, 0);
  const first = designs[0]!;
  const chartSpecs = results.length > 0 ? charts(results, first.doseLabels, first.spec.target) : null;
  return (
    <div>
      <p className="breadcrumbs">
        <Link href="/simulations">Simulation studies</Link> › {job.createdAt.replace("T", " ").slice(0, 16)}
      </p>
      <h1>
        Simulation study <span className={`status status-${job.status}`}>{STATUS_WORDS[job.status]}</span>
      </h1>
      <p className="muted">
        {names.join(" vs ")} · {job.request.scenarios.length} scenario{job.request.scenarios.length === 1 ? "" : "s"} ·{" "}
        {job.request.trials.toLocaleString("en")} trials each · seed {job.request.seed}
        {job.trialId ? ` · trial ${job.trialId}` : ""}
      </p>
      <div className="progress-row">
        <progress max={shards} value={shardsDone} aria-label="Study progress" />
        <span>
          {done} of {job.tasks.length} design × scenario runs done
          {shards > job.tasks.length ? ` (${shardsDone} of ${shards} shards of 10,000 trials)` : ""}
        </span>
        {unfinished(job.status) && (
          <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel the study
          </button>
        )}
      </div>
      <ErrorMessage error={cancel.error} />
      {job.tasks.some((t) => t.error) && (
        <div role="alert" className="error">
          <ul>
            {job.tasks
              .filter((t) => t.error)
              .map((t) => (
                <li key={`${t.design}/${t.scenario}`}>
                  {names[t.design - 1]}, {t.scenario}: {t.error}
                </li>
              ))}
          </ul>
        </div>
      )}
      {results.length > 0 && chartSpecs && (
        <section className="card results" aria-label="Results">
          <ResultsTable results={results} doseLabels={first.doseLabels} />
          <VegaChart
            spec={chartSpecs.selection}
            title="Selection as MTD"
            description="Percentage of simulated trials selecting each dose as the MTD, per scenario and design; the true MTD is outlined"
          />
          <VegaChart spec={chartSpecs.patients} title="Patients per dose" description="Expected number of patients treated at each dose" />
        </section>
      )}
    </div>
  );
}
