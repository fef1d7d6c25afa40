import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, DIALECTS, PASSWORD, patient, preparedDecision, type TestServer, TRIAL_ID } from "./test-support.js";

/**
 * Backfill places at the escalation meeting (issue 17): the committee opens them beside the next cohort,
 * only at doses below the next cohort's; they do not move dose finding.
 */
const T = `/api/trials/${TRIAL_ID}`;

describe.each(DIALECTS)("backfill places (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect);
  });
  afterAll(() => server?.close());

  it("opens them below the next cohort's dose only, beside it", async () => {
    const { chair } = server.clients;
    const id = await preparedDecision(server);
    const decision = (await chair.get(`${T}/decisions/${id}`)).json();
    expect(decision.recommendation).toMatchObject({ action: "escalate", dose: 2 });
    const atNext = await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept", backfill: [{ dose: 2, capacity: 3 }] });
    expect(atNext.statusCode).toBe(400);
    expect(atNext.json().issues).toContainEqual({
      path: "backfill.0.dose",
      value: 2,
      message: "must be below dose 2, the next cohort's: backfill treats patients at doses already cleared",
    });
    expect(
      (await chair.post(`${T}/decisions/${id}/resolution`, { outcome: "accept", backfill: [{ dose: 1, capacity: 2 }] })).statusCode,
    ).toBe(200);
    expect((await chair.post(`${T}/decisions/${id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(200);
    const cohorts = (await chair.get(`${T}/cohorts`)).json() as {
      number: number;
      doseLevel: number;
      kind: string;
      status: string;
      capacity: number;
    }[];
    expect(cohorts.map((c) => [c.number, c.doseLevel, c.kind, c.status, c.capacity])).toEqual([
      [1, 1, "dose-finding", "closed", 3],
      [2, 2, "dose-finding", "open", 3],
      [3, 1, "backfill", "open", 2],
    ]);
    // A patient in the backfill cohort is marked so in the trial's data (the design's history writes +1…).
    const { invA } = server.clients;
    const slot = (await invA.post(`${T}/slots`, { siteId: "A", cohort: 3 })).json();
    expect(slot).toMatchObject({ status: "reserved", cohort: 3 });
    const confirmed = await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient("A-010", "2026-02-20") });
    expect(confirmed.statusCode).toBe(201);
    const data = (await chair.get(`${T}/data`)).json() as { patients: { USUBJID: string; backfill?: boolean; doseLevel: number }[] };
    expect(data.patients.find((p) => p.USUBJID === "A-010")).toMatchObject({ doseLevel: 1, cohort: 3, backfill: true });
    expect(data.patients.find((p) => p.USUBJID === "A-001")!.backfill).toBeUndefined();
    // The site cannot claim it: the registration's backfill flag is the cohort's.
    const claim = await invA.post(`${T}/slots/${(await invA.post(`${T}/slots`, { siteId: "A", cohort: 2 })).json().id}/confirm`, {
      patient: { ...patient("A-011", "2026-02-20"), backfill: true },
    });
    expect(claim.statusCode).toBe(400);
  });
});

/** Three patients treated at dose 1 on 2026-01-10; A-001 has a partial response (−60%) on day 22, confirmed on day 50. */
async function treatFirstCohortWithAConfirmedResponder(server: TestServer): Promise<void> {
  const { invA } = server.clients;
  for (const id of ["A-001", "A-002", "A-003"]) {
    const slot = (await invA.post(`${T}/slots`, { siteId: "A" })).json();
    expect((await invA.post(`${T}/slots/${slot.id}/confirm`, { patient: patient(id, "2026-01-10") })).statusCode).toBe(201);
    expect((await invA.post(`${T}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(201);
  }
  for (const [day, size] of [
    [1, 30],
    [22, 12],
    [50, 12],
  ] as const) {
    const tumour = { TRLNKID: "T01", TRGRPID: "TARGET", TRDY: day, TRSTRESN: size, TRLOC: "liver" };
    expect((await invA.post(`${T}/patients/A-001/tumours`, tumour)).statusCode).toBe(201);
  }
}

describe.each(DIALECTS)("a design with a backfill rule (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, {
      design: { design: "boin", target: 0.25, doses: 3, stayOnOneOfThree: true, rules: [{ type: "backfill", maxPerDose: 12 }] },
    });
  });
  afterAll(() => server?.close());

  it("recommends backfill at doses below the next once a confirmed response is seen there", async () => {
    const { stat } = server.clients;
    await treatFirstCohortWithAConfirmedResponder(server);
    const prepared = await stat.post(`${T}/decisions`);
    expect(prepared.statusCode).toBe(201);
    const decision = prepared.json();
    expect(decision.basedOn.outcomes).toBe("1ENN");
    expect(decision.recommendation).toMatchObject({ action: "escalate", dose: 2, backfill: [1] });
  });
});

describe.each(DIALECTS)("an efficacy-aware design, BOIN12 (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { design: { design: "boin12", doses: 3 } });
  });
  afterAll(() => server?.close());

  it("decides from confirmed responses too, and the meeting shows the desirability scores and the OBD", async () => {
    const { stat } = server.clients;
    await treatFirstCohortWithAConfirmedResponder(server);
    const decision = (await stat.post(`${T}/decisions`)).json();
    expect(decision.basedOn.outcomes).toBe("1ENN");
    expect(decision.recommendation).toMatchObject({ obd: 1, rds: [{ dose: 1 }, { dose: 2 }, { dose: 3 }] });
    expect(decision.recommendation.why.map((r: { code: string }) => r.code)).toContain("boin12-desirability");
  });
});
