import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TrialDataInput } from "@escalate/core";
import { loadDemo, type RunningServer, startServer } from "@escalate/server";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import { parse as parseYaml } from "yaml";

/**
 * The browser suites drive Debian's chromium (playwright-core) against the built app (npm run build).
 * CI installs chromium and builds first, with ESCALATE_REQUIRE_BROWSER=1 so nothing is skipped there.
 */
export const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
export const CHROMIUM = "/usr/bin/chromium";
export const WEB_ROOT = fileURLToPath(new URL("../dist", import.meta.url));
export const BROWSER_READY = existsSync(CHROMIUM) && existsSync(join(WEB_ROOT, "index.html"));
if (!BROWSER_READY && process.env.ESCALATE_REQUIRE_BROWSER === "1")
  throw new Error(`${CHROMIUM} and a built web app (${WEB_ROOT}, npm run build) are required (ESCALATE_REQUIRE_BROWSER=1)`);

export const launchBrowser = () => chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });

const DEMO_TRIAL = fileURLToPath(new URL("../../../examples/trials/adc-first-in-human.yaml", import.meta.url));
/** The demo trial's design, and its users' password. */
export const DEMO_DESIGN = { design: "boin", target: 0.3, cohortSize: 3, cohorts: 10, expansion: 6 };
export const DEMO_PASSWORD = "escalate-demo";

/** A real `escalate serve` of the demo trial on SQLite in a temporary folder, serving the built app, and a browser. */
export async function startDemo(): Promise<{ server: RunningServer; browser: Browser; folder: string; close(): Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), "escalate-e2e-"));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const example = parseYaml(readFileSync(DEMO_TRIAL, "utf8")) as TrialDataInput;
  const server = await startServer({
    db: join(folder, "demo.db"),
    port: 0,
    threads: 1,
    webRoot: WEB_ROOT,
    prepare: async (store) => {
      await loadDemo(store, example, DEMO_DESIGN);
    },
  });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    folder,
    async close() {
      await browser.close();
      await server.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A screenshot of the screen, and an accessibility audit of it (axe-core: no serious or critical violations). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  // Through the DevTools protocol, not a script tag: the app's Content-Security-Policy (rightly) refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    type Axe = { run: (context: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
    const scope = globalThis as unknown as { axe: Axe; document: unknown };
    const result = await scope.axe.run(scope.document);
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id}: ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(", ")}`,
      );
  });
  expect(violations, `accessibility of ${name}`).toEqual([]);
}

/**
 * Fills the design page for one scenario with response probabilities (1,000 trials, the page's seed)
 * and simulates; returns the operating-characteristics table once it is shown.
 */
export async function simulateOnDesignPage(
  page: Page,
  form: { target: string; options: string; truth: string; efficacy: string },
): Promise<Locator> {
  await page.getByLabel("Target DLT probability").fill(form.target);
  const more = page.locator("details.more-options").first();
  if (!(await more.evaluate((details) => (details as unknown as { open: boolean }).open))) await more.locator("summary").click();
  await page.getByLabel(/Other options/).fill(form.options);
  await page.getByLabel("Simulated trials").fill("1000");
  await page.getByLabel("Scenario 1 true DLT probabilities").fill(form.truth);
  await page.getByLabel("Scenario 1 response probabilities").fill(form.efficacy);
  await page.getByRole("button", { name: "Simulate" }).click();
  const table = page.getByRole("table", { name: /Operating characteristics/ });
  await table.waitFor({ timeout: 60_000 });
  return table;
}

/** How far the page is wider than the screen (0 when nothing overflows sideways: wide tables scroll in their own regions). */
export async function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document
      .documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** The elements reaching past the screen's right edge (outside scrolling regions), to name what overflows. */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type El = { tagName: string; className: string; closest(s: string): unknown; getBoundingClientRect(): { right: number } };
    const doc = (globalThis as unknown as { document: { documentElement: { clientWidth: number }; querySelectorAll(s: string): El[] } })
      .document;
    const width = doc.documentElement.clientWidth;
    return [...doc.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".table-scroll"))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      .slice(0, 8);
  });
}
