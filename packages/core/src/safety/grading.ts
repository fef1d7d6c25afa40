import { canonicalTestCode, conversionFactor, readUnit } from "../units/units.js";
import { ValidationError } from "../validation.js";
import { CTCAE_V5 } from "./ctcae-v5.js";
import type { LabCondition, LabCriteriaSet, LabCriterion } from "./lab-criteria.js";

export interface LabResult {
  /** SDTM LBTESTCD, e.g. "PLAT". */
  test: string;
  /** LBSTRESN. */
  value: number;
  /** LBSTRESU. */
  unit: string;
  /** Reference limits and baseline, in the same unit as the value. */
  lln?: number;
  uln?: number;
  baseline?: number;
}

export interface LabGrading {
  term: string;
  /** 0 (not a grade-1 abnormality) to 4; null when the value cannot be graded. */
  grade: number | null;
  /** Why (thresholds met, the rule used) or why not gradable. */
  reason: string;
  /** Set when symptoms or interventions could raise the grade beyond what the value shows. */
  note?: string;
}

const OPS: Record<LabCondition["op"], (a: number, b: number) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function describeCondition(condition: LabCondition, unit: string): string {
  const target =
    condition.ref === "absolute" ? `${condition.value} ${unit}` : `${condition.value === 1 ? "" : `${condition.value} × `}${condition.ref}`;
  return `${condition.op} ${target}`;
}

/** Grades one lab value against one criterion. */
function gradeWith(criterion: LabCriterion, result: LabResult, set: LabCriteriaSet): LabGrading {
  const base = { term: criterion.term };
  if (criterion.notGradableFromLab) return { ...base, grade: null, reason: criterion.notGradableFromLab };
  // Units are compared and converted as UCUM reads them (units/units.ts): any spelling of a unit, any
  // unit of the same kind, mass ↔ substance with the analyte's molar mass.
  const reading = readUnit(result.unit, criterion.test);
  if (!reading.ok) return { ...base, grade: null, reason: reading.reason };
  const ownUnit = Object.keys(criterion.gradesByUnit ?? {}).find((unit) => {
    const own = readUnit(unit, criterion.test);
    return own.ok && own.value === reading.value;
  });
  const ownGrades = ownUnit === undefined ? undefined : criterion.gradesByUnit![ownUnit];
  const unit = ownUnit ?? criterion.unit;
  const conversion = conversionFactor(result.unit, unit, criterion.test);
  if (!conversion.ok) {
    return {
      ...base,
      grade: null,
      reason: `${conversion.reason}; ${set.name} v${set.version} grades ${criterion.test} in ${criterion.unit}`,
    };
  }
  const factor = conversion.value;
  const value = result.value * factor;
  const references: Record<LabCondition["ref"], number | undefined> = {
    absolute: 1,
    ULN: result.uln === undefined ? undefined : result.uln * factor,
    LLN: result.lln === undefined ? undefined : result.lln * factor,
    baseline: result.baseline === undefined ? undefined : result.baseline * factor,
  };
  const abnormalBaseline =
    criterion.abnormalBaselineGrades !== undefined &&
    references.baseline !== undefined &&
    references.ULN !== undefined &&
    references.baseline > references.ULN;
  const grades = abnormalBaseline ? criterion.abnormalBaselineGrades! : (ownGrades ?? criterion.grades);
  let met = 0;
  let metText = "";
  let note: string | undefined;
  const missing = new Set<string>();
  let unknownAbove = 0;
  for (const grade of grades) {
    let holds = true;
    let unknown = false;
    for (const condition of grade.when) {
      const reference = references[condition.ref];
      if (reference === undefined && condition.ref === "baseline") {
        holds = false; // a baseline rule is an alternative route, open only when the baseline is known
        continue;
      }
      if (reference === undefined) {
        unknown = true;
        missing.add(condition.ref);
        continue;
      }
      if (!OPS[condition.op](value, condition.ref === "absolute" ? condition.value : condition.value * reference)) holds = false;
    }
    if (holds && !unknown && grade.grade >= met) {
      met = grade.grade;
      metText = grade.when.map((c) => describeCondition(c, unit)).join(" and ");
      note = grade.note;
    } else if (unknown && holds) {
      unknownAbove = Math.max(unknownAbove, grade.grade);
    }
  }
  if (unknownAbove > met) {
    return { ...base, grade: null, reason: `needs ${[...missing].join(" and ")} to decide between grade ${met} and grade ${unknownAbove}` };
  }
  const rule = abnormalBaseline ? " (baseline abnormal: multiples of baseline)" : "";
  const shown = `${Number(value.toPrecision(6))} ${unit}`;
  if (met === 0) return { ...base, grade: 0, reason: `${shown} does not meet grade 1${rule}` };
  return { ...base, grade: met, reason: `${shown} ${metText}${rule}`, ...(note ? { note } : {}) };
}

/**
 * Grades a lab result by every criterion for its test (a test such as potassium has a "low" and a "high"
 * term). Criteria are data: CTCAE v5.0 by default.
 */
export function gradeLab(result: LabResult, set: LabCriteriaSet = CTCAE_V5): LabGrading[] {
  if (!Number.isFinite(result.value))
    throw new ValidationError([{ path: "value", value: result.value, message: "must be a number" }], "lab result");
  const test = canonicalTestCode(result.test);
  const criteria = set.criteria.filter((criterion) => criterion.test === test);
  if (criteria.length === 0) {
    return [{ term: result.test, grade: null, reason: `${set.name} v${set.version} has no lab criterion for test "${result.test}"` }];
  }
  return criteria.map((criterion) => gradeWith(criterion, result, set));
}

/** The worst grade of a lab result over its criteria (null if none could be graded). */
export function worstLabGrade(result: LabResult, set: LabCriteriaSet = CTCAE_V5): LabGrading {
  const gradings = gradeLab(result, set);
  const graded = gradings.filter((g) => g.grade !== null);
  if (graded.length === 0) return gradings[0]!;
  return graded.reduce((a, b) => (b.grade! > a.grade! ? b : a));
}
