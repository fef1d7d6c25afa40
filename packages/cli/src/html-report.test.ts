import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { run } from "./main.js";

/**
 * The HTML report must render in a real browser: Debian's chromium driven by playwright-core. CI
 * installs chromium and sets ESCALATE_REQUIRE_BROWSER=1 so a missing browser fails there; elsewhere
 * the test is skipped when /usr/bin/chromium is absent.
 */
const CHROMIUM = "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.ESCALATE_REQUIRE_BROWSER === "1") throw new Error(`${CHROMIUM} is required (ESCALATE_REQUIRE_BROWSER=1)`);

const examples = new URL("../../../examples/", import.meta.url).pathname;

describe.skipIf(!haveBrowser)("HTML report in Chromium", () => {
  it.each(["portfolio", "huc242-dm4-gastric-phase2"])("renders the %s overview as a table", async (example) => {
    const file = join(mkdtempSync(join(tmpdir(), "escalate-html-")), "report.html");
    expect((await run(["report", join(examples, example), "--format", "html", "--out", file])).exitCode).toBe(0);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`);
      expect(await page.locator("table tbody tr").count()).toBeGreaterThanOrEqual(2);
    } finally {
      await browser.close();
    }
  });

  it.each([
    ["trastuzumab-dm1-phase1", 4],
    ["hun901-dm1-myeloma-phase1", 2],
    ["huc242-dm4-phase1", 3],
    ["hun901-dm1-sclc-study001", 3],
  ])("renders %s with %i plots and no console errors", async (example, plots) => {
    const file = join(mkdtempSync(join(tmpdir(), "escalate-html-")), "report.html");
    const result = await run(["report", join(examples, example), "--format", "html", "--out", file]);
    expect(result.exitCode).toBe(0);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`file://${file}`);
      expect(await page.locator("figure svg").count()).toBe(plots);
      // Plots have marks, not just axes: dose-escalation points or bars are drawn.
      expect(await page.locator("figure svg path, figure svg rect").count()).toBeGreaterThan(10);
      expect(await page.locator("h2").allTextContents()).toContain("Responses");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
