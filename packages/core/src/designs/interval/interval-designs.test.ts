import { describe, expect, it } from "vitest";
import { loadFixture } from "../../test-support/fixtures.js";
import { createDesign } from "../design.js";
import { partitionAroundTarget, strongestInterval } from "./key-intervals.js";

interface KeyboardTables {
  tables: Record<string, { n: number[]; escalate: (number | null)[]; deescalate: (number | null)[]; eliminate: (number | null)[] }>;
}
const keyboardTables = loadFixture<KeyboardTables>("keyboard-boundaries.json").tables;

describe("equal-width intervals", () => {
  it("lays keys side by side around the target key and truncates the end keys at 0 and 1", () => {
    const partition = partitionAroundTarget(0.25, 0.35);
    const edges = Array.from(partition.lowers, (lower, i) => [lower, partition.uppers[i]!].map((x) => Number(x.toFixed(10))));
    expect(edges[0]).toEqual([0, 0.05]);
    expect(edges[partition.targetIndex]).toEqual([0.25, 0.35]);
    expect(edges.at(-1)).toEqual([0.95, 1]);
    expect(edges).toHaveLength(11);
  });

  it("never leaves a sliver of an interval from rounding (target 0.25: 0.2 − 2 × 0.1 is 5.6e-17, not 0)", () => {
    const partition = partitionAroundTarget(0.2, 0.3);
    expect(partition.lowers[0]).toBe(0);
    expect(partition.uppers[0]! - partition.lowers[0]!).toBeGreaterThan(0.09);
    expect(partition.uppers.at(-1)).toBe(1);
  });

  it("scores truncated end intervals per unit width, so 0 of 1 patients escalates even for a low target", () => {
    // Target 0.1 with margins 0.05: the only interval below the target key is [0, 0.05], half as wide.
    const partition = partitionAroundTarget(0.05, 0.15);
    expect(strongestInterval(partition, 1, 0, "target")).toBe(0);
  });
});

describe.each(["keyboard", "mtpi2"] as const)("%s decision table", (design) => {
  const margins = design === "keyboard" ? { marginBelow: 0.05, marginAbove: 0.05 } : { epsilon1: 0.05, epsilon2: 0.05 };

  // Keyboard's rescaled keys and mTPI-2's unit probability mass are the same score, so both designs
  // must reproduce the Keyboard package's tables.
  it.each(Object.keys(keyboardTables))("matches the Keyboard R package for target %s", (target) => {
    const published = keyboardTables[target]!;
    const table = createDesign({ design, target: Number(target), doses: 5, cohorts: 10, ...margins }).boundaries().table;
    published.n.forEach((n, i) => {
      const row = table.find((r) => r.n === n)!;
      expect(row.escalate, `n = ${n}: escalate`).toBe(published.escalate[i]);
      expect(row.deescalate, `n = ${n}: de-escalate`).toBe(published.deescalate[i]);
      // Elimination needs at least 3 patients in conduct (see the fixture's note).
      expect(row.eliminate, `n = ${n}: eliminate`).toBe(n < 3 ? null : published.eliminate[i]);
    });
  });
});

describe("interval validation", () => {
  it("names the margin that pushes the interval out of (0, 1), with its value", () => {
    expect(() => createDesign({ design: "keyboard", target: 0.1, doses: 3, marginBelow: 0.12 })).toThrow(
      /marginBelow: 0.12 is not allowed; must be < target \(0.1\)/,
    );
    expect(() => createDesign({ design: "mtpi2", target: 0.9, doses: 3, epsilon2: 0.2 })).toThrow(/epsilon2: 0.2 .*ends below 1/);
  });

  it("refuses a decision table too long to tabulate", () => {
    expect(() => createDesign({ design: "keyboard", target: 0.3, doses: 3, cohorts: 200, cohortSize: 3 }).boundaries()).toThrow(
      /at most 300 are tabulated/,
    );
  });
});

describe("mTPI-2", () => {
  const mtpi2 = createDesign({ design: "mtpi2", target: 0.3, doses: 5, cohorts: 10 });

  it("blunts Ockham's razor: 3 of 6 DLTs de-escalates (mTPI would stay)", () => {
    expect(mtpi2.decide("1NNN 2NNN 2TTT").action).toBe("de-escalate");
    expect(mtpi2.decide("1NNN 2NNN 2TTT".replace("2TTT", "2TTN")).action).toBe("stay");
  });

  it("selects the MTD from isotonic posterior means under Beta(0.005, 0.005)", () => {
    const selection = mtpi2.selectMtd("1NNN 2NNN 2NNT 3NTN 3TNN");
    expect(selection.estimates![0]).toBeCloseTo(0.005 / 3.01, 12);
    expect(selection.estimates![1]).toBeCloseTo(1.005 / 6.01, 12);
    expect(selection.estimates![2]).toBeCloseTo(2.005 / 6.01, 12);
    expect(selection.mtd).toBe(3);
  });
});

describe("Keyboard", () => {
  it("selects the MTD as BOIN does (select.mtd.kb example: n = 3,3,15,9,0, y = 0,0,4,4,0 → dose 3)", () => {
    const keyboard = createDesign({ design: "keyboard", target: 0.3, doses: 5, cohorts: 10 });
    expect(keyboard.selectMtd("1NNN 2NNN 3TTTTNNNNNNNNNNN 4TTTTNNNNN").mtd).toBe(3);
  });

  it("names the strongest key in its reasons", () => {
    const keyboard = createDesign({ design: "keyboard", target: 0.3, doses: 5, cohorts: 10 });
    expect(keyboard.decide("1NNN").reasons.join(" ")).toMatch(/strongest key lies below the target key \[0.25, 0.35\]: escalate/);
  });
});
