import { mkdirSync } from "node:fs";
import { createDesign, simulate } from "@escalate/core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestServer,
  PASSWORD,
  RANDOMIZED_DESIGN,
  storeRandomizationSecret,
  type TestServer,
  TRIAL_ID,
  treatCohortOneAtDoseTwo,
} from "../../server/src/test-support.js";
import { BROWSER_READY, launchBrowser, pageOverflow, SCREENSHOTS, shot, simulateOnDesignPage, WEB_ROOT } from "./support.js";

/**
 * The randomized stage in the browser (issue 18): an investigator registers a patient in the randomized
 * cohort with the declared stratification factor and sees the allocated arm only then; the committee's
 * meeting card shows responses per arm and the ROSE recommendation. Screenshots at desktop and phone width.
 */
const T = `/api/trials/${TRIAL_ID}`;

describe.skipIf(!BROWSER_READY)("the randomized stage in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await createTestServer("sqlite", { webRoot: WEB_ROOT, design: RANDOMIZED_DESIGN });
    const { chair } = server.clients;
    const id = await treatCohortOneAtDoseTwo(server);
    await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept" });
    await storeRandomizationSecret(server);
    await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" });
    // The browser keeps the session cookie by its own clock: the server's moves to today (the trial's
    // dates stay in the past), and the API clients sign in again on it.
    server.clock.now = new Date();
    for (const client of Object.values(server.clients)) await client.login();
    base = await server.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function logIn(username: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${base}/trials/${TRIAL_ID}`);
    await page.getByLabel("User name").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Dose levels and cohorts" }).waitFor();
    return page;
  }

  it("registers with the declared factor, then shows the arm; the meeting shows responses per arm", async () => {
    const page = await logIn("invA");
    await expect.poll(() => page.getByText("randomized: 1.2 mg/kg or 2.4 mg/kg").count()).toBeGreaterThan(0);
    for (const [id, ecog, dose] of [
      ["R-001", "0", "2.4 mg/kg"],
      ["R-002", "1", "1.2 mg/kg"],
    ] as const) {
      await page.getByRole("button", { name: "Request a place for site A" }).click();
      const form = page.getByRole("form", { name: /Register a patient/ });
      await form.waitFor();
      await form.getByLabel("Subject ID (USUBJID)").fill(id);
      await form.getByLabel("Weight (kg)").fill("70");
      await form.getByLabel("Height (cm)").fill("165");
      await form.getByLabel("First dose date").fill("2026-01-10");
      await form.getByLabel("Stratification: ecog").selectOption(ecog);
      if (id === "R-001") await shot(page, "randomized-registration");
      await form.getByRole("button", { name: "Register and randomize" }).click();
      await expect
        .poll(() => page.getByRole("status").textContent())
        .toBe(`${id} is randomized to arm ${dose === "1.2 mg/kg" ? 1 : 2}: ${dose}.`);
    }
    await shot(page, "randomized-allocated");

    // Responses (API), then the committee's meeting in the browser.
    const { invA, stat } = server.clients;
    for (const [id, size] of [
      ["R-001", 12],
      ["R-002", 29],
    ] as const) {
      await invA.post(`${T}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: id === "R-001" ? 168 : 84 });
      for (const [day, value] of [
        [1, 30],
        [22, size],
        [50, size],
      ] as const)
        await invA.post(`${T}/patients/${id}/tumours`, { TRLNKID: "T01", TRGRPID: "TARGET", TRDY: day, TRSTRESN: value, TRLOC: "liver" });
    }
    expect((await stat.post(`${T}/decisions`)).statusCode).toBe(201);
    for (const width of [1280, 390]) {
      const chair = await logIn("chair", width);
      const table = chair.getByRole("table", { name: "Responses by arm (randomized patients assessed)" });
      await table.waitFor();
      expect(await table.locator("tbody tr").allInnerTexts()).toEqual(["1\t1.2 mg/kg\t1\t0\t0%", "2\t2.4 mg/kg\t1\t1\t100%"]);
      await expect.poll(() => chair.getByText("continue the randomized stage").count()).toBe(1);
      // A comparison follows its protocol rule: no override.
      expect(await chair.getByLabel("Override the recommendation").count()).toBe(0);
      await shot(chair, `randomized-meeting-${width}`);
      // The meeting card fits the screen (its table scrolls inside it). The trial page's other tables at
      // phone width are issue 20's.
      const overflow = await chair
        .locator("article.decision")
        .first()
        .evaluate((card) => card.scrollWidth - card.clientWidth);
      expect(overflow, `meeting card wider than the ${width} px screen`).toBeLessThanOrEqual(0);
      // The whole trial page fits too: its wide tables scroll inside their regions (issue 20, phones).
      expect(await pageOverflow(chair), `trial page wider than the ${width} px screen`).toBeLessThanOrEqual(0);
    }
  });

  it("simulates a whole programme in the browser, with the core's final selection", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/design`);
    // Regression: BOIN12 alone (no backfill) reads responses too; their field was hidden and defaults used.
    await page
      .getByLabel(/^Design/)
      .first()
      .selectOption("boin12");
    await expect.poll(() => page.getByLabel("Scenario 1 response probabilities").count()).toBe(1);
    await page
      .getByLabel(/^Design/)
      .first()
      .selectOption("boin");
    await expect.poll(() => page.getByLabel("Scenario 1 response probabilities").count()).toBe(0);
    const table = await simulateOnDesignPage(page, {
      target: "0.3",
      options: '{"rules": [{"type": "randomized", "perArm": 12, "boundary": 1}]}',
      truth: "0.05, 0.1, 0.2, 0.35, 0.5",
      efficacy: "0.1, 0.3, 0.45, 0.5, 0.5",
    });
    const expected = simulate(
      createDesign({
        design: "boin",
        target: 0.3,
        doses: 5,
        cohortSize: 3,
        cohorts: 10,
        rules: [{ type: "randomized", perArm: 12, boundary: 1 }],
      }),
      { truth: [0.05, 0.1, 0.2, 0.35, 0.5], efficacy: [0.1, 0.3, 0.45, 0.5, 0.5], trials: 1000, seed: 2026 },
    );
    const cells = await table.locator("tbody tr").first().locator("td").allTextContents();
    for (let d = 0; d < 5; d++) expect(cells[d + 1]).toContain(`finally ${(expected.programme!.selection[d]! * 100).toFixed(1)}%`);
    await shot(page, "design-programme");
    await page.close();
  });
});
