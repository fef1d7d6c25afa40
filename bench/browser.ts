// The web app's simulation in headless Chromium: 10,000 BOIN trials (5 doses, 10 cohorts of 3) from the
// click on "Simulate" to the results table, with the core in web workers. Needs /usr/bin/chromium and the
// built app (npm run build).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "@escalate/server";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const WEB_ROOT = fileURLToPath(new URL("../packages/web/dist", import.meta.url));

export interface BrowserResult {
  name: string;
  seconds: number;
  cold: number;
  trials: number;
}

export async function browserBenchmark({
  trials = 10_000,
  runs = 3,
}: {
  trials?: number;
  runs?: number;
} = {}): Promise<BrowserResult | null> {
  if (!existsSync(CHROMIUM) || !existsSync(join(WEB_ROOT, "index.html"))) return null;
  const folder = mkdtempSync(join(tmpdir(), "escalate-browser-bench-"));
  const server = await startServer({ db: join(folder, "bench.db"), port: 0, webRoot: WEB_ROOT, threads: 1 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/design`);
    await page.getByLabel("Simulated trials").fill(String(trials));
    await page.getByLabel("Scenario 1 true DLT probabilities").fill("0.05, 0.12, 0.3, 0.45, 0.6");
    for (let i = 0; i < 2; i++) await page.getByRole("button", { name: "Remove scenario 2" }).click();
    const times: number[] = [];
    let cold = 0;
    for (let run = 0; run <= runs; run++) {
      const start = performance.now();
      await page.getByRole("button", { name: "Simulate" }).click();
      await page.getByRole("table", { name: /Operating characteristics/ }).waitFor({ timeout: 120_000 });
      // Run 0 starts the page's worker pool (load and compile the core); later runs reuse it.
      if (run === 0) cold = (performance.now() - start) / 1000;
      else times.push((performance.now() - start) / 1000);
    }
    times.sort((a, b) => a - b);
    const workers = await page.evaluate(
      () => (globalThis as unknown as { navigator: { hardwareConcurrency: number } }).navigator.hardwareConcurrency,
    );
    return {
      name: `Web app: BOIN, ${trials.toLocaleString("en")} trials in headless Chromium (${workers} web workers), click to result`,
      seconds: times[Math.floor(times.length / 2)]!,
      cold,
      trials,
    };
  } finally {
    await browser.close();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const row = await browserBenchmark();
  console.log(
    row
      ? `${row.name}: ${row.seconds.toFixed(2)} s (${Math.round(row.trials / row.seconds).toLocaleString("en")} trials/s; first run ${row.cold.toFixed(2)} s with the workers starting; ${availableParallelism()} cores)`
      : "needs /usr/bin/chromium and npm run build",
  );
}
