import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * A dosing schedule as data: cycles of `cycleDays` days with administrations on the listed days of
 * each cycle (1-based), e.g. once every 3 weeks = { cycleDays: 21, days: [1] }; weekly ×2 in a
 * 3-week cycle = { cycleDays: 21, days: [1, 8] }; weekly ×2 in a 4-week cycle = { cycleDays: 28, days: [1, 8] }.
 */
export interface Schedule {
  cycleDays: number;
  days: number[];
}

export interface PlannedAdministration {
  /** 1-based cycle and day within the cycle. */
  cycle: number;
  day: number;
  /** Days since the first administration (study day 1 = 0). */
  offset: number;
}

export function checkSchedule(schedule: Schedule): void {
  const issues: ValidationIssue[] = [];
  if (!(Number.isInteger(schedule.cycleDays) && schedule.cycleDays >= 1 && schedule.cycleDays <= 365)) {
    issues.push({ path: "cycleDays", value: schedule.cycleDays, message: "must be an integer in 1..365" });
  }
  if (schedule.days.length === 0) issues.push({ path: "days", value: schedule.days, message: "must list at least one day" });
  schedule.days.forEach((day, i) => {
    if (!(Number.isInteger(day) && day >= 1 && day <= schedule.cycleDays)) {
      issues.push({ path: `days.${i}`, value: day, message: `must be an integer in 1..${schedule.cycleDays} (cycleDays)` });
    } else if (i > 0 && day <= schedule.days[i - 1]!) {
      issues.push({ path: `days.${i}`, value: day, message: "must be after the previous day (increasing)" });
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, "schedule");
}

/** The planned administrations of `cycles` cycles. */
export function administrationCalendar(schedule: Schedule, cycles: number): PlannedAdministration[] {
  checkSchedule(schedule);
  if (!(Number.isInteger(cycles) && cycles >= 1 && cycles <= 1000)) {
    throw new ValidationError([{ path: "cycles", value: cycles, message: "must be an integer in 1..1000" }], "schedule");
  }
  const calendar: PlannedAdministration[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    for (const day of schedule.days) calendar.push({ cycle, day, offset: (cycle - 1) * schedule.cycleDays + day - 1 });
  }
  return calendar;
}

export interface ScheduleSummary {
  administrations: number;
  /** Days from the first administration to the end of the last cycle. */
  durationDays: number;
  durationWeeks: number;
  /** Planned administrations per week. */
  perWeek: number;
  description: string;
}

/** "12 cycles = 24 doses over 36 weeks". */
export function summariseSchedule(schedule: Schedule, cycles: number): ScheduleSummary {
  const administrations = administrationCalendar(schedule, cycles).length;
  const durationDays = cycles * schedule.cycleDays;
  const weeks = durationDays / 7;
  return {
    administrations,
    durationDays,
    durationWeeks: weeks,
    perWeek: (7 * schedule.days.length) / schedule.cycleDays,
    description: `${cycles} cycle${cycles === 1 ? "" : "s"} = ${administrations} dose${administrations === 1 ? "" : "s"} over ${Number.isInteger(weeks) ? weeks : weeks.toFixed(1)} weeks`,
  };
}

export interface ActualAdministration {
  /** Days since the first planned administration. */
  offset: number;
  /** Amount given, in the dose's unit (or mg). */
  amount: number;
}

export interface DoseIntensity {
  /** Amount per week actually given / planned amount per week, over the period covered. */
  relativeDoseIntensity: number;
  planned: number;
  given: number;
  missed: PlannedAdministration[];
  reduced: { planned: PlannedAdministration; amount: number }[];
  /** Planned administrations given late, with the delay in days. */
  delayed: { planned: PlannedAdministration; delayDays: number }[];
}

/**
 * Compares actual administrations with the plan: each planned administration is matched to the first
 * unmatched actual one within `windowDays` after it (a delay), or counted as missed; a matched dose
 * below the planned amount is a reduction. Relative dose intensity = (total given / actual duration) /
 * (total planned / planned duration), where the actual duration is the planned one stretched by the
 * delay of the latest administration given (delays push the rest of the treatment back).
 */
export function doseIntensity(
  schedule: Schedule,
  cycles: number,
  plannedAmount: number,
  actual: readonly ActualAdministration[],
  windowDays = 7,
): DoseIntensity {
  const plan = administrationCalendar(schedule, cycles);
  const used = new Array<boolean>(actual.length).fill(false);
  const sorted = actual.map((a, i) => ({ ...a, i })).sort((a, b) => a.offset - b.offset);
  const missed: PlannedAdministration[] = [];
  const reduced: DoseIntensity["reduced"] = [];
  const delayed: DoseIntensity["delayed"] = [];
  /** The delay of the latest administration given: the treatment period stretches by it. */
  let lastGiven = -1;
  let stretch = 0;
  for (const planned of plan) {
    const match = sorted.find((a) => !used[a.i] && a.offset >= planned.offset - 1 && a.offset <= planned.offset + windowDays);
    if (!match) {
      missed.push(planned);
      continue;
    }
    used[match.i] = true;
    if (match.offset > lastGiven) {
      lastGiven = match.offset;
      stretch = Math.max(0, match.offset - planned.offset);
    }
    if (match.offset > planned.offset) delayed.push({ planned, delayDays: match.offset - planned.offset });
    if (match.amount < plannedAmount - 1e-9) reduced.push({ planned, amount: match.amount });
  }
  const given = actual.reduce((sum, a) => sum + a.amount, 0);
  const plannedTotal = plan.length * plannedAmount;
  const plannedDuration = cycles * schedule.cycleDays;
  const actualDuration = plannedDuration + stretch;
  return {
    relativeDoseIntensity: given / actualDuration / (plannedTotal / plannedDuration),
    planned: plannedTotal,
    given,
    missed,
    reduced,
    delayed,
  };
}
