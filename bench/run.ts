// npm run bench — speed of the core engines and the server, printed as tables (and saved to bench/results/).
// Timings are the median of several runs after a warm-up; trials per second and the ratio to a simple
// baseline make regressions visible across machines.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createDesign, exactOperatingCharacteristics, simonDesigns, simulate } from "@escalate/core";
import { simulateInParallel } from "@escalate/server/simulation";
import { naiveBoinSimulation } from "./baseline.js";
import { browserBenchmark } from "./browser.js";
import { formatLoad, loadBenchmarks } from "./load.js";
import { formatReads, readBenchmark } from "./reads.js";
import { formatStartup, startupBenchmark } from "./startup.js";
import { studyBenchmark } from "./study.js";

const BOIN_5 = { design: "boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10 } as const;
const TRUTH_5 = [0.05, 0.12, 0.3, 0.45, 0.6];
const BOIN_LONG = { ...BOIN_5, cohorts: 20, rules: [{ type: "stop-at-n-at-dose", n: 18 }] };
const TRUTH_6 = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

async function median(runs: number, fn: () => unknown): Promise<number> {
  await fn(); // warm-up: JIT and lazily built decision tables
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]! / 1000;
}

interface Row {
  name: string;
  seconds: number;
  trials?: number;
  /** Seconds it should take at most. */
  target?: number;
  baselineRatio?: number;
  /** The R package's time for the same work, in seconds. */
  reference?: number;
  speedup?: number;
  /** Time relative to plain BOIN's Monte Carlo in the same run. */
  vsBoin?: number;
  /** Time per trial relative to BOIN12 alone (outcomes only, same scenario). */
  vsBoin12?: number;
  /** Any other figure's baseline measured in the same run: the ratio of this time to it, and what it is. */
  ratio?: { value: number; to: string };
}
const rows: Row[] = [];
const record = (name: string, seconds: number, extra: Omit<Row, "name" | "seconds"> = {}) => {
  rows.push({ name, seconds, ...extra });
  console.error(`  ${name}: ${(seconds * 1000).toFixed(1)} ms`);
};

console.error("Running benchmarks…");
const boin5 = createDesign(BOIN_5);
const mcSeconds = await median(7, () => simulate(boin5, { truth: TRUTH_5, trials: 10_000, seed: 1 }));
const baselineSeconds = await median(3, () => naiveBoinSimulation({ ...BOIN_5, truth: TRUTH_5, trials: 10_000, seed: 1 }));
record("BOIN Monte Carlo, 5 doses, 10×3, 10,000 trials, 1 thread", mcSeconds, {
  trials: 10_000,
  target: 0.2,
  baselineRatio: baselineSeconds / mcSeconds,
});
record("  simple baseline (same trials, written the obvious way)", baselineSeconds, { trials: 10_000 });
// Issue 21's configuration: 20 cohorts of 3, dose finding stopping at 18 patients on a dose. Its target
// (3 ms per 10,000 trials on one thread) is the work per trial done without waste.
const boinLong = createDesign(BOIN_LONG);
const longSeconds = await median(7, () => simulate(boinLong, { truth: TRUTH_5, trials: 10_000, seed: 1 }));
record("BOIN Monte Carlo, 5 doses, 20×3, stop at 18 per dose, 10,000 trials, 1 thread", longSeconds, {
  trials: 10_000,
  target: 0.003,
  vsBoin: longSeconds / mcSeconds,
});
// The same run on a design seen for the first time: its decision graph is grown as the trials go
// (the figure above reuses the graph of the warm-up run, as a second scenario or run of a design does).
const longColdSeconds = await median(7, () => simulate(createDesign(BOIN_LONG), { truth: TRUTH_5, trials: 10_000, seed: 1 }));
record("  same, on a new design (its decision graph grown during the run)", longColdSeconds, {
  trials: 10_000,
  ratio: { value: longColdSeconds / longSeconds, to: "the run on a design whose graph has grown" },
});
// TITE-BOIN: the same design with a 90-day window and a cohort every 21 days (arrivals, DLT times, suspension).
const titeBoin5 = createDesign({ ...BOIN_5, design: "tite-boin", window: 90, arrivalInterval: 21 });
const titeSeconds = await median(5, () => simulate(titeBoin5, { truth: TRUTH_5, trials: 10_000, seed: 1 }));
record("TITE-BOIN Monte Carlo, same design, 90-day window, 10,000 trials, 1 thread", titeSeconds, {
  trials: 10_000,
  vsBoin: titeSeconds / mcSeconds,
});
// BF-BOIN in calendar time (Zhao et al.'s Table 4 setting), next to plain BOIN in outcomes only.
const bfBoin = createDesign({
  ...BOIN_5,
  target: 0.25,
  earlyStopN: 9,
  stayOnOneOfThree: true,
  rules: [{ type: "backfill", maxPerDose: 12 }],
});
const bfSeconds = await median(5, () =>
  simulate(bfBoin, {
    truth: [0.12, 0.25, 0.42, 0.49, 0.55],
    efficacy: [0.2, 0.3, 0.4, 0.5, 0.6],
    trials: 10_000,
    seed: 1,
    calendar: { accrual: 3, arrivals: "uniform", window: 30, whenFull: "turn-away" },
  }),
);
record("BF-BOIN Monte Carlo in calendar time, 10,000 trials, 1 thread", bfSeconds, { trials: 10_000, vsBoin: bfSeconds / mcSeconds });
// BOIN12: toxicity and response together (a desirability per neighbouring dose at every decision).
const boin12 = createDesign({ design: "boin12", doses: 5, cohorts: 10 });
const boin12Seconds = await median(3, () =>
  simulate(boin12, { truth: [0.05, 0.1, 0.2, 0.3, 0.45], efficacy: [0.1, 0.3, 0.5, 0.55, 0.6], trials: 10_000, seed: 1 }),
);
record("BOIN12 Monte Carlo, 5 doses, 10×3, 10,000 trials, 1 thread", boin12Seconds, { trials: 10_000, vsBoin: boin12Seconds / mcSeconds });
// The seamless programme: BOIN12 with backfill, then a randomized comparison (ROSE, 20 per arm with an
// interim at 10) of the OBD and the dose below, in calendar time; per 1,000 trials, next to BOIN12 alone.
const programme = createDesign({
  design: "boin12",
  doses: 5,
  cohorts: 10,
  rules: [
    { type: "backfill", maxPerDose: 12 },
    { type: "randomized", perArm: 20, boundary: 2, interim: { perArm: 10, boundary: 0 } },
  ],
});
const programmeSeconds = await median(5, () =>
  simulate(programme, {
    truth: [0.05, 0.1, 0.2, 0.3, 0.45],
    efficacy: [0.1, 0.3, 0.5, 0.55, 0.6],
    trials: 1000,
    seed: 1,
    calendar: { accrual: 3 },
  }),
);
record("Programme (BOIN12 + backfill + ROSE) in calendar time, 1,000 trials, 1 thread", programmeSeconds, {
  trials: 1000,
  vsBoin12: programmeSeconds / (boin12Seconds / 10),
});

const threads = availableParallelism();
const large = 1_000_000;
const boinSpec = createDesign(BOIN_5).spec;
const oneThread = await median(3, () => simulateInParallel({ spec: boinSpec, truth: TRUTH_5, trials: large, seed: 1, threads: 1 }));
record(`BOIN Monte Carlo, ${large.toLocaleString("en")} trials, 1 thread`, oneThread, {
  trials: large,
  ratio: { value: oneThread / ((large / 10_000) * mcSeconds), to: "the time per trial of the 10,000-trial run" },
});
if (threads > 1) {
  const all = await median(3, () => simulateInParallel({ spec: boinSpec, truth: TRUTH_5, trials: large, seed: 1, threads }));
  record(`BOIN Monte Carlo, ${large.toLocaleString("en")} trials, ${threads} threads`, all, { trials: large, speedup: oneThread / all });
}

// CRM: 6 doses, 24 patients in cohorts of 3, 1,000 trials. A fresh design each run, so its memoised
// posteriors start cold. dfcrm's crmsim takes about 6 s for this on a 2-core machine.
const CRM_6 = {
  design: "crm",
  target: 0.25,
  doses: 6,
  cohortSize: 3,
  cohorts: 8,
  skeleton: [0.05, 0.1, 0.2, 0.3, 0.45, 0.6],
  rules: [{ type: "no-skipping" }],
};
const crmSeconds = await median(5, () => simulate(createDesign(CRM_6), { truth: [0.05, 0.1, 0.2, 0.3, 0.45, 0.6], trials: 1000, seed: 1 }));
record("CRM Monte Carlo, 6 doses, 8×3, 1,000 trials, 1 thread", crmSeconds, {
  trials: 1000,
  target: 0.06,
  reference: 6,
  ratio: { value: crmSeconds / (mcSeconds / 10), to: "the time per trial of plain BOIN" },
});

// BLRM with EWOC: 5 doses, 30 patients in cohorts of 3, 1,000 trials (fresh design each run).
const BLRM_5 = {
  design: "blrm",
  doses: [1, 2, 4, 8, 12].map((amount) => ({ label: `${amount} mg/m²`, amount })),
  referenceDose: 8,
  cohortSize: 3,
  cohorts: 10,
  maxStep: 1,
};
const blrmSeconds = await median(3, () => simulate(createDesign(BLRM_5), { truth: [0.05, 0.1, 0.2, 0.35, 0.5], trials: 1000, seed: 1 }));
record("BLRM/EWOC Monte Carlo, 5 doses, 10×3, 1,000 trials, 1 thread", blrmSeconds, {
  trials: 1000,
  target: 10,
  ratio: { value: blrmSeconds / crmSeconds, to: "the time of the CRM's 1,000 trials" },
});

// A study on the embedded server's queue (shards of 10,000 trials, stored and summed), next to the same
// runs made directly; the second of two runs, as the figures above are after a warm-up (the first
// starts the queue's worker threads).
await studyBenchmark();
const study = await studyBenchmark();
record(
  `Study of ${study.designs} designs × ${study.scenarios} scenarios × ${study.trials.toLocaleString("en")} trials on the SQLite queue`,
  study.queuedSeconds,
  {
    trials: study.designs * study.scenarios * study.trials,
    ratio: { value: study.queuedSeconds / study.directSeconds, to: "the same runs made directly (simulateInParallel)" },
  },
);

// Exact CRM by complete enumeration, on the published record for CRM path enumeration: the R package
// precautionary (Rust numerics) enumerated the 53,205 paths of this CRM (skeleton below, prior σ = 0.85,
// target 0.25, cohorts of 2, stop at 5 patients on dose 1 or 10 on any dose) in 15.8 s single-threaded
// (Norris, "MCSE-Free CRM Performance and Safety Assessment", vignette of 25 April 2021). Escalate's
// enumeration of the same design finds the same 53,205 paths (a test checks all 15 published counts).
const CRM_PATHS_SKELETON = [0.03, 0.11, 0.25, 0.42, 0.58, 0.71];
const PRECAUTIONARY = { seconds: 15.807, paths: 53_205 };
const crmPathsSpec = {
  design: "crm",
  target: 0.25,
  doses: 6,
  cohortSize: 2,
  cohorts: 25,
  skeleton: CRM_PATHS_SKELETON,
  priorVariance: 0.85 ** 2,
  rules: [
    { type: "stop-at-n-enrolled", n: 5, dose: 1 },
    { type: "stop-at-n-enrolled", n: 10 },
  ],
};
const crmPathCases: [string, Record<string, unknown>, number][] = [
  ["Exact CRM, 6 doses, 25×2, precautionary's stopping rule", {}, 3],
  // Cohorts of 1 up to 30 patients (the largest case), with the same stopping rule.
  ["Exact CRM, the same, 30 patients one by one", { cohortSize: 1, cohorts: 30 }, 3],
  // Without any stopping rule: every one of the 2^30 outcome sequences.
  ["Exact CRM, 30 patients one by one, no stopping rule", { cohortSize: 1, cohorts: 30, rules: [] }, 1],
];
for (const [name, changes, runs] of crmPathCases) {
  let paths = 0;
  const seconds = await median(runs, () => {
    // A new design each time, so that no memoised posterior carries over between runs.
    paths = exactOperatingCharacteristics(createDesign({ ...crmPathsSpec, ...changes }), { truth: CRM_PATHS_SKELETON }).paths ?? 0;
  });
  record(`${name}: ${paths.toLocaleString("en")} paths`, seconds, {
    ratio: {
      value: seconds / paths / (PRECAUTIONARY.seconds / PRECAUTIONARY.paths),
      to:
        paths === PRECAUTIONARY.paths
          ? "precautionary's published time for the same 53,205 paths (15.8 s)"
          : "precautionary's published time per path",
    },
  });
}

// Simon two-stage: exhaustive exact search over n ≤ 150 ("well under a second").
const simonSeconds = await median(5, () => simonDesigns({ p0: 0.05, p1: 0.2, alpha: 0.1, beta: 0.1, maxN: 150 }));
record("Simon two-stage search, p0 0.05 vs p1 0.2, n ≤ 150", simonSeconds, { target: 1 });
const simonHard = await median(3, () => simonDesigns({ p0: 0.4, p1: 0.55, alpha: 0.05, beta: 0.1, maxN: 150 }));
record("Simon two-stage search, p0 0.4 vs p1 0.55, n ≤ 150", simonHard, {
  target: 1,
  ratio: { value: simonHard / simonSeconds, to: "the time of the search above" },
});

const exactCases: [string, Record<string, unknown>, number[], number | undefined][] = [
  ["Exact BOIN, 5 doses, 10×3", BOIN_5, TRUTH_5, 1],
  ["Exact BOIN, 6 doses, 10×3", { ...BOIN_5, doses: 6 }, TRUTH_6, 1],
  ["Exact Keyboard, 6 doses, 10×3", { ...BOIN_5, design: "keyboard", doses: 6 }, TRUTH_6, 1],
  ["Exact mTPI-2, 6 doses, 10×3", { ...BOIN_5, design: "mtpi2", doses: 6 }, TRUTH_6, 1],
  ["Exact 3+3, 6 doses", { design: "three-plus-three", doses: 6 }, TRUTH_6, undefined],
  ["Exact BOIN, 5 doses, 20×3, stop at 18 per dose", BOIN_LONG, TRUTH_5, 0.5],
];
let exactLong = 0;
for (const [name, spec, truth, target] of exactCases) {
  const design = createDesign(spec);
  const exactSeconds = await median(3, () => exactOperatingCharacteristics(design, { truth }));
  // Against 10,000 simulated trials of the same design: when enumerating beats simulating.
  const simulated = await median(3, () => simulate(design, { truth, trials: 10_000, seed: 1 }));
  record(name, exactSeconds, {
    ...(target ? { target } : {}),
    ratio: { value: exactSeconds / simulated, to: "the time of 10,000 simulated trials of it" },
  });
  exactLong = exactSeconds;
}
// The last case again in a process holding a large heap, as a server does: tables allocated afresh on
// every run once made V8 collect the whole heap each time (external memory pressure), 1.7× the time.
{
  const live = Array.from({ length: 3_000_000 }, (_, i) => ({ i, text: `state ${i}` }));
  const design = createDesign(BOIN_LONG);
  const seconds = await median(3, () => exactOperatingCharacteristics(design, { truth: TRUTH_5 }));
  record(`  same, with ${Math.round(process.memoryUsage().heapUsed / 1e8) * 100} MB of heap live in the process`, seconds, {
    ratio: { value: seconds / exactLong, to: "the run above" },
  });
  live.length = 0;
}

console.error("Running the web app in headless Chromium…");
const browserRow = await browserBenchmark();
if (browserRow) {
  record(browserRow.name, browserRow.seconds, {
    trials: browserRow.trials,
    ratio: { value: browserRow.seconds / mcSeconds, to: "the time in Node on one thread (click to result included)" },
  });
  record("  the same, first run of the page (web workers starting)", browserRow.cold, {
    trials: browserRow.trials,
    ratio: { value: browserRow.cold / browserRow.seconds, to: "the time of a warm page" },
  });
} else console.error("  (skipped: needs /usr/bin/chromium and npm run build)");

const format = (seconds: number) => (seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`);
const table = [["benchmark", "time", "trials/s", "target", "notes"]];
for (const row of rows) {
  const notes = [];
  if (row.baselineRatio) notes.push(`${row.baselineRatio.toFixed(1)}× faster than the simple baseline`);
  if (row.reference) notes.push(`${Math.round(row.reference / row.seconds)}× faster than the R reference (${row.reference} s)`);
  if (row.speedup) notes.push(`${row.speedup.toFixed(2)}× the 1-thread speed`);
  if (row.vsBoin) notes.push(`${row.vsBoin.toFixed(1)}× the time of plain BOIN`);
  if (row.vsBoin12) notes.push(`${row.vsBoin12.toFixed(1)}× the time per trial of BOIN12 alone`);
  if (row.ratio) notes.push(`${row.ratio.value < 0.1 ? row.ratio.value.toPrecision(2) : row.ratio.value.toFixed(2)}× ${row.ratio.to}`);
  if (row.target !== undefined) notes.push(row.seconds <= row.target ? "meets target" : "MISSES TARGET");
  table.push([
    row.name,
    format(row.seconds),
    row.trials ? Math.round(row.trials / row.seconds).toLocaleString("en") : "",
    row.target !== undefined ? `≤ ${format(row.target)}` : "",
    notes.join("; "),
  ]);
}
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
const lines = table.map((r) => r.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
lines.splice(1, 0, widths.map((w) => "─".repeat(w)).join("  "));
console.log(`Node ${process.version}, ${threads} cores\n`);
console.log(lines.join("\n"));

console.error("Running the server load benchmark…");
const load = await loadBenchmarks({ clients: 16, seconds: 10 });
console.log(`\nServer load (loopback HTTP, sessions with CSRF, every write hash-chained and fsynced):\n${formatLoad(load)}`);
console.error("Timing command start-up…");
const startup = startupBenchmark();
console.log(`\nCommand start-up (whole processes):\n${formatStartup(startup)}`);
console.error("Running the server read benchmark…");
const reads = await readBenchmark({ records: 10_000 });
console.log(`\nServer reads as the trial grows (loopback HTTP; the analysis is computed once per trial version):\n${formatReads(reads)}`);

// From bench/ or from bench-dist/, where `npm run bench` runs it compiled (under node, as the CLI and server run).
mkdirSync(new URL("../bench/results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL(`../bench/results/bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url),
  `${JSON.stringify({ node: process.version, cores: threads, rows, load, reads, startup }, null, 2)}\n`,
);
