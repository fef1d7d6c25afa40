import { createDesign, exactOperatingCharacteristics, simulate } from "@escalate/core";
import type { RunningServer } from "@escalate/server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_READY, DEMO_PASSWORD, overflowingElements, pageOverflow, shot, startDemo } from "./support.js";

/**
 * The server's capabilities as a trial team uses them in the browser (issue 20): the dashboard at a
 * glance, data queries between monitor and site, the trial-wide audit trail with its filters and
 * verification, accounts and roles, and the user's own account — each at desktop and phone widths.
 */
const PASSWORD = DEMO_PASSWORD;
const TRIAL = "ESC-101-001";

describe.skipIf(!BROWSER_READY)("the trial team's screens in Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  const consoleErrors: string[] = [];

  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, browser, close } = await startDemo());
  }, 60_000);

  afterAll(() => close?.());

  /** Each user's browser context, logged in once (sign-ins are rate-limited per address, as they should be). */
  const contexts = new Map<string, BrowserContext>();

  /** A page of `username`'s logged-in session at `path`. */
  async function as(username: string, path: string, width = 1280): Promise<Page> {
    let context = contexts.get(username);
    const fresh = context === undefined;
    if (!context) {
      context = await browser.newContext();
      contexts.set(username, context);
    }
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${username} ${path}: ${message.text()}`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`${username} ${path}: ${error.message}`));
    if (fresh) {
      await page.goto(`${server.url}/login?next=${encodeURIComponent(path)}`);
      await page.getByLabel("User name").fill(username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((url) => url.pathname === path);
    } else {
      await page.goto(`${server.url}${path}`);
    }
    return page;
  }

  /** Closes a page; a phone-width page must not overflow sideways. */
  async function done(page: Page) {
    if (page.viewportSize()!.width <= 400) expect(await pageOverflow(page), (await overflowingElements(page)).join(", ")).toBe(0);
    await page.close();
  }

  it("shows the trial at a glance: enrolment, the cohort filling, windows, queries and the next decision", async () => {
    for (const width of [1280, 390]) {
      const page = await as("chair", `/trials/${TRIAL}`, width);
      const glance = page.getByRole("region", { name: "At a glance" });
      await expect.poll(() => glance.getByText(/^\d+ patients$/).count()).toBe(1);
      await expect.poll(() => glance.getByText(/open, \d+ answered/).count()).toBe(1);
      expect(await glance.locator("dt").allTextContents()).toEqual([
        "Enrolled",
        "Current cohort",
        "DLT windows open",
        "DLTs",
        "Awaiting adjudication",
        "Data queries",
        "Next decision",
      ]);
      await shot(page, `trial-dashboard-${width}`);
      await done(page);
    }
  });

  it("lets a monitor query a field, the site answer it and the monitor close it, with the counts on the dashboard", async () => {
    const monitor = await as("monitor", `/trials/${TRIAL}/patients/101-001`);
    const queries = monitor.getByRole("region", { name: "Data queries" });
    await queries.getByText("No queries on this patient's data.").waitFor();
    const form = monitor.getByRole("form", { name: "Raise a data query" });
    const about = form.getByLabel("About");
    const firstRecord = (await about.locator("option").nth(1).getAttribute("value"))!;
    await about.selectOption(firstRecord);
    await form.getByLabel("Field (optional)").selectOption({ index: 1 });
    await form.getByLabel("Question to the site").fill("Please check the source document for this value.");
    await form.getByRole("button", { name: "Raise query" }).click();
    await queries.getByText("open: awaiting the site").waitFor();
    await shot(monitor, "query-raised");

    const site = await as("inv101", `/trials/${TRIAL}/patients/101-001`, 390);
    const answer = site.getByRole("form", { name: /Answer \(query on 101-001\)/ });
    await answer.getByLabel("Answer: message").fill("Checked: the value matches the source document.");
    await answer.getByRole("button", { name: "Answer" }).click();
    await site.getByText("answered", { exact: true }).waitFor();
    await shot(site, "query-answered-phone");
    await done(site);

    await monitor.reload();
    const close = monitor.getByRole("form", { name: /Close \(query on 101-001\)/ });
    await close.getByRole("button", { name: "Close" }).click();
    await monitor.getByRole("region", { name: "Data queries" }).getByText("closed", { exact: true }).waitFor();
    // The trial page lists it among the closed, linked to the patient.
    await monitor.goto(`${server.url}/trials/${TRIAL}`);
    const trialQueries = monitor.getByRole("region", { name: "Data queries" });
    await trialQueries.getByText("0 open, 0 answered, 1 closed.").waitFor();
    await trialQueries.getByLabel("Show").selectOption("closed");
    await expect.poll(() => trialQueries.getByRole("link", { name: "101-001" }).count()).toBe(1);
    await done(monitor);
  });

  it("gives the auditor the whole trail, filtered, as CSV with the same filters; an administrator verifies it", async () => {
    const auditor = await as("auditor", `/trials/${TRIAL}/audit`);
    const trail = auditor.getByRole("region", { name: "Audit trail events" });
    await trail.waitFor();
    const all = await trail.locator("tbody tr").count();
    await auditor.getByLabel("What").selectOption("dlt");
    await expect.poll(() => trail.locator("tbody tr").count()).toBeLessThan(all);
    const types = await trail.locator("tbody tr td:nth-child(5)").allTextContents();
    expect(new Set(types)).toEqual(new Set(["dlt.adjudicated"]));
    const csv = auditor.getByRole("link", { name: "Download as CSV" });
    expect(await csv.getAttribute("href")).toBe(`/api/trials/${TRIAL}/audit?type=dlt&format=csv`);
    const download = await auditor.request.get(`${server.url}${await csv.getAttribute("href")}`);
    expect((await download.text()).trim().split("\n").length - 1).toBe(types.length);
    await shot(auditor, "audit-trail");
    expect(await auditor.getByRole("button", { name: "Verify the audit trail" }).count()).toBe(0);
    await done(auditor);

    const admin = await as("admin", `/trials/${TRIAL}/audit`, 390);
    await admin.getByRole("button", { name: "Verify the audit trail" }).click();
    await admin.getByText(/Verified:.*no break found/).waitFor();
    await shot(admin, "audit-verified-phone");
    await done(admin);
  });

  it("lets an administrator create an account (the weak password named at its field) and grant it a site role", async () => {
    const admin = await as("admin", "/admin/users");
    const create = admin.getByRole("region", { name: "Create an account" });
    await create.getByLabel("User name").fill("inv103");
    await create.getByLabel("Full name").fill("Dr New Investigator");
    await create.getByLabel("First password").fill("password");
    await create.getByRole("button", { name: "Create account" }).click();
    // Said once, beside the field that caused it.
    const fieldError = create.locator(".field-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/12 characters/);
    expect(
      await create
        .getByRole("alert")
        .filter({ hasText: /12 characters/ })
        .count(),
    ).toBe(1);
    await create.getByLabel("First password").fill("tidal marble orchard lantern");
    await create.getByRole("button", { name: "Create account" }).click();
    await create.getByText("Account inv103 created.").waitFor();
    await admin.getByRole("cell", { name: "inv103", exact: true }).waitFor();
    await shot(admin, "accounts");

    await admin.goto(`${server.url}/trials/${TRIAL}`);
    // A new centre opens while the trial runs; the new investigator works there.
    const sites = admin.getByRole("region", { name: "Sites" });
    await sites.getByLabel("Site ID").fill("103");
    await sites.getByLabel("Site name").fill("Harbour Hospital");
    await sites.getByRole("button", { name: "Open the site" }).click();
    await sites.getByText("103: Harbour Hospital").waitFor();
    const team = admin.getByRole("region", { name: "Team and roles" });
    const grant = team.getByRole("form", { name: "Grant a role" });
    await grant.getByLabel("User name").fill("inv103");
    await grant.getByLabel("Role").selectOption("investigator");
    await grant.getByRole("combobox", { name: /^Site/ }).selectOption("103");
    await grant.getByRole("button", { name: "Grant role" }).click();
    const row = team.getByRole("row").filter({ hasText: "inv103" });
    await row.waitFor();
    await shot(admin, "trial-team");
    await row.getByRole("button", { name: "Revoke…" }).click();
    await row.getByLabel("Reason").fill("granted at the wrong site");
    await row.getByRole("button", { name: "Revoke", exact: true }).click();
    await expect.poll(() => team.getByRole("row").filter({ hasText: "inv103" }).count()).toBe(0);
    await done(admin);
  });

  it("lets a user change their own password, refusing a wrong current one at its field", async () => {
    const page = await as("coord101", "/account", 390);
    const form = page.getByRole("region", { name: "Change your password" });
    await form.getByLabel("Current password").fill("not my password");
    // The new password's field carries a hint in its label; the two new-password fields in their order.
    const [newPassword, repeat] = await form.locator('input[autocomplete="new-password"]').all();
    await newPassword!.fill("velvet harbour quartz meadow");
    await repeat!.fill("velvet harbour quartz meadow");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").first().waitFor();
    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByText(/Password changed/).waitFor();
    await shot(page, "account-phone");
    const tokens = page.getByRole("region", { name: "API tokens" });
    await tokens.getByLabel("Token name").fill("nightly export");
    await tokens.getByRole("button", { name: "Create token" }).click();
    await expect.poll(async () => ((await tokens.locator("code.token").textContent()) ?? "").length).toBeGreaterThan(20);
    await done(page);
  });

  it("queues a study from the design page on the server, shows its results as the core computes them, and cancels another", async () => {
    const page = await as("stat", "/design");
    await page.getByLabel("Simulated trials").fill("1000");
    await page.getByRole("button", { name: "Queue on the server" }).click();
    await page.waitForURL(/\/simulations\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: /Simulation study finished/ }).waitFor({ timeout: 60_000 });
    const table = page.getByRole("table", { name: /Operating characteristics/ });
    await table.waitFor();
    const jobId = page.url().split("/").at(-1)!;
    const job = await (await page.request.get(`${server.url}/api/simulations/${jobId}`)).json();
    const scenario = job.request.scenarios[0];
    const expected = simulate(createDesign(job.request.designs[0]), { truth: scenario.truth, trials: 1000, seed: job.request.seed });
    const firstRow = await table.locator("tbody tr").first().locator("td").allTextContents();
    expect(firstRow.slice(1, 1 + expected.selection.length).map((cell) => cell.split("%")[0])).toEqual(
      expected.selection.map((p) => (p * 100).toFixed(1)),
    );
    await shot(page, "simulation-study");

    // A long study (a million CRM trials per scenario), cancelled while it runs: the server stops it, and the list says so.
    await page.goto(`${server.url}/design`);
    await page
      .getByRole("combobox", { name: /^Design/ })
      .first()
      .selectOption("crm");
    await page.getByLabel("Simulated trials").fill("1000000");
    await page.getByRole("button", { name: "Queue on the server" }).click();
    await page.waitForURL(/\/simulations\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Cancel the study" }).click();
    await page.getByRole("heading", { name: /Simulation study cancelled/ }).waitFor();
    await page.goto(`${server.url}/simulations`);
    const list = page.getByRole("region", { name: "Simulation studies" });
    await expect.poll(() => list.getByText(/^cancelled: /).count()).toBe(1);
    await expect.poll(() => list.getByText(/^finished: /).count()).toBe(1);
    await shot(page, "simulation-studies");
    await done(page);
  });

  it("sets up a trial from a design file: dose levels follow the design, each problem shows at its field, cohort 1 opens", async () => {
    const admin = await as("admin", "/trials/new");
    await admin.getByLabel("Trial ID").fill("ESC-202-001");
    await admin.getByLabel("Compound", { exact: true }).fill("ESC-202");
    await admin.getByLabel("Title").fill("First-in-human study of ESC-202");
    // The design decides how many dose levels there are: three here.
    await admin.getByLabel(/Design file/).fill('{ "design": "boin", "target": 0.25, "doses": 3, "cohortSize": 3, "cohorts": 8 }');
    await expect.poll(() => admin.getByRole("heading", { name: "Dose levels (3, as the design has)" }).count()).toBe(1);
    for (const [i, amount] of ["0.6", "1.2", "0"].entries()) await admin.getByLabel(`Level ${i + 1} amount`).fill(amount);
    await admin.getByLabel("Site 1 ID").fill("201");
    await admin.getByLabel("Site 1 name").fill("City Hospital");
    // A zero dose is named beside its own field before anything is sent.
    const level3 = admin.locator(".field").filter({ has: admin.getByLabel("Level 3 amount") });
    await expect.poll(() => level3.locator(".field-error").textContent()).toMatch(/> ?0|greater than 0/);
    await admin.getByRole("button", { name: "Create the trial" }).click();
    expect(admin.url()).toMatch(/\/trials\/new$/);
    await admin.getByLabel("Level 3 amount").fill("2.4");
    await shot(admin, "new-trial");
    await admin.getByRole("button", { name: "Create the trial" }).click();
    await admin.waitForURL(/\/trials\/ESC-202-001$/);
    const cohorts = admin.getByRole("region", { name: "Dose levels and cohorts" });
    await expect.poll(() => cohorts.getByRole("row").filter({ hasText: "0.6 mg/kg" }).filter({ hasText: "open" }).count()).toBe(1);
    await done(admin);
  });

  it("gives each meeting printable minutes: the data, the reasons, the pathways as a table, every signature with its meaning", async () => {
    for (const width of [1280, 390]) {
      const page = await as("chair", `/trials/${TRIAL}`, width);
      const meeting = page.getByRole("article", { name: /Decision 1 after cohort 1/ });
      await meeting.getByText("Dose-transition pathways (next cohorts)").click();
      const pathways = meeting.getByRole("region", { name: "Dose-transition pathways" });
      // Four outcomes of the next 3 patients, each followed by four outcomes of the cohort after.
      await expect.poll(() => pathways.getByRole("row").count()).toBe(1 + 4 * 4);
      await expect.poll(() => pathways.getByRole("rowheader", { name: /^0 DLTs of 3 at / }).count()).toBe(1);
      await meeting.getByRole("link", { name: "Minutes of this meeting (printable)" }).click();
      await page.getByRole("heading", { name: /Escalation meeting 1: minutes/ }).waitFor();
      const signatures = page.getByRole("region", { name: "Signatures" });
      const row = signatures.getByRole("row", { name: /Dr Maria Chair/ });
      expect(await row.getByRole("cell").allTextContents()).toEqual([
        expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/),
        "approval",
        expect.stringMatching(/^[0-9a-f]{64}$/),
      ]);
      await page.getByRole("heading", { name: "The committee's decision" }).waitFor();
      await shot(page, `minutes-${width}`);
      await done(page);
    }
  });

  it("keeps a design in its link and a library, gives exact results and pathways, renders the protocol, and fits presets to the doses", async () => {
    const page = await as("stat", "/design");
    // Presets follow the dose count: four doses, four values per preset scenario.
    await page.getByLabel(/^Doses/).fill("4");
    await expect.poll(() => page.getByLabel("Scenario 1 true DLT probabilities").inputValue()).toMatch(/^[\d.]+(, [\d.]+){3}$/);
    await page.getByLabel("Target DLT probability").fill("0.25");
    // Every option a field, read from the design's schema; rules too. They write the design file's JSON.
    await page.locator("details.more-options summary").first().click();
    await page.getByRole("combobox", { name: /^extra safe/ }).selectOption("true");
    await page.getByRole("combobox", { name: /^Add a rule/ }).selectOption("stop-at-n-at-dose");
    await page.getByLabel(/^Rule 1 n/).fill("12");
    expect(JSON.parse(await page.getByLabel(/Other options/).inputValue())).toEqual({
      extraSafe: true,
      rules: [{ type: "stop-at-n-at-dose", n: 12 }],
    });
    await expect.poll(() => page.getByRole("region", { name: "Protocol text of design A" }).textContent()).toMatch(/12 patients/);
    await page.getByRole("button", { name: "Remove rule 1" }).click();
    await page.getByRole("combobox", { name: /^extra safe/ }).selectOption("");
    expect(await page.getByLabel(/Other options/).inputValue()).toBe("");
    // The protocol text is rendered (its decision table a real table), and still copied as Markdown.
    await expect.poll(() => page.getByRole("region", { name: "Protocol text of design A" }).getByRole("table").count()).toBeGreaterThan(0);
    // Pathways from a history typed as the R packages write it.
    await page.getByLabel(/Outcomes so far/).fill("1NNN");
    const pathways = page.getByRole("region", { name: "Dose-transition pathways" });
    await expect.poll(() => pathways.getByRole("rowheader", { name: /^0 DLTs of 3 at / }).count()).toBe(1);
    await page.getByLabel(/Outcomes so far/).fill("1NNX");
    await expect.poll(() => page.locator(".field-error").filter({ hasText: /N|T/ }).count()).toBeGreaterThan(0);
    await page.getByLabel(/Outcomes so far/).fill("");
    // Exact operating characteristics, as the core enumerates them.
    await page.getByRole("button", { name: "Exact operating characteristics" }).click();
    const table = page.getByRole("table", { name: /Exact operating characteristics/ });
    await table.waitFor({ timeout: 60_000 });
    const truth = (await page.getByLabel("Scenario 1 true DLT probabilities").inputValue()).split(",").map(Number);
    const expected = exactOperatingCharacteristics(createDesign({ design: "boin", target: 0.25, doses: 4, cohortSize: 3, cohorts: 10 }), {
      truth,
    });
    const firstRow = await table.locator("tbody tr").first().locator("td").allTextContents();
    expect(firstRow.slice(1, 5).map((cell) => cell.split("%")[0])).toEqual(expected.selection.map((p) => (p * 100).toFixed(1)));
    await shot(page, "design-exact-and-pathways");
    // The link holds the page: a reload keeps the target and doses.
    await page.reload();
    expect(await page.getByLabel("Target DLT probability").inputValue()).toBe("0.25");
    expect(await page.getByLabel(/^Doses/).inputValue()).toBe("4");
    // Saved in this browser, changed, then opened again.
    await page.getByRole("form", { name: "Save this design" }).getByLabel("Name").fill("BOIN 0.25, 4 doses");
    await page.getByRole("button", { name: "Save in this browser" }).click();
    await page.getByLabel("Target DLT probability").fill("0.33");
    await page.getByRole("listitem").filter({ hasText: "BOIN 0.25, 4 doses" }).getByRole("button", { name: "Open" }).click();
    expect(await page.getByLabel("Target DLT probability").inputValue()).toBe("0.25");
    await done(page);
    // A damaged link is refused with a reason, and the page starts from the defaults.
    const broken = await as("stat", "/design#s=broken");
    await broken.getByText(/The shared design could not be opened: the link is damaged/).waitFor();
    expect(await broken.getByLabel("Target DLT probability").inputValue()).toBe("0.3");
    await done(broken);
  });

  it("fits every page on a 390 px phone (no sideways scrolling: wide tables scroll in their own regions), accessibly", async () => {
    const pages = [
      "/design",
      "/reports",
      "/trials",
      "/trials/new",
      `/trials/${TRIAL}`,
      `/trials/${TRIAL}/patients/101-001`,
      `/trials/${TRIAL}/report`,
      `/trials/${TRIAL}/audit`,
      `/trials/${TRIAL}/decisions/1/minutes`,
      "/simulations",
      "/admin/users",
      "/account",
    ];
    const page = await as("admin", "/trials", 390);
    for (const path of pages) {
      await page.goto(`${server.url}${path}`);
      await page.locator("main h1").first().waitFor();
      await page.waitForLoadState("networkidle");
      expect(await pageOverflow(page), `${path}: ${(await overflowingElements(page)).join(", ")}`).toBe(0);
      // And each looked at, and checked for accessibility, at that width.
      await shot(page, `phone${path.replaceAll("/", "-")}`);
    }
    await done(page);
  });

  it("logged no console errors on any page", () => {
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});
