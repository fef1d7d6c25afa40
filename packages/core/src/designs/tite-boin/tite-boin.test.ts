import { describe, expect, it } from "vitest";
import { simulate } from "../../simulate/monte-carlo.js";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import type { PendingRow } from "../method.js";

interface Cell {
  n: number;
  dlts: number;
  pending: number;
  decision: string;
  stftAtLeast?: number;
}
interface Published {
  tite_boin_yuan_2018: {
    tables: { target: number; cells: Cell[] }[];
    trial_example: {
      target: number;
      window: number;
      doses: number;
      cases: { outcomes: string; action: string; dose: number; stft: number }[];
    };
  };
  tite_boin_ess_lin_yuan_2020: { target: number; cell: Cell };
}
interface FullTables {
  tite_boin_yuan_2018: {
    full_tables: {
      tables: {
        target: number;
        rows: {
          n: number;
          dlts: [number, number | null];
          pending: [number, number | null];
          decision: string;
          stftAtLeast?: number;
          stftAtMost?: number;
        }[];
      }[];
    };
  };
}
const published = loadFixture<Published>("published-values.json");

const titeBoin = (target: number, extra: Record<string, unknown> = {}) =>
  createDesign({ design: "tite-boin", target, doses: 5, cohorts: 10, window: 90, ...extra });
const cellOf = (rows: PendingRow[], { n, dlts, pending }: Cell) => rows.find((r) => r.n === n && r.dlts === dlts && r.pending === pending);

describe("TITE-BOIN's decision table with pending patients (Yuan et al. 2018)", () => {
  // Table 1 and Table S1 of the paper, row by row: 320 states each at the ends of cohorts of 3 (n ≤ 15).
  const full = loadFixture<FullTables>("published-values.json").tite_boin_yuan_2018.full_tables.tables;
  const CODES: Record<string, string> = {
    E: "escalate",
    S: "stay",
    D: "de-escalate",
    DE: "eliminate",
    SUS: "suspend",
    ES: "escalate",
    SD: "stay",
  };
  for (const table of full) {
    it(`reproduces every cell of the published table at target ${table.target}`, () => {
      const rows = titeBoin(table.target).pendingTable();
      let cells = 0;
      for (const row of table.rows) {
        for (let y = row.dlts[0]; y <= (row.dlts[1] ?? row.n); y++) {
          for (let m = row.pending[0]; m <= Math.min(row.n - y, row.pending[1] ?? row.n); m++) {
            const cell = cellOf(rows, { n: row.n, dlts: y, pending: m, decision: "" })!;
            const where = `${row.n}/${y}/${m}`;
            expect(cell.decision, where).toBe(CODES[row.decision]);
            expect(cell.stftAtLeast === null ? null : Number(cell.stftAtLeast.toFixed(2)), where).toBe(row.stftAtLeast ?? null);
            expect(cell.stftAtMost === null ? null : Number(cell.stftAtMost.toFixed(2)), where).toBe(row.stftAtMost ?? null);
            cells++;
          }
        }
      }
      expect(cells).toBe(320);
    });
  }

  for (const table of published.tite_boin_yuan_2018.tables) {
    it(`reproduces the published cells at target ${table.target}`, () => {
      const rows = titeBoin(table.target).pendingTable();
      for (const cell of table.cells) {
        const row = cellOf(rows, cell)!;
        expect(row.decision, `${cell.n}/${cell.dlts}/${cell.pending}`).toBe(cell.decision);
        if (cell.stftAtLeast === undefined) expect(row.stftAtLeast).toBeNull();
        // Printed to 2 decimals in the paper.
        else expect(Math.abs(row.stftAtLeast! - cell.stftAtLeast)).toBeLessThanOrEqual(0.005);
      }
    });
  }

  it("reproduces the effective-sample-size variant (Lin & Yuan 2020)", () => {
    const { target, cell } = published.tite_boin_ess_lin_yuan_2020;
    const row = cellOf(titeBoin(target, { variant: "ess" }).pendingTable(), cell)!;
    expect(row.decision).toBe(cell.decision);
    expect(row.stftAtLeast).toBeCloseTo(cell.stftAtLeast!, 4);
  });

  it("with nobody pending, is BOIN's table", () => {
    const design = titeBoin(0.25);
    const boin = createDesign({ design: "boin", target: 0.25, doses: 5, cohorts: 10 }).boundaries().table;
    expect(design.boundaries().table).toEqual(boin);
    for (const row of design.pendingTable().filter((r) => r.pending === 0)) {
      const bounds = boin[row.n - 1]!;
      const expected =
        bounds.eliminate !== null && row.dlts >= bounds.eliminate
          ? "eliminate"
          : bounds.deescalate !== null && row.dlts >= bounds.deescalate
            ? "de-escalate"
            : bounds.escalate !== null && row.dlts <= bounds.escalate
              ? "escalate"
              : "stay";
      expect(row.decision, `${row.n}/${row.dlts}`).toBe(expected);
    }
  });

  it("de-escalates at y/n equal to the target, as the published tables do (15 patients, 3 DLTs at 0.2)", () => {
    const rows = titeBoin(0.2).pendingTable();
    const cell = cellOf(rows, { n: 15, dlts: 3, pending: 3, decision: "" })!;
    expect(cell.decision).toBe("stay");
    expect(cell.stftAtMost).toBeGreaterThan(0);
    // Below the target (1 of 6), pending patients never make it de-escalate, however short their follow-up.
    expect(cellOf(rows, { n: 6, dlts: 1, pending: 3, decision: "" })!.stftAtMost).toBeNull();
  });

  it("states each threshold where the estimate crosses the boundary (checked on a grid of STFT values)", () => {
    const design = titeBoin(0.2);
    const history = (n: number, y: number, m: number, stft: number) => {
      // y DLTs and n − y − m completed patients, then m pending sharing the follow-up (days of a 90-day window).
      const done = n - m;
      const complete = `1${"T".repeat(y)}${"N".repeat(done - y)}`;
      const each = (stft / m) * 90;
      return `${done > 0 ? `${complete} ` : ""}1${Array.from({ length: m }, () => `N[${each}]`).join("")}`;
    };
    for (const row of design.pendingTable()) {
      if (row.n > 12 || row.pending === 0 || row.decision === "suspend" || row.decision === "eliminate") continue;
      if (row.n - row.pending === 0) continue;
      for (const fraction of [0.05, 0.35, 0.65, 0.95]) {
        const stft = fraction * row.pending;
        const decision = design.decide(history(row.n, row.dlts, row.pending, stft));
        const expected =
          row.stftAtLeast !== null
            ? stft >= row.stftAtLeast
              ? "escalate"
              : "stay"
            : row.stftAtMost !== null
              ? stft > row.stftAtMost
                ? "stay"
                : "de-escalate"
              : row.decision;
        // At dose 1, "de-escalate" stays at the lowest dose.
        const action = expected === "de-escalate" ? "stay" : expected;
        expect(decision.action, `${row.n}/${row.dlts}/${row.pending} at STFT ${stft}`).toBe(action);
        expect(decision.stft).toBeCloseTo(stft, 9);
      }
    }
  });

  it("decides the paper's trial example", () => {
    const { target, window, doses, cases } = published.tite_boin_yuan_2018.trial_example;
    const design = createDesign({ design: "tite-boin", target, doses, cohorts: 10, window });
    for (const example of cases) {
      const decision = design.decide(example.outcomes);
      expect(decision.action).toBe(example.action);
      expect(decision.dose).toBe(example.dose);
      expect(decision.stft).toBeCloseTo(example.stft, 2);
    }
  });

  it("suspends accrual while more than half the current dose's patients are pending", () => {
    const decision = titeBoin(0.2).decide("1NNN 2N[10]N[5]N");
    expect(decision.action).toBe("suspend");
    expect(decision.dose).toBe(2);
    expect(decision.pending).toBe(2);
    expect(decision.reasons.join(" ")).toMatch(/suspend accrual/);
    expect(titeBoin(0.2, { maxPendingFraction: 0.7 }).decide("1NNN 2N[10]N[5]N").action).toBe("escalate");
  });

  it("states its rules and its pending-patient table in the protocol", () => {
    const text = titeBoin(0.2).describe();
    expect(text).toContain("Beta(0.1, 0.9)");
    expect(text).toContain("| 9 | 1 | 4 | escalate if STFT ≥ 2.15, otherwise stay |");
    expect(text).toContain("| 3 | 0 | 2 | suspend accrual |");
  });
});

describe("TITE-BOIN simulation", () => {
  const truth = [0.05, 0.12, 0.25, 0.4, 0.55];

  it("is reproducible, and with each cohort completing before the next is BOIN within Monte Carlo error", () => {
    const slow = titeBoin(0.25, { arrivalInterval: 90 });
    const a = simulate(slow, { truth, trials: 4000, seed: 3 });
    expect(simulate(slow, { truth, trials: 4000, seed: 3 })).toEqual(a);
    const boin = simulate(createDesign({ design: "boin", target: 0.25, doses: 5, cohorts: 10 }), { truth, trials: 4000, seed: 9 });
    for (let d = 0; d < truth.length; d++) {
      const se = Math.sqrt((2 * 0.25) / 4000);
      expect(Math.abs(a.selection[d]! - boin.selection[d]!)).toBeLessThan(4 * se);
    }
  });

  it("with fast accrual, selects about as well as BOIN waiting for every cohort, because it suspends accrual when it must", () => {
    // A cohort every 10 days, 90-day window. Without suspension the design decides on too little data.
    const pcs = (spec: Record<string, unknown>) =>
      simulate(createDesign({ target: 0.25, doses: 5, cohorts: 10, ...spec }), { truth, trials: 2000, seed: 5 }).selection[2]!;
    const boin = pcs({ design: "boin" });
    const fast = pcs({ design: "tite-boin", window: 90, arrivalInterval: 10 });
    const neverWaits = pcs({ design: "tite-boin", window: 90, arrivalInterval: 10, maxPendingFraction: 0.99 });
    expect(Math.abs(fast - boin)).toBeLessThan(0.05);
    expect(neverWaits).toBeLessThan(fast - 0.05);
  });
});
