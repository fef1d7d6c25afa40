import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, DIALECTS, PASSWORD, patient, type TestServer, TRIAL_ID } from "./test-support.js";

/**
 * Conduct with a time-to-event design (TITE-BOIN, issue 17): the meeting decides with patients still in
 * their DLT window; when too many are pending it recommends suspending accrual, and a signed suspension
 * opens no cohort and leaves the cohort to a later meeting.
 */
const T = `/api/trials/${TRIAL_ID}`;
const DAY = 86_400_000;

describe.each(DIALECTS)("a TITE-BOIN trial (%s)", (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer(dialect, { design: { design: "tite-boin", target: 0.25, doses: 3, window: 21 } });
  });
  afterAll(() => server?.close());

  const advance = async (days: number) => {
    server.clock.now = new Date(server.clock.now.getTime() + days * DAY);
    for (const client of Object.values(server.clients)) await client.login();
  };

  it("suspends accrual while most of the cohort is pending; the signed suspension opens no cohort", async () => {
    const { invA, invB, stat, chair } = server.clients;
    for (const [client, id, site] of [
      [invA, "A-001", "A"],
      [invA, "A-002", "A"],
      [invB, "B-001", "B"],
    ] as const) {
      const slot = (await client.post(`${T}/slots`, { siteId: site })).json();
      expect((await client.post(`${T}/slots/${slot.id}/confirm`, { patient: patient(id, "2026-03-01") })).statusCode).toBe(201);
      expect((await client.post(`${T}/patients/${id}/administrations`, { EXSTDY: 1, EXDOSE: 84 })).statusCode).toBe(201);
    }
    await advance(7); // day 8: 8 of 21 days followed by each (day 1 is the first dose), all three pending
    const prepared = await stat.post(`${T}/decisions`);
    expect(prepared.statusCode).toBe(201);
    const decision = prepared.json();
    expect(decision.basedOn.outcomes).toBe("1N[8]N[8]N[8]");
    expect(decision.recommendation).toMatchObject({ action: "suspend", dose: 1, pending: 3 });
    expect(decision.recommendation.stft).toBeCloseTo(24 / 21, 9);
    expect((await chair.post(`${T}/decisions/${decision.id}/resolution`, { outcome: "accept" })).statusCode).toBe(200);
    expect((await chair.post(`${T}/decisions/${decision.id}/signature`, { password: PASSWORD, meaning: "approval" })).statusCode).toBe(200);
    const cohorts = (await chair.get(`${T}/cohorts`)).json() as { number: number; status: string }[];
    expect(cohorts.map((c) => [c.number, c.status])).toEqual([[1, "full"]]);

    // Two weeks later every window has ended without DLT: the next meeting escalates.
    await advance(15);
    const later = await stat.post(`${T}/decisions`);
    expect(later.statusCode).toBe(201);
    expect(later.json().recommendation).toMatchObject({ action: "escalate", dose: 2, pending: 0 });
  });
});
