// A simulation study through the queue of the embedded (SQLite) server: shards of 10,000 trials run by
// the in-process queue, their block sums stored and summed per task, next to the same runs made by
// simulateInParallel directly in the same process: what sharding and storing cost.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDesign } from "@escalate/core";
import { openStore, SYSTEM_ACTOR, startSimulationQueue } from "@escalate/server";
import { simulateInParallel } from "@escalate/server/simulation";
import { createJob, getJob } from "../packages/server/dist/simulation/jobs.js";

export interface StudyResult {
  designs: number;
  scenarios: number;
  trials: number;
  queuedSeconds: number;
  directSeconds: number;
}

export async function studyBenchmark(): Promise<StudyResult> {
  const designs = [0.2, 0.25, 0.3, 0.35].map(
    (target) => createDesign({ design: "boin", target, doses: 5, cohortSize: 3, cohorts: 10 }).spec,
  );
  const scenarios = [
    { name: "MTD at dose 3", truth: [0.05, 0.12, 0.3, 0.45, 0.6] },
    { name: "all safe", truth: [0.02, 0.04, 0.06, 0.08, 0.1] },
  ];
  const body = { designs, scenarios, trials: 100_000, seed: 1 };
  let start = performance.now();
  for (const spec of designs)
    for (const scenario of scenarios) await simulateInParallel({ spec, truth: scenario.truth, trials: body.trials, seed: body.seed });
  const directSeconds = (performance.now() - start) / 1000;
  const folder = mkdtempSync(join(tmpdir(), "escalate-study-"));
  const store = await openStore(join(folder, "study.db"));
  const queue = await startSimulationQueue(store, { pollMs: 20 });
  try {
    start = performance.now();
    const id = await createJob(store.db, SYSTEM_ACTOR, body, new Date(), queue);
    for (;;) {
      const job = await getJob(store.db, id);
      if (job.status === "done") break;
      if (job.status !== "queued" && job.status !== "running") throw new Error(`the study ended ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return {
      designs: designs.length,
      scenarios: scenarios.length,
      trials: body.trials,
      queuedSeconds: (performance.now() - start) / 1000,
      directSeconds,
    };
  } finally {
    await queue.stop();
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
