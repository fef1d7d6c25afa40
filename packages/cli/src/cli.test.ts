import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summariseSchedule } from "@escalate/core";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { run } from "./main.js";

const dir = mkdtempSync(join(tmpdir(), "escalate-cli-"));
const boinFile = join(dir, "boin.yaml");
writeFileSync(boinFile, "design: boin\ntarget: 0.3\ndoses: 5\ncohortSize: 3\ncohorts: 10\n");

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const result = await run(argv);
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("escalate boundaries", () => {
  it("prints λe, λd and the table with the contract's field names", async () => {
    const out = await json(["boundaries", boinFile, "--json"]);
    expect(Object.keys(out)).toEqual(["lambdaE", "lambdaD", "table"]);
    expect(out.lambdaE).toBeCloseTo(0.2364907, 6);
    expect(out.lambdaD).toBeCloseTo(0.3585195, 6);
    const table = out.table as { n: number; escalate: number; deescalate: number; eliminate: number | null }[];
    expect(Object.keys(table[0]!)).toEqual(["n", "escalate", "deescalate", "eliminate"]);
    expect(table.find((row) => row.n === 3)).toEqual({ n: 3, escalate: 0, deescalate: 2, eliminate: 3 });
    expect(table.find((row) => row.n === 1)?.eliminate).toBeNull();
  });

  it("accepts a design name with flags instead of a file", async () => {
    const fromName = await json(["boundaries", "boin", "--target", "0.3", "--doses", "5", "--json"]);
    const fromFile = await json(["boundaries", boinFile, "--json"]);
    expect(fromName).toEqual(fromFile);
  });
});

describe("escalate next", () => {
  it("returns the contract fields with 1-based doses", async () => {
    const out = await json(["next", boinFile, "--outcomes", "1NNN 2NNN 3NTT", "--json"]);
    expect(out).toMatchObject({ action: "de-escalate", dose: 2, stop: false, mtd: null });
    expect(out.admissible).toEqual([true, true, true, true, true]);
    expect((out.reasons as string[]).join(" ")).toMatch(/λd/);
    expect(out.why).toEqual([expect.objectContaining({ code: "boin-rule", dose: 3, n: 3, y: 2, move: "de-escalate" })]);
  });

  it("gives BOIN12's desirability scores and the OBD (Lin et al. 2020's worked example)", async () => {
    const out = await json(["next", "boin12", "--doses", "5", "--outcomes", "1NNN 2ENT 3ETT 2EEN", "--json"]);
    expect(out).toMatchObject({ action: "stay", dose: 2, obd: 2 });
    expect((out.rds as { dose: number; score: number | null }[]).map((r) => r.dose)).toEqual([1, 2, 3, 4, 5]);
    const mtd = await json(["mtd", "boin12", "--doses", "5", "--outcomes", "1NNN 2ENT 3ETT 2EEN", "--json"]);
    expect(mtd).toMatchObject({ mtd: 2, obd: 2 });
  });

  it("stops a 3+3 trial and names the MTD", async () => {
    const out = await json(["next", "three-plus-three", "--doses", "5", "--outcomes", "1NNN 2NNN 3NNT 3NTN", "--json"]);
    expect(out).toMatchObject({ action: "stop", dose: null, stop: true, mtd: 2 });
  });

  it("prints readable text without --json", async () => {
    const result = await run(["next", boinFile, "--outcomes", "1NNN"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/ESCALATE — next cohort of 3 at dose 2/);
  });
});

describe("escalate mtd", () => {
  it("selects the MTD by isotonic regression", async () => {
    const out = await json(["mtd", boinFile, "--outcomes", "1NNN 2NNN 3NNT 3NTN 3NNN 4NTT", "--json"]);
    expect(out.mtd).toBe(3);
  });
});

describe("escalate simulate", () => {
  const truth = "0.05,0.15,0.3,0.45,0.6";

  it("gives identical Monte Carlo results on 1 and 2 threads", async () => {
    const one = await json(["simulate", boinFile, "--truth", truth, "--trials", "3000", "--seed", "7", "--threads", "1", "--json"]);
    const two = await json(["simulate", boinFile, "--truth", truth, "--trials", "3000", "--seed", "7", "--threads", "2", "--json"]);
    expect(two).toEqual(one);
    expect(Object.keys(one)).toEqual(
      expect.arrayContaining(["exact", "trials", "noMtd", "selection", "patients", "dlts", "sampleSize", "overdosed"]),
    );
    expect(one.exact).toBe(false);
    expect(one.trials).toBe(3000);
  });

  it("simulates in calendar time with --accrual: duration, patients treated while pending, arrivals turned away", async () => {
    const args = ["simulate", boinFile, "--truth", truth, "--trials", "2000", "--seed", "3", "--accrual", "2", "--window", "28"];
    const out = await json([...args, "--when-full", "turn-away", "--dlt-time", "weibull:2", "--json"]);
    expect(out.durationMonths).toBeGreaterThan(5);
    expect(out.durationQuantilesMonths).toEqual({ p10: expect.any(Number), median: expect.any(Number), p90: expect.any(Number) });
    expect(out.treatedWhilePending).toBe(0);
    expect(out.turnedAway).toBeGreaterThan(0);
    const text = (await run(args)).stdout;
    expect(text).toMatch(/Trial duration: +\d+\.\d ± \d+\.\d+ months \(median \d+\.\d, 10–90%: \d+\.\d–\d+\.\d\)/);
  });

  it("simulates backfill (BF-BOIN) with response probabilities: backfilled per dose, included in patients", async () => {
    const bf = new URL("../../../examples/bf-boin.yaml", import.meta.url).pathname;
    const out = await json([
      "simulate",
      bf,
      "--truth",
      "0.12,0.25,0.42,0.49,0.55",
      "--efficacy",
      "0.2,0.3,0.4,0.5,0.6",
      "--accrual",
      "3",
      "--trials",
      "2000",
      "--seed",
      "1",
      "--json",
    ]);
    const backfilled = out.backfilled as number[];
    const patients = out.patients as number[];
    expect(backfilled[0]).toBeGreaterThan(1);
    for (const [d, n] of backfilled.entries()) expect(n).toBeLessThanOrEqual(patients[d]!);
    const refused = await run(["simulate", bf, "--truth", "0.12,0.25,0.42,0.49,0.55", "--trials", "10", "--seed", "1"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/calendar: is required for a design with backfill/);
    const next = await json(["next", bf, "--outcomes", "1NNN 2NEN 3NNN +2NNT", "--json"]);
    expect(next).toMatchObject({ action: "escalate", dose: 4, backfill: [3, 2] });
  });

  it("enumerates exactly with --exact", async () => {
    const out = await json(["simulate", boinFile, "--truth", truth, "--exact", "--json"]);
    expect(out.exact).toBe(true);
    expect(Number.isInteger(out.paths) && (out.paths as number) > 100).toBe(true);
    const selection = out.selection as number[];
    expect(selection.reduce((a, b) => a + b, 0) + (out.noMtd as number)).toBeCloseTo(1, 12);
  });
});

describe("escalate calibrate", () => {
  const crmFile = join(dir, "calibrate-crm.yaml");
  writeFileSync(crmFile, "design: crm\ntarget: 0.25\ndoses: 4\ncohortSize: 3\ncohorts: 6\nskeleton: [0.08, 0.16, 0.25, 0.35]\n");

  it("chooses the CRM's half-width (and prior variance) by exact PCS over the logistic calibration set", async () => {
    const out = (await json(["calibrate", crmFile, "--odds-ratio", "2", "--prior-variances", "0.5,1.34", "--json"])) as {
      scenarios: { mtd: number }[];
      candidates: { values: Record<string, number>; averagePcs: number }[];
      best: { values: Record<string, number>; averagePcs: number; spec: { skeleton: unknown; priorVariance: number } };
    };
    expect(out.scenarios.map((s) => s.mtd)).toEqual([1, 2, 3, 4]);
    expect(out.candidates).toHaveLength(48);
    expect(out.best.averagePcs).toBe(Math.max(...out.candidates.map((c) => c.averagePcs)));
    expect(out.best.spec).toMatchObject({
      skeleton: { halfWidth: out.best.values.halfWidth, priorMtd: 2 },
      priorVariance: out.best.values.priorVariance,
    });
    const text = await run(["calibrate", crmFile]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/◀ best/);
    expect(text.stdout).toMatch(/In the design file: skeleton: \{"halfWidth":0\.\d+,"priorMtd":2\}/);
  });

  it("names what it cannot calibrate", async () => {
    const result = await run(["calibrate", boinFile]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/design.*no parameters calibrated/);
    expect((await run(["calibrate", crmFile, "--odds-ratio", "0.5"])).stderr).toMatch(/oddsRatio.*must be in \(1, 100\]/);
  });
});

describe("escalate paths and describe", () => {
  it("lists every outcome of the next cohorts", async () => {
    const out = await json(["paths", boinFile, "--outcomes", "1NNN", "--cohorts", "2", "--json"]);
    expect(out.dose).toBe(2);
    const children = out.children as { cohort: string; dose: number; children: unknown[] }[];
    expect(children.map((child) => child.cohort)).toEqual(["2NNN", "2NNT", "2NTT", "2TTT"]);
    expect(children.map((child) => child.dose)).toEqual([3, 2, 1, 1]);
    expect(children[0]!.children).toHaveLength(4);
  });

  it("prints protocol markdown", async () => {
    const result = await run(["describe", boinFile]);
    expect(result.stdout).toMatch(/^# Bayesian optimal interval \(BOIN\) design/);
    expect(result.stdout).toMatch(/\| 3 \| 0 \| 2 \| 3 \|/);
  });
});

describe("bad input", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown design", ["next", "foo"], /design file not found: foo/],
    ["unknown design in a file", ["next", writeSpec("design: bogus\ntarget: 0.3\ndoses: 5\n")], /design/],
    ["target outside (0,1)", ["next", "boin", "--target", "1.3", "--doses", "5"], /--target: 1\.3 is not allowed; must be < 1/],
    ["target in a file", ["next", writeSpec("design: boin\ntarget: 0\ndoses: 5\n")], /target: 0 is not allowed; must be > 0/],
    ["malformed outcomes", ["next", "boin", "--target", "0.3", "--doses", "5", "--outcomes", "1NNX"], /invalid --outcomes: cohort "1NNX"/],
    ["dose out of range", ["next", "boin", "--target", "0.3", "--doses", "5", "--outcomes", "6NNN"], /dose 6 is not in 1\.\.5/],
    ["truth length", ["simulate", boinFile, "--truth", "0.1,0.2", "--exact"], /truth.*5 values, got 2/],
    ["non-monotone truth", ["simulate", boinFile, "--truth", "0.1,0.3,0.2,0.4,0.5", "--exact"], /truth\.2: 0\.2 is not allowed; must be ≥/],
    [
      "truth out of range",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,1.5", "--exact"],
      /--truth \(value 5\): 1\.5 is not allowed; must be ≤ 1/,
    ],
    ["missing seed", ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--trials", "10"], /--seed/],
    [
      "calendar refinement without --accrual",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--trials", "10", "--seed", "1", "--window", "28"],
      /--window describes calendar time: give --accrual/,
    ],
    [
      "calendar with --exact",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--exact", "--accrual", "2"],
      /--exact enumerates outcomes, not time/,
    ],
    [
      "bad accrual",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--trials", "10", "--seed", "1", "--accrual", "0"],
      /accrual: 0 is not allowed; must be > 0/,
    ],
    [
      "bad DLT time",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--trials", "10", "--seed", "1", "--accrual", "2", "--dlt-time", "late"],
      /--dlt-time: .*weibull:SHAPE/,
    ],
    ["unknown flag", ["next", boinFile, "--bogus"], /Unknown option '--bogus'/],
    ["unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["unknown key", ["next", writeSpec("design: boin\ntarget: 0.3\ndoses: 5\ncohortsize: 3\n")], /unknown key "cohortsize"/],
    // Issue 16: flags belong to commands, and a number that is not one says so.
    [
      "flags of other commands",
      ["next", boinFile, "--port", "9", "--alpha", "7", "--format", "html"],
      /--port, --alpha, --format do not apply to escalate next \(it takes --target, --doses, --cohort-size, --cohorts, --outcomes\)/,
    ],
    ["a number that is not", ["next", "boin", "--target", "abc", "--doses", "5"], /--target: "abc" is not allowed; must be a number/],
    [
      "an integer that is not",
      ["simulate", boinFile, "--truth", "0.1,0.2,0.3,0.4,0.5", "--trials", "ten", "--seed", "1"],
      /--trials: "ten" is not allowed; must be a number/,
    ],
  ];
  it.each(cases)("%s → exit 2 with a message naming the field", async (_name, argv, message) => {
    const result = await run(argv);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("help and start-up", () => {
  it("lists each command's own flags with --help, and gives the version of package.json", async () => {
    const help = await run(["simon", "--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^ {2}escalate simon --p0/m);
    expect(help.stdout).toMatch(/Flags: --p0, --p1, --alpha, --beta, --max-n, --patients, --responses, --json, --help/);
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect((await run(["--version"])).stdout).toBe(`${manifest.version}\n`);
  });

  it("names a busy port and how to choose another", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await run(["serve", "--port", String(port), "--db", join(dir, "busy.db"), "--log-level", "silent"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`port ${port} is in use by another program: choose another with --port`));
    } finally {
      blocker.close();
    }
  });
});

function writeSpec(text: string): string {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe("examples/", () => {
  const examples = new URL("../../../examples/", import.meta.url);
  const files = readdirSync(examples).filter((file) => /\.(ya?ml|json)$/.test(file));

  it("holds design files", () => expect(files.length).toBeGreaterThanOrEqual(4));

  it.each(files)("%s loads, decides and describes itself", async (file) => {
    const path = new URL(file, examples).pathname;
    const next = await json(["next", path, "--outcomes", "1NNN", "--json"]);
    expect(next.stop).toBe(false);
    const description = await run(["describe", path]);
    expect(description.exitCode).toBe(0);
    expect(description.stdout).toMatch(/^# /);
  });
});

describe("model-based designs on the command line", () => {
  const crmFile = join(dir, "crm.yaml");
  writeFileSync(crmFile, "design: crm\ntarget: 0.25\ndoses: 5\nskeleton: [0.05, 0.12, 0.25, 0.4, 0.55]\ncohortSize: 1\ncohorts: 20\n");

  it("adds per-dose estimates with credible intervals and betaHat to `next --json`", async () => {
    const out = await json(["next", crmFile, "--outcomes", "3N 5N 5T 3N 4N", "--json"]);
    expect(out.dose).toBe(4);
    expect(out.betaHat).toBeCloseTo(0.5043536, 6);
    expect(out.decisionEstimate).toBe("plug-in");
    const estimates = out.estimates as { dose: number; mean: number; lower: number; upper: number }[];
    expect(estimates.map((e) => e.dose)).toEqual([1, 2, 3, 4, 5]);
    for (const e of estimates) expect(e.lower < e.mean && e.mean < e.upper).toBe(true);
  });

  it("adds P(under), P(target), P(over) per dose for a BLRM", async () => {
    const out = await json(["next", new URL("../../../examples/blrm.yaml", import.meta.url).pathname, "--outcomes", "1NNN 2NNN", "--json"]);
    expect(out.decisionEstimate).toBe("target-probability");
    const estimates = out.estimates as { pUnder: number; pTarget: number; pOver: number }[];
    expect(estimates).toHaveLength(6);
    for (const e of estimates) expect(e.pUnder + e.pTarget + e.pOver).toBeCloseTo(1, 10);
  });

  it("refuses `boundaries` for a CRM with exit code 2", async () => {
    const result = await run(["boundaries", crmFile]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/design: "crm" is not allowed; must be a design with a fixed decision table/);
  });

  it("names a missing skeleton", async () => {
    const result = await run(["next", "crm", "--target", "0.25", "--doses", "5"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/skeleton: is required/);
  });
});

describe("phase II on the command line", () => {
  it("prints Simon designs with the contract's fields", async () => {
    const out = await json(["simon", "--p0", "0.05", "--p1", "0.2", "--alpha", "0.1", "--beta", "0.1", "--json"]);
    expect(Object.keys(out)).toEqual(["optimal", "minimax", "admissible"]);
    const optimal = out.optimal as Record<string, number>;
    expect(Object.keys(optimal)).toEqual(["r1", "n1", "r", "n", "en0", "pet0", "alpha", "power"]);
    expect(optimal).toMatchObject({ r1: 0, n1: 12, r: 3, n: 37 });
    expect(optimal.en0).toBeCloseTo(23.491, 3);
    expect((out.admissible as unknown[]).length).toBeGreaterThanOrEqual(2);
  });

  it("gives a response rate interval with the contract's fields", async () => {
    const out = await json(["ci", "--responders", "4", "--n", "10", "--method", "wilson", "--json"]);
    expect(Object.keys(out)).toEqual(["estimate", "lower", "upper", "method", "level"]);
    expect(out).toMatchObject({ estimate: 0.4, method: "wilson", level: 0.95 });
    expect(out.lower as number).toBeCloseTo(0.1682, 4);
  });

  it("sizes a randomized comparison (ROSE) with exact probabilities, and decides it", async () => {
    const out = await json(["rose", "--response-rate", "0.4", "--difference", "0.2", "--pcs", "0.7", "--json"]);
    expect(Object.keys(out)).toEqual(["design", "rateBoundary", "scenarios", "pcsEqual", "pcsBetter"]);
    expect(out.design).toEqual({ arms: 2, perArm: 15, boundary: 1 });
    const scenarios = out.scenarios as { optimal: number; correct: number; selection: number[] }[];
    expect(scenarios.map((s) => s.optimal)).toEqual([1, 2]);
    for (const s of scenarios) expect(s.correct).toBeGreaterThanOrEqual(0.7);
    const text = await run(["rose", "--response-rate", "0.4", "--difference", "0.2", "--pcs", "0.7"]);
    expect(text.stdout).toContain("  - type: randomized\n    doses: selected-and-lower\n    perArm: 15\n    boundary: 1");
    const rates = await json(["rose", "--per-arm", "15", "--boundary", "1", "--rates", "0.4,0.4", "--json"]);
    expect((rates.selection as number[])[0]).toBeCloseTo(scenarios[0]!.selection[0]!, 12);
    // The decision from a design file's randomized rule, on counts per arm (responses/patients).
    const programme = new URL("../../../examples/boin12-programme.yaml", import.meta.url).pathname;
    const interim = await json(["rose", programme, "--counts", "3/10,4/10", "--json"]);
    expect(interim).toMatchObject({ action: "continue", stage: "interim", selected: null });
    const final = await json(["rose", programme, "--counts", "6/20,9/20", "--json"]);
    expect(final).toMatchObject({ action: "select", stage: "final", selected: 2 });
  });

  it("says when dose finding hands over to the randomized stage, and simulates the programme", async () => {
    const programme = new URL("../../../examples/boin12-programme.yaml", import.meta.url).pathname;
    const next = await json(["next", programme, "--outcomes", "1NNN 2ENN 3EEN 4ETT 3ENE 3EEN 3NEN 3EEN 3ENN 3ENE", "--json"]);
    expect(next).toMatchObject({
      stop: true,
      obd: 3,
      randomized: { doses: [2, 3], perArm: 20, boundary: 2, interim: { perArm: 10, boundary: 0 } },
    });
    const simulated = await json([
      "simulate",
      programme,
      "--truth",
      "0.05,0.1,0.2,0.3,0.45",
      "--efficacy",
      "0.1,0.3,0.5,0.55,0.6",
      "--accrual",
      "3",
      "--trials",
      "500",
      "--seed",
      "1",
      "--threads",
      "1",
      "--json",
    ]);
    const result = simulated.programme as { selection: number[]; none: number; randomized: number };
    expect(result.selection.reduce((a, b) => a + b) + result.none).toBeCloseTo(1, 12);
    expect(result.randomized).toBeGreaterThan(0.5);
  });

  it.each([
    [["rose", "--response-rate", "0.4"], /--difference is required/],
    [
      ["rose", "--per-arm", "10", "--boundary", "12", "--rates", "0.3,0.5"],
      /--boundary: 12 is not allowed; must be an integer in 0\.\.10 \(--per-arm\)/,
    ],
    [["rose", "--per-arm", "10", "--boundary", "1", "--counts", "3-10,4/10"], /--counts/],
    [["simon", "--p0", "0.3", "--p1", "0.2", "--alpha", "0.1", "--beta", "0.1"], /p1: 0.2 is not allowed; must be > p0/],
    [["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "1.5", "--beta", "0.1"], /alpha: 1.5/],
    [["ci", "--responders", "11", "--n", "10"], /responders: 11 is not allowed; must be an integer in 0..10/],
    [["ci", "--responders", "4", "--n", "10", "--method", "wald"], /--method: "wald" is not allowed/],
    [["simon", "--p0", "0.1"], /--p1 is required/],
  ])("refuses bad phase II input with exit code 2: %s", async (argv, message) => {
    const result = await run(argv);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe("escalate analyze", () => {
  const trialFile = new URL("../../../examples/trials/adc-first-in-human.yaml", import.meta.url).pathname;

  it("summarises the example trial per patient and per dose level", async () => {
    const out = await json(["analyze", trialFile, "--json"]);
    const patients = out.patients as {
      USUBJID: string;
      dlt: { status: string };
      bestResponse: { response: string } | null;
      halfLife: number | null;
    }[];
    expect(patients).toHaveLength(9);
    expect(patients.find((p) => p.USUBJID === "101-006")!.dlt.status).toBe("DLT");
    expect(patients.find((p) => p.USUBJID === "101-008")!.dlt.status).toBe("pending");
    // 101-004's confirming scan (day 85) is after the data cut (day 71): at the cut the response is not
    // yet confirmed, and the scan is named as a problem rather than analysed.
    expect(patients.find((p) => p.USUBJID === "101-004")!.bestResponse!.response).toBe("SD");
    expect(out.problems).toContainEqual(
      expect.objectContaining({
        USUBJID: "101-004",
        collection: "tumours",
        path: "TRDY",
        value: 85,
        message: expect.stringMatching(/after the data cut/),
      }),
    );
    expect(patients.find((p) => p.USUBJID === "101-004")!.halfLife).toBeCloseTo((Math.LN2 * 3.1) / 0.012, 0);
    expect(out.outcomes).toBe("1NNN 2NNT");
    const text = await run(["analyze", trialFile]);
    expect(text.stdout).toMatch(/Dose-limiting toxicities:/);
  });

  it("exports to SDTM-named CSV files and reads them back to the same analysis", async () => {
    const folder = join(dir, "csv-trial");
    const exported = await json(["export", trialFile, "--out", folder, "--json"]);
    expect(exported.files).toEqual(["trial.json", "DM.csv", "EX.csv", "AE.csv", "LB.csv", "TR.csv", "PC.csv"]);
    // The same analysis; problems name the CSV row instead of the record's place in the file.
    const fromFolder = await json(["analyze", folder, "--json"]);
    const fromFile = await json(["analyze", trialFile, "--json"]);
    const withoutRecord = (analysis: unknown) =>
      JSON.parse(JSON.stringify(analysis, (key, value) => (key === "record" ? undefined : value)));
    expect(withoutRecord(fromFolder)).toEqual(withoutRecord(fromFile));
    expect(fromFolder.problems).toContainEqual(expect.objectContaining({ collection: "tumours", record: "TR.csv row 7 (line 8)" }));
  });

  it("names the CSV file, row, line and column of a bad cell", async () => {
    const folder = join(dir, "csv-bad");
    await json(["export", trialFile, "--out", folder, "--json"]);
    const path = join(folder, "AE.csv");
    const lines = readFileSync(path, "utf8").split("\n");
    lines[2] = lines[2]!.replace(/^([^,]*,[^,]*,)\d+,/, "$19,"); // second event: grade 9
    writeFileSync(path, lines.join("\n"));
    // One bad cell never stops the analysis: the record is left out and named, the rest analysed.
    const result = await run(["analyze", folder]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/adverseEvents\[AE.csv row 2 \(line 3\)\]\.AETOXGR 9 must be ≤ 5/);
    const strict = await run(["analyze", folder, "--strict"]);
    expect(strict.exitCode).toBe(2);
    expect(strict.stderr).toMatch(/adverseEvents\[AE.csv row 2 \(line 3\)\]\.AETOXGR: 9 is not allowed; must be ≤ 5/);
  });

  it("refuses a folder without trial.yaml and bad data with exit code 2", async () => {
    expect((await run(["analyze", dir])).stderr).toMatch(/has no trial.yaml/);
    const bad = join(dir, "bad-trial.yaml");
    writeFileSync(bad, "compound: { name: X }\ntrial: { id: T }\n");
    const result = await run(["analyze", bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/trial.schedule: is required/);
  });
});

describe("escalate report", () => {
  const example = new URL("../../../examples/trastuzumab-dm1-phase1", import.meta.url).pathname;

  it("reproduces the trastuzumab-DM1 phase I findings from the patient data", async () => {
    const report = await json(["report", example, "--format", "json"]);
    expect(Object.keys(report)).toEqual([
      "trial",
      "enrolled",
      "doseLevels",
      "mtd",
      "mtdEstablished",
      "bestResponse",
      "orr",
      "halfLifeDays",
      "comparison",
    ]);
    expect(report).toMatchObject({ enrolled: 18, mtd: "3.6 mg/kg", mtdEstablished: true, comparison: null });
    expect(report.doseLevels).toContainEqual(
      expect.objectContaining({ label: "4.8 mg/kg", patients: 2, dlts: 2, dltEvaluable: 2, assessed: 0, responders: 0, efficacy: null }),
    );
    const restricted = await json(["report", example, "--format", "json", "--doses", "2.4 mg/kg,3.6 mg/kg"]);
    const orr = restricted.orr as { responders: number; evaluable: number; lower: number; upper: number };
    expect([orr.responders, orr.evaluable]).toEqual([4, 10]);
    expect(orr.lower).toBeCloseTo(0.122, 3);
    expect(orr.upper).toBeCloseTo(0.738, 3);
    expect((restricted.bestResponse as Record<string, number>).PR).toBe(4);
  });

  it("shows toxicities at or below the MTD as mostly grade 1, without neutropenia, leukopenia or cardiac events", async () => {
    const analysis = await json(["analyze", join(example, "trial.yaml"), "--json"]);
    const patients = analysis.patients as { doseLevel: number; worstGrades: { term: string; grade: number }[] }[];
    const atOrBelow = patients.filter((p) => p.doseLevel <= 5).flatMap((p) => p.worstGrades);
    expect(atOrBelow.every((g) => g.grade === 1)).toBe(true);
    expect(atOrBelow.some((g) => /neutrophil|white blood cell|cardiac|heart/i.test(g.term))).toBe(false);
    const markdown = await run(["report", example]);
    expect(markdown.stdout).toMatch(/MTD \(declared by the design from the DLT history\): \*\*3.6 mg\/kg\*\*/);
  });

  it("has patients whose median age is 50 and median number of prior regimens 7.5", () => {
    const trial = parseYaml(readFileSync(join(example, "trial.yaml"), "utf8")) as { patients: { AGE: number; priorRegimens: number }[] };
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length / 2;
      return sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
    };
    expect(median(trial.patients.map((p) => p.AGE))).toBe(50);
    expect(median(trial.patients.map((p) => p.priorRegimens))).toBe(7.5);
  });

  it("refuses unknown dose labels", async () => {
    const result = await run(["report", example, "--doses", "9 mg/kg"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/doses: \["9 mg\/kg"\] is not allowed; must name dose levels of the trial/);
  });
});

describe("escalate report: huN901-DM1 in myeloma", () => {
  const example = new URL("../../../examples/hun901-dm1-myeloma-phase1", import.meta.url).pathname;

  it("has no MTD yet and one EBMT minimal response at 60 mg/m²/day, after 12 cycles = 24 doses over 36 weeks", async () => {
    const report = await json(["report", example, "--format", "json", "--doses", "60 mg/m²/day"]);
    expect(report).toMatchObject({ mtd: null, mtdEstablished: false });
    expect(report.bestResponse).toMatchObject({ MR: 1, SD: 1 });
    const markdown = (await run(["report", example])).stdout;
    expect(markdown).toMatch(/HUN-004 \| 60 mg\/m²\/day \| 12 cycles = 24 doses over 36 weeks \| MR/);
    expect(markdown).toMatch(/HUN-005 \| 60 mg\/m²\/day \| 5 cycles = 10 doses/);
  });
});

describe("escalate report: huC242-DM4", () => {
  const example = new URL("../../../examples/huc242-dm4-phase1", import.meta.url).pathname;

  it("has no DLT up to 168 mg/m², no MTD yet, ocular toxicity at 223 mg/m², and a half-life of about 5 days by NCA", async () => {
    const report = await json(["report", example, "--format", "json"]);
    const levels = report.doseLevels as { label: string; dlts: number }[];
    expect(levels.filter((l) => l.label !== "223 mg/m²").every((l) => l.dlts === 0)).toBe(true);
    expect(report).toMatchObject({ mtd: null, mtdEstablished: false });
    expect(report.halfLifeDays as number).toBeCloseTo(5, 1);
    const earlier = await json(["report", join(example, "huc242-dm1-reference.yaml"), "--format", "json"]);
    expect(earlier.halfLifeDays as number).toBeCloseTo(2, 1);
    const analysis = await json(["analyze", join(example, "trial.yaml"), "--json"]);
    const ocular = (analysis.patients as { doseLevel: number; worstGrades: { term: string; grade: number }[] }[])
      .flatMap((p) => p.worstGrades.map((g) => ({ ...g, doseLevel: p.doseLevel })))
      .filter((g) => /vision|keratitis/i.test(g.term));
    expect(ocular.map((g) => [g.term, g.grade, g.doseLevel])).toEqual([
      ["Blurred vision", 2, 7],
      ["Keratitis", 3, 7],
    ]);
  });
});

describe("escalate report: phase II design and portfolio", () => {
  const examples = new URL("../../../examples/", import.meta.url).pathname;

  it("gives the gastric phase II Simon designs", async () => {
    const report = await json(["report", join(examples, "huc242-dm4-gastric-phase2"), "--format", "json"]);
    expect(report.optimal).toMatchObject({ r1: 2, n1: 18, r: 7, n: 43 });
    expect(report.minimax).toMatchObject({ r1: 2, n1: 22, r: 7, n: 40 });
  });

  it("gives the pipeline with each trial's status computed from its data", async () => {
    const overview = await json(["report", join(examples, "portfolio"), "--format", "json"]);
    const compounds = overview.compounds as { name: string; target?: string; payload?: string; trials: { status: string }[] }[];
    expect(compounds.map((c) => [c.name, c.target, c.payload])).toEqual([
      ["huN901-DM1", "CD56", "DM1"],
      ["huC242-DM4", "CanAg", "DM4"],
      ["AVE9633", "CD33", "DM4"],
      ["trastuzumab-DM1", "HER2", "DM1"],
      ["AVE1642", "not disclosed", "not disclosed"],
    ]);
    expect(compounds[3]!.trials[0]!.status).toMatch(/18 enrolled, MTD 3.6 mg\/kg/);
    expect(compounds[1]!.trials[1]!.status).toBe("planned: Simon optimal 2/18, 7/43");
  });
});

describe("escalate report: huN901-DM1 study 001 and AVE9633", () => {
  const examples = new URL("../../../examples/", import.meta.url).pathname;

  it("counts 2 partial responses of which 1 is confirmed, 5 stable diseases of 6 to 18 weeks, and the infusion headaches", async () => {
    const folder = join(examples, "hun901-dm1-sclc-study001");
    const report = await json(["report", folder, "--format", "json"]);
    expect(report.enrolled).toBe(30);
    expect(report.bestResponse).toMatchObject({ PR: 1, SD: 5 });
    const markdown = (await run(["report", folder])).stdout;
    expect(markdown).toMatch(/Unconfirmed responses \(not counted\): SCLC-002\./);
    expect(markdown).toMatch(/Stable disease \(5 patients\) lasted 6 to 18 weeks\./);
    expect(markdown).toMatch(/Duration of response, SCLC-001: 18 weeks\./);
    // By highest grade in bands 1–2, 3–4, 5 (patients, of 30): three grade 3 headaches, one grade 4 hyperesthesia.
    expect(markdown).toMatch(/\| Headache \| 0 \| 3 \(10%\) \| 0 \| 3 \(10%\) \|/);
    expect(markdown).toMatch(/\| Hyperesthesia \| 0 \| 1 \(3%\) \| 0 \| 1 \(3%\) \|/);
  });

  it("escalates AVE9633 to 260 mg/m² without DLT, and lays out the weekly ×2 in 4 weeks calendar", async () => {
    const folder = join(examples, "ave9633-aml-phase1");
    const report = await json(["report", folder, "--format", "json"]);
    const levels = report.doseLevels as { label: string; patients: number; dlts: number }[];
    expect(levels.at(-1)).toMatchObject({ label: "260 mg/m²", dlts: 0 });
    expect(levels.every((l) => l.dlts === 0)).toBe(true);
    expect(report.mtdEstablished).toBe(false);
    const schedule = parseYaml(readFileSync(join(folder, "weekly-schedule.yaml"), "utf8")) as { cycleDays: number; days: number[] };
    expect(summariseSchedule(schedule, 3).description).toBe("3 cycles = 6 doses over 12 weeks");
  });
});
