import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "./audit/verify.js";
import {
  createTestServer,
  DIALECTS,
  PASSWORD,
  patient,
  RANDOMIZED_DESIGN,
  storeRandomizationSecret,
  TEST_RANDOMIZATION_SECRET,
  type TestServer,
  TRIAL_ID,
  treatCohortOneAtDoseTwo,
} from "./test-support.js";

/**
 * The randomized dose-comparison stage in conduct (issue 18): it opens when dose finding stops as the
 * design recommends; the server allocates each patient at registration (the site sees the arm in the
 * answer only), never exposes the seed, logs every allocation, and the comparison meetings follow ROSE.
 */
const T = `/api/trials/${TRIAL_ID}`;

const SECRET = TEST_RANDOMIZATION_SECRET;

describe.each(DIALECTS)("a randomized stage after dose finding (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { design: RANDOMIZED_DESIGN });
  });
  afterAll(() => server?.close());

  /** Registers a patient in the open randomized cohort; returns the allocated arm and dose level. */
  async function randomize(id: string, ecog: string): Promise<{ randomizedArm: number; doseLevel: number }> {
    const { invA } = server.clients;
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    const registered = await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient(id, "2026-01-10"), factors: { ecog } });
    expect(registered.statusCode, registered.body).toBe(201);
    const mg = registered.json().doseLevel === 2 ? 168 : 84;
    expect((await invA.post(`${T}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: mg })).statusCode).toBe(201);
    return registered.json();
  }

  /** Target-lesion measurements: a confirmed partial response, or stable disease. */
  async function assess(id: string, responds: boolean) {
    for (const [day, size] of [
      [1, 30],
      [22, responds ? 12 : 29],
      [50, responds ? 12 : 29],
    ] as const) {
      const tumour = { TRLNKID: "T01", TRGRPID: "TARGET", TRDY: day, TRSTRESN: size, TRLOC: "liver" };
      expect((await server.clients.invA.post(`${T}/patients/${id}/tumours`, tumour)).statusCode).toBe(201);
    }
  }

  async function decideAndSign(): Promise<Record<string, unknown>> {
    const { stat, chair } = server.clients;
    const prepared = await stat.post(`${T}/decisions`);
    expect(prepared.statusCode, prepared.body).toBe(201);
    const id = prepared.json().id;
    // The comparison follows the protocol's rule: an override is refused, naming why.
    const override = await chair.post(`${T}/decisions/${id}/resolution`, {
      outcome: "override",
      action: "stop",
      reason: "prefer the higher dose",
    });
    expect(override.statusCode).toBe(400);
    expect(override.json().issues[0]).toMatchObject({ path: "outcome", value: "override" });
    expect((await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    expect((await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(200);
    return prepared.json();
  }

  it("opens when dose finding stops, allocates at registration, and selects by ROSE at the interim and the end", async () => {
    const { chair, invA, stat, auditor } = server.clients;
    // Cohort 1 at dose 2, no DLT.
    const id = await treatCohortOneAtDoseTwo(server);
    const stop = (await chair.get(`${T}/decisions/${id}`)).json();
    expect(stop.recommendation).toMatchObject({
      action: "stop",
      mtd: 2,
      randomized: { doses: [1, 2], perArm: 2, boundary: 0, interim: { perArm: 1, boundary: 0 }, allocation: "minimization" },
    });
    expect(stop.recommendation.reasons.at(-1)).toContain("randomize 2 patients per arm between dose 1 (1.2 mg/kg) and dose 2 (2.4 mg/kg)");
    expect((await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    // The server draws the secret when the stage opens; one stored beforehand is kept, so this test's
    // allocations are reproducible.
    await storeRandomizationSecret(server);
    expect((await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(200);

    const trial = (await invA.get(`${T}`)).json();
    expect(trial.status).toBe("randomized-stage");
    expect(trial.randomization).toMatchObject({ method: "minimization", arms: [1, 2], factors: { ecog: ["0", "1"] }, status: "enrolling" });
    expect(trial.cohorts.at(-1)).toMatchObject({ number: 2, kind: "randomized", capacity: 2, arms: [1, 2] });

    // A missing or undeclared factor level is named; nothing is allocated or registered.
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    const bad = await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("R-000", "2026-01-10"), factors: { ecog: "2" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toContainEqual({ path: "factors.ecog", value: "2", message: "must be one of 0, 1" });
    expect((await invA.post(`${T}/slots/${slot.id}/release`, { reason: "wrong factor" })).statusCode).toBe(200);

    // Stage 1 (interim at one per arm). R-002 has another ECOG level, so minimization sees no imbalance
    // for it and draws its arm at random; with this secret the arms are 2 and 1.
    const first = await randomize("R-001", "0");
    const second = await randomize("R-002", "1");
    expect([first, second]).toMatchObject([
      { doseLevel: 2, randomizedArm: 2, allocation: 1 },
      { doseLevel: 1, randomizedArm: 1, allocation: 2 },
    ]);

    // The meeting waits for every randomized patient's response assessment.
    const waiting = await stat.post(`${T}/decisions`);
    expect(waiting.statusCode).toBe(409);
    expect(waiting.json().issues.map((i: { path: string }) => i.path)).toEqual(["patients.R-001", "patients.R-002"]);

    // Dose 2's patient responds, dose 1's does not: dose 2 leads by 1 (> 0) at the interim, so the stage goes on.
    await assess("R-001", true);
    await assess("R-002", false);
    const interim = await decideAndSign();
    expect(interim.comparison).toMatchObject({ stage: "interim", action: "continue", arms: [1, 2], patients: [1, 1], responses: [0, 1] });
    expect((interim.comparison as { reasons: string[] }).reasons[0]).toBe(
      "Interim, 1 per arm: responses dose 1 0/1, dose 2 1/1; dose 2 exceeds dose 1 by 1 (more than 0): continue to 2 per arm.",
    );
    expect((await invA.get(`${T}`)).json().cohorts.at(-1)).toMatchObject({ number: 3, kind: "randomized", capacity: 2, status: "open" });

    // Stage 2: minimization balances each ECOG level (R-003 joins dose 1, R-004 dose 2); dose 2's respond.
    const third = await randomize("R-003", "0");
    const fourth = await randomize("R-004", "1");
    expect([third.doseLevel, fourth.doseLevel]).toEqual([1, 2]);
    await assess("R-003", false);
    await assess("R-004", true);
    const final = await decideAndSign();
    expect(final.comparison).toMatchObject({ stage: "final", action: "select", selected: 2, patients: [2, 2], responses: [0, 2] });
    expect(final.recommendation).toMatchObject({ action: "stop", mtd: 2, phase: "randomized" });
    // The dose-finding history never includes the randomized patients (they are the comparison's).
    expect((final.basedOn as { outcomes: string }).outcomes).toBe("");
    const done = (await invA.get(`${T}`)).json();
    expect(done.status).toBe("dose-selected");
    expect(done.randomization.status).toBe("complete");

    // Every allocation is an audit event; the seed appears in no answer and no event.
    const events = (await auditor.get(`${T}/audit?format=json`)).json() as { type: string; subject: string }[];
    const allocations = events.filter((e) => e.type === "patient.randomized");
    expect(allocations.map((e) => e.subject)).toEqual(["R-001", "R-002", "R-003", "R-004"]);
    const { seed } = (await server.store.db.selectFrom("randomization_secrets").select("seed").executeTakeFirstOrThrow()) as {
      seed: string;
    };
    expect(seed).toBe(SECRET);
    for (const body of [JSON.stringify(events), JSON.stringify(done), JSON.stringify((await chair.get(`${T}/decisions`)).json())])
      expect(body).not.toContain(seed.slice(0, 12));
    expect((await verifyAudit(server.store.db)).ok).toBe(true);
  });

  it("detects a swapped seed", async () => {
    // The stage is complete; a swapped seed would change allocations unseen, so verification names it.
    await server.store.db
      .updateTable("randomization_secrets")
      .set({ seed: "0".repeat(64) })
      .execute();
    const report = await verifyAudit(server.store.db);
    expect(report.problems).toContain(`randomization of trial ${TRIAL_ID}: the stored seed is not the one whose digest was logged`);
  });
});
