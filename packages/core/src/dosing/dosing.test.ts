import { describe, expect, it } from "vitest";
import { bodySurfaceArea } from "./body-surface-area.js";
import { administeredAmount } from "./dose-amount.js";
import { administrationCalendar, doseIntensity, summariseSchedule } from "./schedule.js";

describe("body surface area", () => {
  it("follows each formula (180 cm, 80 kg)", () => {
    expect(bodySurfaceArea(180, 80, "mosteller")).toBe(2); // √(180·80/3600) = √4
    // 0.007184 · 80^0.425 · 180^0.725 and 0.024265 · 80^0.5378 · 180^0.3964, evaluated by hand with logarithms.
    expect(bodySurfaceArea(180, 80, "dubois")).toBeCloseTo(1.9963, 3);
    expect(bodySurfaceArea(180, 80, "haycock")).toBeCloseTo(2.0064, 3);
  });

  it("refuses implausible measurements, naming the field (a unit error, e.g. metres or pounds)", () => {
    expect(() => bodySurfaceArea(1.8, 80)).toThrow(/height: 1.8 is not allowed; must be in 30..250 cm/);
    expect(() => bodySurfaceArea(180, 800)).toThrow(/weight: 800/);
  });
});

describe("administered amount", () => {
  it("multiplies mg/kg by actual weight, with a weight cap", () => {
    expect(administeredAmount({ amount: 3.6, unit: "mg/kg" }, 170, 70).mg).toBeCloseTo(252, 10);
    const capped = administeredAmount({ amount: 3.6, unit: "mg/kg" }, 190, 110, { maxWeightKg: 100 });
    expect(capped).toMatchObject({ mg: 360, capped: true, basis: 100 });
    expect(capped.explanation).toMatch(/weight capped at 100 kg/);
  });

  it("multiplies mg/m² by BSA, with a BSA cap and rounding", () => {
    const dose = administeredAmount({ amount: 75, unit: "mg/m2" }, 180, 80);
    expect(dose.mg).toBeCloseTo(150, 10); // BSA 2.0 (Mosteller)
    const big = administeredAmount({ amount: 75, unit: "mg/m2" }, 195, 110, { maxBsa: 2.0, roundToMg: 5 });
    expect(big).toMatchObject({ mg: 150, capped: true });
    const rounded = administeredAmount({ amount: 75, unit: "mg/m2" }, 165, 62, { roundToMg: 5 });
    expect(rounded.exactMg).toBeCloseTo(75 * Math.sqrt((165 * 62) / 3600), 10);
    expect(rounded.mg % 5).toBe(0);
    expect(Math.abs(rounded.mg - rounded.exactMg)).toBeLessThanOrEqual(2.5);
  });

  it("gives flat doses as they are", () => {
    expect(administeredAmount({ amount: 200, unit: "mg" }, 170, 70).mg).toBe(200);
  });
});

describe("schedules", () => {
  const q3w = { cycleDays: 21, days: [1] };
  const weeklyTwoInThree = { cycleDays: 21, days: [1, 8] };
  const weeklyTwoInFour = { cycleDays: 28, days: [1, 8] };

  it("expands to a calendar with cycle and day numbers", () => {
    expect(administrationCalendar(weeklyTwoInThree, 2)).toEqual([
      { cycle: 1, day: 1, offset: 0 },
      { cycle: 1, day: 8, offset: 7 },
      { cycle: 2, day: 1, offset: 21 },
      { cycle: 2, day: 8, offset: 28 },
    ]);
  });

  it("counts doses and duration: 12 cycles of weekly ×2 every 3 weeks = 24 doses over 36 weeks", () => {
    expect(summariseSchedule(weeklyTwoInThree, 12).description).toBe("12 cycles = 24 doses over 36 weeks");
    expect(summariseSchedule(q3w, 12)).toMatchObject({ administrations: 12, durationWeeks: 36 });
    expect(summariseSchedule(weeklyTwoInFour, 6)).toMatchObject({ administrations: 12, durationWeeks: 24, perWeek: 0.5 });
  });

  it("finds missed, reduced and delayed doses and the relative dose intensity", () => {
    const result = doseIntensity(q3w, 4, 100, [
      { offset: 0, amount: 100 },
      { offset: 21, amount: 100 },
      { offset: 49, amount: 75 }, // cycle 3 a week late and reduced
    ]);
    expect(result.missed).toEqual([{ cycle: 4, day: 1, offset: 63 }]);
    expect(result.delayed).toEqual([{ planned: { cycle: 3, day: 1, offset: 42 }, delayDays: 7 }]);
    expect(result.reduced).toEqual([{ planned: { cycle: 3, day: 1, offset: 42 }, amount: 75 }]);
    // (275 mg over 84 + 7 days) / (400 mg over 84 days)
    expect(result.relativeDoseIntensity).toBeCloseTo(275 / 91 / (400 / 84), 12);
  });

  it("refuses malformed schedules", () => {
    expect(() => administrationCalendar({ cycleDays: 21, days: [8, 1] }, 1)).toThrow(/days.1: 1 .*increasing/);
    expect(() => administrationCalendar({ cycleDays: 21, days: [22] }, 1)).toThrow(/days.0: 22 .*1..21/);
  });
});
