import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { exactOperatingCharacteristics } from "../simulate/exact.js";
import { normalizeRules } from "./normalize.js";
import { RULE_MODULES, RULE_TYPES, type RuleSpecInput, ruleSpec } from "./schema.js";

const base = { design: "boin", target: 0.3, doses: 4, cohorts: 6 } as const;
const withRules = (rules: RuleSpecInput[], extra: Record<string, unknown> = {}) => createDesign({ ...base, ...extra, rules });

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("rules", () => {
  it("stop-at-n stops dose finding once N patients have been treated", () => {
    const design = withRules([{ type: "stop-at-n", n: 9 }]);
    expect(design.decide("1NNN 2NNN").stop).toBe(false);
    const stopped = design.decide("1NNN 2NNN 3NTN");
    expect(stopped.stop).toBe(true);
    expect(stopped.mtd).toBe(3);
    expect(stopped.reasons.join(" ")).toMatch(/9 patients have been treated \(stop-at-n rule\)/);
  });

  it("stop-at-n-at-dose stops when the recommended dose already has N patients", () => {
    const design = withRules([{ type: "stop-at-n-at-dose", n: 6 }]);
    // 1 of 3 at dose 2 → stay at dose 2, which has only 3: go on.
    expect(design.decide("1NNN 2NTN").dose).toBe(2);
    // 1 of 6 at dose 2 → BOIN would escalate to dose 3 (0 patients): go on.
    expect(design.decide("1NNN 2NTN 2NNN").dose).toBe(3);
    // 2 of 6 at dose 2 → stay at dose 2, which has 6: stop.
    expect(design.decide("1NNN 2NTN 2NTN").stop).toBe(true);
  });

  it("stop-at-n-enrolled stops once a dose has N patients, whatever dose would come next", () => {
    const anyDose = withRules([{ type: "stop-at-n-enrolled", n: 6 }]);
    // 3 of 6 at dose 2 → BOIN would de-escalate to dose 1 (3 patients), but dose 2 has 6: stop.
    const stopped = anyDose.decide("1NNN 2NTN 2TNT");
    expect(stopped.stop).toBe(true);
    expect(stopped.reasons.join(" ")).toMatch(/Dose 2 has 6 patients \(stop-at-n-enrolled rule, n = 6\): stop/);
    // stop-at-n-at-dose looks at the next dose instead, and goes on.
    expect(withRules([{ type: "stop-at-n-at-dose", n: 6 }]).decide("1NNN 2NTN 2TNT").dose).toBe(1);
    // A cap on dose 1 only: dose 2 may fill up, dose 1 may not.
    const doseOne = withRules([{ type: "stop-at-n-enrolled", n: 6, dose: 1 }]);
    expect(doseOne.decide("1NNN 2NTN 2TNT").dose).toBe(1);
    expect(doseOne.decide("1NNN 2NTN 2TNT 1TNN").stop).toBe(true);
    // The tighter of two caps on one dose holds, in either order.
    const twice = (a: number, b: number) =>
      normalizeRules(
        [
          { type: "stop-at-n-enrolled", n: a, dose: 2 },
          { type: "stop-at-n-enrolled", n: 10 },
          { type: "stop-at-n-enrolled", n: b, dose: 2 },
        ],
        0.3,
      ).enrolmentCaps;
    expect(twice(9, 6)).toEqual([
      { dose: -1, n: 10 },
      { dose: 1, n: 6 },
    ]);
    expect(twice(6, 9)).toEqual(twice(9, 6));
    expect(() => withRules([{ type: "stop-at-n-enrolled", n: 6, dose: 5 }])).toThrow(/rules.0.dose: 5 .*must be a dose in 1..4/);
  });

  it("stop-when-too-toxic eliminates by posterior probability: 3/3 DLTs give P(p > 0.3) = 1 − 0.3⁴ = 0.9919", () => {
    // BOIN's own elimination is raised to 0.999 so that only the rule can close the dose.
    const rule = (confidence: number) => withRules([{ type: "stop-when-too-toxic", confidence }], { eliminationCutoff: 0.999 });
    expect(rule(0.99).decide("1NNN 2TTT").admissible).toEqual([true, false, false, false]);
    expect(rule(0.992).decide("1NNN 2TTT").admissible).toEqual([true, true, true, true]);
    const onlyRule = withRules([{ type: "stop-when-too-toxic", threshold: 0.2, confidence: 0.9, minPatients: 3 }], {
      eliminationCutoff: 0.999,
    });
    // 2 of 3 at dose 1 with threshold 0.2: P = 1 − I_0.2(3, 2) = 1 − (4·0.2³ − 3·0.2⁴) = 0.9728 > 0.9 → stop.
    const decision = onlyRule.decide("1TTN");
    expect(decision.stop).toBe(true);
    expect(decision.mtd).toBeNull();
    expect(decision.reasons.join(" ")).toMatch(/P\(DLT rate > 0.2\) = 0.973 > 0.9/);
    // Below minPatients the rule waits.
    expect(onlyRule.decide("1TT").stop).toBe(false);
  });

  it("requires a threshold for stop-when-too-toxic when the design has no target", () => {
    expect(() => createDesign({ design: "three-plus-three", doses: 3, rules: [{ type: "stop-when-too-toxic", confidence: 0.9 }] })).toThrow(
      /rules.0.threshold: is required when the design has no target/,
    );
  });

  it("stops an expansion cohort early when a safety rule closes the MTD, and re-selects the MTD", () => {
    const design = withRules([{ type: "expansion", patients: 9 }], { cohorts: 3 });
    const opening = design.decide("1NNN 2NNN 3NTN");
    expect(opening).toMatchObject({ phase: "expansion", dose: 3, mtd: 3 });
    // 3 + 3 + 3 expansion patients at dose 3 with 5 DLTs of 9: P(p > 0.3 | Beta(6, 5)) > 0.95 eliminates it.
    const closed = design.decide("1NNN 2NNN 3NTN 3TTN 3TTN");
    expect(closed.stop).toBe(true);
    expect(closed.mtd).toBe(2);
    expect(closed.reasons.join(" ")).toMatch(/no longer safe/);
    // `mtd` agrees with `next`: the closed expansion dose is no longer the MTD.
    expect(design.selectMtd("1NNN 2NNN 3NTN 3TTN 3TTN").mtd).toBe(2);
  });

  it("refuses two expansion cohorts", () => {
    expect(() => withRules([{ type: "expansion", patients: 3 }], { expansion: 6 })).toThrow(/only one expansion cohort/);
  });

  it("gives the same decisions and exact operating characteristics in every order of composition", () => {
    const rules: RuleSpecInput[] = [
      { type: "stop-when-too-toxic", confidence: 0.8, minPatients: 3 },
      { type: "stop-when-too-toxic", threshold: 0.4, confidence: 0.6 },
      { type: "stop-at-n-at-dose", n: 9 },
      { type: "no-skipping" },
      { type: "expansion", patients: 3 },
    ];
    const orders = permutations(rules);
    expect(orders).toHaveLength(120);
    const reference = withRules(rules);
    const histories = [
      "",
      "1NNN",
      "1NNN 2NTN",
      "1NNN 2NTT 1NNN",
      "1NNN 2NNN 3TTN",
      "1NNN 2NNN 3NTN 3NNN 3NTN",
      "1TTN",
      "1NNN 2TNN 2TNN 2NNN",
    ];
    const truth = [0.1, 0.25, 0.4, 0.55];
    const expected = exactOperatingCharacteristics(reference, { truth });
    for (const order of orders) {
      const design = withRules(order);
      for (const history of histories) {
        const { reasons: _r, ...decision } = design.decide(history);
        const { reasons: _s, ...wanted } = reference.decide(history);
        expect(decision, `${history} with ${order.map((r) => r.type).join(", ")}`).toEqual(wanted);
      }
    }
    for (const order of orders.slice(0, 12)) expect(exactOperatingCharacteristics(withRules(order), { truth })).toEqual(expected);
  });
});

describe("rules as modules", () => {
  it("register each rule once, its schema in the union, and describe it only when in force", () => {
    expect(ruleSpec.options.map((option) => option.shape.type.value).sort()).toEqual([...RULE_TYPES].sort());
    expect(new Set(RULE_TYPES).size).toBe(RULE_MODULES.length);
    const none = normalizeRules([], 0.3, undefined, true);
    for (const module of RULE_MODULES) expect(module.describe(none), module.type).toEqual([]);
    const all = normalizeRules(
      [
        { type: "stop-at-n", n: 24 },
        { type: "stop-at-n-at-dose", n: 9 },
        { type: "stop-at-n-enrolled", n: 12 },
        { type: "no-skipping" },
        { type: "stop-when-too-toxic", confidence: 0.9, minPatients: 3, prior: [1, 1] },
        { type: "expansion", patients: 6 },
        { type: "backfill", maxPerDose: 12 },
      ],
      0.3,
    );
    // A randomized stage and an expansion cohort both follow dose finding, so they cannot be given together.
    const randomized = normalizeRules(
      [{ type: "randomized", doses: "selected-and-lower", perArm: 20, boundary: 2, allocation: { method: "blocks" } }],
      0.3,
    );
    for (const module of RULE_MODULES)
      expect(module.describe(all).length + module.describe(randomized).length, module.type).toBeGreaterThan(0);
  });

  it("names every rule that is wrong, by its place in the list", () => {
    expect(() =>
      normalizeRules(
        [
          { type: "backfill", maxPerDose: 12 },
          { type: "stop-when-too-toxic", confidence: 0.9, minPatients: 1, prior: [1, 1] },
          { type: "backfill", maxPerDose: 6 },
        ],
        undefined,
      ),
    ).toThrow(/rules\.1\.threshold: is required when the design has no target[\s\S]*rules\.2: only one backfill rule may be given/);
  });
});
