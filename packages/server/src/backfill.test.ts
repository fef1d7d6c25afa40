import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, DIALECTS, PASSWORD, preparedDecision, type TestServer, TRIAL_ID } from "./test-support.js";

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
  });
});
