import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "@escalate/cli";
import { calibrateByPcs, createDesign, simulate, trialReport } from "@escalate/core";
import type { RunningServer } from "@escalate/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BROWSER_READY, DEMO_PASSWORD, pageOverflow, shot, simulateOnDesignPage, startDemo } from "./support.js";

/**
 * The web app end to end, as a user drives it: Debian's chromium against a real `escalate serve` with
 * the demo trial on SQLite, serving the built app. Screenshots of every screen are saved under
 * packages/web/e2e/screenshots/.
 */
const PASSWORD = DEMO_PASSWORD;

describe.skipIf(!BROWSER_READY)("the web app in Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  let folder: string;
  const consoleErrors: string[] = [];
  /**
   * Console errors a test provokes on purpose (Chromium logs every refused request): after `action`, and
   * `settled` (when the page has reacted), every such error is removed — at least one must have come.
   */
  const expectError = async (pattern: RegExp, action: () => Promise<void>, settled?: () => Promise<void>) => {
    await action();
    await settled?.();
    await expect.poll(() => consoleErrors.some((e) => pattern.test(e))).toBe(true);
    for (let i = consoleErrors.length - 1; i >= 0; i--) if (pattern.test(consoleErrors[i]!)) consoleErrors.splice(i, 1);
  };

  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, browser, folder, close } = await startDemo());
  }, 60_000);

  afterAll(() => close?.());

  async function open(path: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${path}: ${message.text()}`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`${path}: ${error.message}`));
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function logIn(page: Page, username: string) {
    await page.getByLabel("User name").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
  }

  it("designs and simulates in web workers, with the same numbers as the core", async () => {
    const page = await open("/design");
    await page.getByLabel("Target DLT probability").fill("1.5");
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/target/);
    await page.getByLabel("Target DLT probability").fill("0.3");
    await expect.poll(() => page.getByRole("alert").count()).toBe(0);
    await expect.poll(() => page.getByRole("table", { name: /Decision table/ }).count()).toBe(1);
    await page.getByLabel("Simulated trials").fill("3000");
    await page.getByLabel("Scenario 1 true DLT probabilities").fill("0.05, 0.1, 0.3, 0.45, 0.6");
    await page.getByRole("button", { name: "Simulate" }).click();
    const table = page.getByRole("table", { name: /Operating characteristics/ });
    await table.waitFor({ timeout: 60_000 });
    // The browser's workers give exactly what the core gives in Node for the same seed.
    const expected = simulate(createDesign({ design: "boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10 }), {
      truth: [0.05, 0.1, 0.3, 0.45, 0.6],
      trials: 3000,
      seed: 2026,
    });
    const firstRow = await table.locator("tbody tr").first().locator("td").allTextContents();
    const shown = firstRow.slice(1, 6).map((cell) => cell.split("%")[0]);
    expect(shown).toEqual(expected.selection.map((s) => (s * 100).toFixed(1)));
    await page.locator("figure.chart svg").first().waitFor();
    await shot(page, "design-and-simulate");
    // The exports: a design file the CLI reads (the same design), the CSV, and an HTML report with its charts.
    const saved = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
      return readFileSync((await download.path())!, "utf8");
    };
    const designFile = join(folder, "design.json");
    writeFileSync(designFile, await saved("Download design file (JSON, for the CLI)"));
    const cli = await run(["simulate", designFile, "--truth", "0.05,0.1,0.3,0.45,0.6", "--trials", "3000", "--seed", "2026", "--json"]);
    expect(JSON.parse(cli.stdout).selection).toEqual(expected.selection);
    expect((await saved("Download CSV")).split("\n")[0]).toBe(
      "design,scenario,dose,true_dlt_probability,selected,patients,dlts,no_mtd,sample_size,overdosed",
    );
    expect(await saved("Download HTML report")).toMatch(/<svg[\s\S]*<\/svg>/);
    // Cancel stops a long run and leaves the page usable.
    await page.getByLabel("Simulated trials").fill("1000000");
    await page.getByRole("button", { name: "Simulate" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Simulate" }).count()).toBe(1);
    await page.close();
  });

  it("simulates a time-to-event design in calendar time, with the core's trial duration", async () => {
    const page = await open("/design");
    await page
      .getByLabel(/^Design/)
      .first()
      .selectOption("tite-boin");
    await page.getByLabel("DLT window (days)").first().fill("60");
    await page.getByLabel("Simulated trials").fill("1000");
    await page.getByLabel("Scenario 1 true DLT probabilities").fill("0.05, 0.1, 0.3, 0.45, 0.6");
    await page.getByLabel(/In calendar time/).check();
    await page.getByLabel("Patients per month").fill("0");
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/> 0/);
    await page.getByLabel("Patients per month").fill("4");
    await page.getByRole("button", { name: "Simulate" }).click();
    const table = page.getByRole("table", { name: /Operating characteristics/ });
    await table.waitFor({ timeout: 60_000 });
    const expected = simulate(createDesign({ design: "tite-boin", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10, window: 60 }), {
      truth: [0.05, 0.1, 0.3, 0.45, 0.6],
      trials: 1000,
      seed: 2026,
      calendar: { accrual: 4 },
    });
    await expect.poll(() => table.getByRole("columnheader", { name: "Duration (months)" }).count()).toBe(1);
    const cells = await table.locator("tbody tr").first().locator("td").allTextContents();
    expect(cells.at(-1)).toMatch(new RegExp(`^${expected.durationMonths!.toFixed(1)}`));
    await shot(page, "design-calendar-time");
    await page.close();
  });

  it("calibrates a CRM's skeleton by exact PCS in a web worker, as the core does, and takes it into the design", async () => {
    for (const width of [1280, 390]) {
      const page = await open("/design", width);
      await page
        .getByLabel(/^Design/)
        .first()
        .selectOption("crm");
      const panel = page.locator("details.calibration").first();
      await panel.locator("summary").click();
      await panel.getByRole("button", { name: "Calibrate" }).click();
      await panel.getByText(/^Best:/).waitFor({ timeout: 60_000 });
      const expected = calibrateByPcs(
        createDesign({ design: "crm", target: 0.3, doses: 5, cohortSize: 3, cohorts: 10, skeleton: [0.05, 0.12, 0.25, 0.4, 0.55] }).spec,
        { oddsRatio: 2 },
      );
      const text = await panel.getByText(/^Best:/).textContent();
      expect(text).toContain(`halfWidth ${expected.best.values.halfWidth}`);
      expect(text).toContain(`${(expected.best.averagePcs * 100).toFixed(1)}%`);
      expect(await panel.locator("tbody tr").count()).toBe(expected.candidates.length);
      await shot(page, width === 1280 ? "design-calibration" : "design-calibration-phone");
      if (width === 390) expect(await pageOverflow(page)).toBe(0);
      await panel.getByRole("button", { name: "Use it in the design" }).click();
      const other = JSON.parse(await page.getByLabel("Other options (JSON)").first().inputValue());
      expect(other).toEqual({ skeleton: { halfWidth: expected.best.values.halfWidth, priorMtd: 3 } });
      await page.close();
    }
  });

  it("simulates backfill (BF-BOIN) in the browser with response probabilities, as the core does", async () => {
    const page = await open("/design");
    const table = await simulateOnDesignPage(page, {
      target: "0.25",
      options: '{"rules": [{"type": "backfill", "maxPerDose": 12}], "stayOnOneOfThree": true}',
      truth: "0.12, 0.25, 0.42, 0.49, 0.55",
      efficacy: "0.2, 0.3, 0.4, 0.5, 0.6",
    });
    const expected = simulate(
      createDesign({
        design: "boin",
        target: 0.25,
        doses: 5,
        cohortSize: 3,
        cohorts: 10,
        stayOnOneOfThree: true,
        rules: [{ type: "backfill", maxPerDose: 12 }],
      }),
      { truth: [0.12, 0.25, 0.42, 0.49, 0.55], efficacy: [0.2, 0.3, 0.4, 0.5, 0.6], trials: 1000, seed: 2026, calendar: { accrual: 3 } },
    );
    const first = await table.locator("tbody tr").first().locator("td").nth(1).textContent();
    expect(first).toContain(`${expected.backfilled![0]!.toFixed(1)} backfill`);
    await page.close();
  });

  it("conducts: adjudicate a DLT, get the recommendation, sign it; the next cohort opens for the sites", async () => {
    const chair = await open("/trials");
    await chair.getByRole("heading", { name: "Log in" }).waitFor(); // the trials need a session: to the login first
    await shot(chair, "login");
    await logIn(chair, "chair");
    await shot(chair, "portfolio");
    await chair.getByRole("link", { name: "ESC-101-001" }).click();
    await chair.getByRole("heading", { name: "Patients and DLT windows" }).waitFor();
    await shot(chair, "trial-dashboard");
    // The demo leaves one adverse event of cohort 3 for the safety review.
    await chair.getByRole("link", { name: /1 adverse event/ }).click();
    await chair.getByRole("heading", { name: /^Patient / }).waitFor();
    const pending = chair.getByRole("row", { name: /awaiting review/ });
    await pending.getByLabel(/Adjudication reason/).fill("Related to the drug, within the DLT window");
    await pending.getByRole("button", { name: "DLT", exact: true }).click();
    await expect.poll(() => chair.getByRole("row", { name: /awaiting review/ }).count()).toBe(0);
    await expect.poll(() => chair.getByText("DLT (adjudicated)").count()).toBeGreaterThan(0);
    await shot(chair, "patient-adjudicated");
    await chair.getByRole("link", { name: "ESC-101-001" }).click();
    await chair.getByRole("button", { name: "Prepare the escalation meeting" }).click();
    await chair
      .getByText(/^Recommendation:/)
      .first()
      .waitFor();
    // The committee sees the data by dose level, and the DLTs by patient (issue 20).
    const byDose = chair.getByRole("table", { name: "Data by dose level at the meeting" }).first();
    const rows = await byDose.locator("tbody tr").allInnerTexts();
    expect(rows.length).toBeGreaterThan(0);
    const dltCount = rows.reduce((sum, row) => sum + Number(row.split("\t")[3]), 0);
    expect(dltCount).toBeGreaterThan(0);
    await expect
      .poll(() =>
        chair
          .getByText(/^DLTs: /)
          .first()
          .textContent(),
      )
      .toMatch(/cohort \d+/);
    await chair.getByRole("button", { name: "Accept the recommendation" }).click();
    // A wrong password is refused and the signature not applied; the session stays.
    await chair.getByLabel("Password").fill("not my password");
    await expectError(/status of 401/, () => chair.getByRole("button", { name: "Sign the decision" }).click());
    await expect.poll(() => chair.getByRole("alert").textContent()).toMatch(/password does not match/);
    await chair.getByLabel("Password").fill(PASSWORD);
    await chair.getByRole("button", { name: "Sign the decision" }).click();
    // The signed record shows the printed name, date and time, and meaning (21 CFR 11.50).
    await expect
      .poll(() => chair.getByText(/Signed by Dr Maria Chair on \d{4}-\d{2}-\d{2} at \d{2}:\d{2}:\d{2} UTC · meaning: approval/).count())
      .toBeGreaterThan(0);
    // The signature closes cohort 3 and opens the next cohort at the decided dose.
    await expect.poll(() => chair.getByRole("cell", { name: "open", exact: true }).count()).toBe(1);
    await expect.poll(() => chair.getByRole("button", { name: "Sign the decision" }).count()).toBe(0);
    // The next meeting waits for the new cohort to fill: no button to press in vain, but the reason.
    await expect.poll(() => chair.getByText(/prepared once cohort 4 is full \(0 of 3 places confirmed\)/).count()).toBe(1);
    expect(await chair.getByRole("button", { name: "Prepare the escalation meeting" }).count()).toBe(0);
    await shot(chair, "decision-signed");
    await chair.close();
  });

  it("registers a patient at a site, records a DLT with the lab graded as it is typed, and shows the audit trail", async () => {
    const inv = await open("/login");
    await logIn(inv, "inv101");
    await inv.getByRole("link", { name: "ESC-101-001" }).click();
    await inv.getByRole("button", { name: "Request a place for site 101" }).click();
    await inv.getByLabel("Subject ID (USUBJID)").fill("101-010");
    await inv.getByLabel("Age").fill("58");
    await inv.getByLabel("Weight (kg)").fill("0");
    await inv.getByLabel("Height (cm)").fill("168");
    // First dose ten days ago: records up to study day 11 can be entered; later ones would be in the future.
    await inv.getByLabel("First dose date").fill(new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10));
    // A refused field is named once, beside itself, in plain words.
    await expectError(/status of 400/, () => inv.getByRole("button", { name: "Register patient" }).click());
    const weight = inv.locator(".field").filter({ has: inv.getByLabel(/^Weight \(kg\)/) });
    await expect.poll(() => weight.locator(".field-error").textContent()).toMatch(/> 0/);
    expect(await inv.getByText(/> 0/).count()).toBe(1);
    await inv.getByText("Not saved — please correct the field marked above.").waitFor();
    await inv.getByLabel(/^Weight \(kg\)/).fill("72");
    await inv.getByRole("button", { name: "Register patient" }).click();
    // A new patient's DLT window counts down from today's first dose.
    await expect.poll(() => inv.getByRole("row", { name: /101-010/ }).textContent()).toMatch(/pending.*\d+ days left/);
    await inv.getByRole("link", { name: "101-010" }).click();
    await inv.getByRole("heading", { name: "Patient 101-010" }).waitFor();
    // The CTCAE grade appears while typing, before anything is saved.
    const lab = inv.getByRole("form", { name: "Lab result" });
    await lab.getByLabel("Value").fill("40");
    await expect.poll(() => lab.locator("output").textContent()).toMatch(/Platelet count decreased: grade 3/);
    await lab.getByLabel("Value").fill("80");
    await expect.poll(() => lab.locator("output").textContent()).toMatch(/cannot grade \(needs LLN/); // 80 may be normal: it says why
    await lab.getByLabel("Lower limit of normal").fill("150");
    await expect.poll(() => lab.locator("output").textContent()).toMatch(/Platelet count decreased: grade 1$/);
    // Saved, the row shows the grade the analysis gives it (issue 19: grades per record).
    await lab.getByLabel("Study day").fill("1");
    await lab.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => inv.getByRole("region", { name: "Labs" }).textContent()).toMatch(/Platelet count decreased: grade 1/);
    const ae = inv.getByRole("form", { name: "Adverse event" });
    await ae.getByLabel("Term").fill("Febrile neutropenia");
    await ae.getByLabel("CTCAE grade").selectOption("3");
    await ae.getByLabel("Onset study day").fill("9");
    await ae.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => inv.getByRole("cell", { name: "Febrile neutropenia", exact: true }).count()).toBe(1);
    // A bad value is refused with the field named, and nothing is stored.
    await ae.getByLabel("Term").fill("Nausea");
    await ae.getByLabel("Onset study day").fill("-0.5");
    await expectError(/status of 400/, () => ae.getByRole("button", { name: "Save" }).click());
    // Named beside the onset field, in plain words; the summary only points to it.
    const onset = ae.locator(".field").filter({ has: inv.getByLabel(/^Onset study day/) });
    await expect.poll(() => onset.locator(".field-error").textContent()).toMatch(/integer|whole/);
    await ae.getByText("Not saved — please correct the field marked above.").waitFor();
    await shot(inv, "patient-data-entry");
    await inv.close();

    const auditor = await open("/login");
    await logIn(auditor, "auditor");
    await auditor.goto(`${server.url}/trials/ESC-101-001/patients/101-010`);
    await auditor.getByRole("heading", { name: "Audit trail" }).waitFor();
    await expect.poll(() => auditor.getByRole("cell", { name: "adverseEvent.recorded" }).count()).toBe(1);
    await shot(auditor, "audit-trail");
    // When the session ends (cookie gone), the next page asks to log in again and returns afterwards.
    await auditor.context().clearCookies();
    await expectError(
      /status of 401/,
      () => auditor.getByRole("link", { name: "ESC-101-001" }).click(),
      async () => {
        await auditor.getByRole("heading", { name: "Log in" }).waitFor();
        await auditor.waitForLoadState("networkidle");
      },
    );
    await auditor.getByLabel("User name").fill("auditor");
    await auditor.getByLabel("Password").fill(PASSWORD);
    await auditor.getByRole("button", { name: "Log in" }).click();
    await auditor.getByRole("heading", { name: "Patients and DLT windows" }).waitFor();
    await auditor.close();
  });

  it("confirms an implausible dose, corrects and deletes records with a reason, and shows a change made meanwhile", async () => {
    const inv = await open("/login");
    await logIn(inv, "inv101");
    await inv.goto(`${server.url}/trials/ESC-101-001/patients/101-010`);
    await inv.getByRole("heading", { name: "Patient 101-010" }).waitFor();
    // The protocol's amount is shown beside the dose field; ten times it must be confirmed with a reason.
    const doseForm = inv.getByRole("form", { name: "Dose given" });
    await expect.poll(() => doseForm.textContent()).toMatch(/Protocol dose [\d.]+ mg \([\d.]+ mg\/kg × 72 kg/);
    const [, planned = "", perKg = ""] = (await doseForm.textContent())!.match(/Protocol dose ([\d.]+) mg \(([\d.]+) mg\/kg/)!;
    // The calculator fills in the protocol's amount.
    await doseForm.getByRole("button", { name: `Use the protocol dose (${planned} mg)` }).click();
    expect(await doseForm.getByLabel("Dose (mg)").inputValue()).toBe(planned);
    const tenfold = String(Number(planned) * 10);
    await doseForm.getByLabel("Dose (mg)").fill(tenfold);
    await expectError(/status of 422/, () => doseForm.getByRole("button", { name: "Save" }).click());
    await expect
      .poll(() => doseForm.getByRole("alert").textContent())
      .toMatch(new RegExp(`EXDOSE ${tenfold} is \\+900% from the protocol dose ${planned} mg.*Protocol dose: ${planned} mg`));
    await shot(inv, "patient-dose-confirmation");
    await doseForm.getByLabel("Reason to keep it as entered").fill("loading dose per amendment 2");
    await doseForm.getByRole("button", { name: "Save as entered" }).click();
    const doses = inv.getByRole("region", { name: "Doses" });
    await expect.poll(() => doses.getByRole("cell", { name: tenfold, exact: true }).count()).toBe(1);
    // Each study day with its calendar date: day 1 is the first dose.
    const firstDose = (await inv.getByText(/first dose \d{4}-\d{2}-\d{2}/).textContent())!.match(/first dose (\d{4}-\d{2}-\d{2})/)![1]!;
    expect(await doses.locator("tbody tr").first().locator("td").first().textContent()).toBe(`1${firstDose}`);
    // Corrected with a reason.
    await doses
      .getByRole("row", { name: new RegExp(tenfold) })
      .getByRole("button", { name: /Correct or delete/ })
      .click();
    const editor = inv.getByRole("form", { name: "Correct doses record" });
    await editor.getByLabel("EXDOSE").fill(planned);
    await editor.getByLabel("Reason for the change").fill("transcription error: a zero too many");
    await editor.getByRole("button", { name: "Save correction" }).click();
    await expect.poll(() => doses.getByRole("cell", { name: planned, exact: true }).count()).toBe(1);
    // Someone else corrects the adverse event while this user edits it: the change is shown, not overwritten.
    const events = inv.getByRole("region", { name: "Adverse events" });
    await events
      .getByRole("row", { name: /Febrile neutropenia/ })
      .getByRole("button", { name: /Correct or delete/ })
      .click();
    const aeEditor = inv.getByRole("form", { name: "Correct adverse events record" });
    const other = await inv.context().request.get(`${server.url}/api/trials/ESC-101-001/patients/101-010`);
    const [event] = (await other.json()).records["adverse-events"] as { id: string; version: number }[];
    const session = await (await inv.context().request.get(`${server.url}/api/auth/session`)).json();
    const meanwhile = await inv.context().request.put(`${server.url}/api/trials/ESC-101-001/records/${event!.id}`, {
      headers: { "x-csrf-token": session.csrfToken, origin: server.url },
      data: {
        record: { AETERM: "Febrile neutropenia", AETOXGR: 4, AEREL: "Y", AESTDY: 9, AECAT: "haematological" },
        reason: "grade per source",
        version: event!.version,
      },
    });
    expect(meanwhile.status()).toBe(200);
    await aeEditor.getByLabel("AEENDY").fill("11");
    await aeEditor.getByLabel("Reason for the change").fill("resolved on day 11");
    await expectError(/status of 409/, () => aeEditor.getByRole("button", { name: "Save correction" }).click());
    await expect
      .poll(() => aeEditor.getByRole("alert").textContent())
      .toMatch(/Someone else changed this record.*AETOXGR 4.*haematological/);
    await shot(inv, "patient-edit-conflict");
    await aeEditor.getByRole("button", { name: "Edit the current version" }).click();
    await aeEditor.getByLabel("AEENDY").fill("11");
    await aeEditor.getByRole("button", { name: "Save correction" }).click();
    await expect.poll(() => events.getByRole("row", { name: /Febrile neutropenia/ }).textContent()).toMatch(/4.*9.*11.*haematological/);
    // Deleted with a reason.
    await doses.getByRole("button", { name: /Correct or delete/ }).click();
    await editor.getByLabel("Reason for the change").fill("entered for the wrong patient");
    await editor.getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => doses.getByRole("cell", { name: planned, exact: true }).count()).toBe(0);
    // The registration is corrected like any record; the next dose is checked against the new weight.
    await inv.getByRole("button", { name: "Correct the registration…" }).click();
    const registration = inv.getByRole("form", { name: "Correct the registration" });
    await registration.getByLabel("WEIGHT").fill("70");
    await registration.getByLabel("Reason for the change").fill("weighed again on day 1");
    await registration.getByRole("button", { name: "Save correction" }).click();
    await expect.poll(() => inv.locator(".muted").first().textContent()).toMatch(/70 kg/);
    await expect.poll(() => doseForm.textContent()).toMatch(new RegExp(`Protocol dose ${Math.round(Number(perKg) * 70 * 10) / 10} mg`));
    await inv.close();

    const auditor = await open("/login");
    await logIn(auditor, "auditor");
    await auditor.goto(`${server.url}/trials/ESC-101-001/patients/101-010`);
    await auditor.getByRole("heading", { name: "Audit trail" }).waitFor();
    for (const type of ["administration.corrected", "administration.deleted", "adverseEvent.corrected", "patient.corrected"])
      await expect.poll(() => auditor.getByRole("cell", { name: type, exact: true }).count(), { message: type }).toBeGreaterThan(0);
    await expect.poll(() => auditor.getByRole("cell", { name: /confirmed as entered .*loading dose per amendment 2/ }).count()).toBe(1);
    await auditor.close();
  });

  it("opens the trial report with its plots, and works on a phone-sized screen", async () => {
    const page = await open("/login", 390);
    // Keyboard only: type, Tab to the next field, Enter to submit.
    await page.getByLabel("User name").focus();
    await page.keyboard.type("monitor");
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Portfolio" }).waitFor();
    await page.goto(`${server.url}/trials/ESC-101-001/report`);
    await page
      .getByRole("heading", { name: /ESC-101/ })
      .first()
      .waitFor();
    await page.locator("figure.chart svg").first().waitFor();
    expect(await page.locator("figure.chart").count()).toBeGreaterThanOrEqual(2);
    await shot(page, "report-phone");
    await page.close();
  });

  it("reports a reference trial from its file, computed in the browser like `escalate report`", async () => {
    const file = fileURLToPath(new URL("../../../examples/trastuzumab-dm1-phase1/trial.yaml", import.meta.url));
    const { report: expected, data } = trialReport(parseYaml(readFileSync(file, "utf8")));
    const page = await open("/reports");
    await page.getByLabel(/Trial file/).setInputFiles(file);
    // Its title and data cut, as the CLI's report gives them (issue 20).
    await page.getByRole("heading", { name: data.trial.title! }).waitFor();
    await expect.poll(() => page.getByText(`data cut ${data.trial.dataCutDate}`).count()).toBe(1);
    await expect.poll(() => page.getByText(`${expected.orr.responders}/${expected.orr.evaluable} =`).count()).toBe(1);
    await page.locator("figure.chart svg").first().waitFor();
    await shot(page, "report-reference-trial");
    // The example trials open with one click.
    await page.getByRole("button", { name: /huN901-DM1, phase I \(CD56-positive multiple myeloma\)/ }).click();
    await page.getByRole("heading", { name: /Phase I of huN901-DM1 in relapsed\/refractory CD56-positive multiple myeloma/ }).waitFor();
    await page.close();
  });

  it("serves the API documentation under the same security headers, without errors", async () => {
    const docs = await open("/api/docs");
    await docs.locator(".swagger-ui .info").waitFor();
    const response = await docs.request.get(`${server.url}/`);
    expect(response.headers()["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    await docs.close();
  });

  it("logged no console errors on any page", () => {
    expect(consoleErrors).toEqual([]);
  });
});
