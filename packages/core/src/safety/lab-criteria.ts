/**
 * The shape of versioned lab-grading criteria (e.g. CTCAE v5.0): plain data, graded by `gradeLab`.
 * A grade's condition compares the value (converted to the criterion's unit) with a reference:
 * an absolute number, a multiple of the upper or lower limit of normal, or a multiple of baseline.
 * A condition on baseline only applies when a baseline is known (it is an alternative route to a grade).
 */
export interface LabCondition {
  op: "<" | "<=" | ">" | ">=";
  ref: "absolute" | "ULN" | "LLN" | "baseline";
  /** The number (absolute) or the multiple (ULN, LLN, baseline). */
  value: number;
}

export interface LabGrade {
  grade: 1 | 2 | 3 | 4;
  /** Every condition must hold. */
  when: LabCondition[];
  /** Why the lab value alone cannot settle this grade (e.g. it also needs symptoms). */
  note?: string;
}

export interface LabCriterion {
  /** CTCAE term. */
  term: string;
  /** SDTM LBTESTCD. */
  test: string;
  direction: "low" | "high";
  /** The unit the thresholds are written in; values in any unit of the same kind are converted (UCUM). */
  unit: string;
  grades: LabGrade[];
  /**
   * Thresholds as the criteria print them in another unit (CTCAE gives conventional and SI values that
   * are rounded separately, e.g. calcium 13.5 mg/dL vs 3.4 mmol/L): used as written for values in that unit.
   */
  gradesByUnit?: Record<string, LabGrade[]>;
  /** When the baseline is abnormal (above ULN), these grades replace `grades` (CTCAE v5 for liver tests). */
  abnormalBaselineGrades?: LabGrade[];
  /** Set when the lab value alone never grades this term. */
  notGradableFromLab?: string;
}

export interface LabCriteriaSet {
  name: string;
  version: string;
  source: string;
  criteria: LabCriterion[];
}
