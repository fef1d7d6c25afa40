import type { LabCondition, LabCriteriaSet, LabCriterion, LabGrade } from "./lab-criteria.js";

// Shorthands for the data below.
const below = (value: number): LabCondition => ({ op: "<", ref: "absolute", value });
const above = (value: number): LabCondition => ({ op: ">", ref: "absolute", value });
const belowLln: LabCondition = { op: "<", ref: "LLN", value: 1 };
const aboveUln = (multiple = 1): LabCondition => ({ op: ">", ref: "ULN", value: multiple });
const aboveBaseline = (multiple: number): LabCondition => ({ op: ">", ref: "baseline", value: multiple });
const atLeastBaseline = (multiple: number): LabCondition => ({ op: ">=", ref: "baseline", value: multiple });

/** Decreased counts: grade 1 below LLN, then below each absolute threshold. */
function decreased(thresholds: [number, number, number?]): LabGrade[] {
  const [g2, g3, g4] = thresholds;
  const grades: LabGrade[] = [
    { grade: 1, when: [belowLln] },
    { grade: 2, when: [below(g2)] },
    { grade: 3, when: [below(g3)] },
  ];
  if (g4 !== undefined) grades.push({ grade: 4, when: [below(g4)] });
  return grades;
}

/** Increased, in multiples of ULN (grade 1 above ULN). */
function increasedUln(g2: number, g3: number, g4: number): LabGrade[] {
  return [
    { grade: 1, when: [aboveUln()] },
    { grade: 2, when: [aboveUln(g2)] },
    { grade: 3, when: [aboveUln(g3)] },
    { grade: 4, when: [aboveUln(g4)] },
  ];
}

/** Increased in multiples of an abnormal baseline (CTCAE v5 liver tests). */
function increasedBaseline(g1: LabCondition, g2: number, g3: number, g4: number): LabGrade[] {
  return [
    { grade: 1, when: [g1] },
    { grade: 2, when: [aboveBaseline(g2)] },
    { grade: 3, when: [aboveBaseline(g3)] },
    { grade: 4, when: [aboveBaseline(g4)] },
  ];
}

/**
 * Liver enzymes in CTCAE v5: grades at multiples of ULN (grade 1 above ULN), or, when the baseline was
 * abnormal, at multiples of baseline with the same grade 2–4 multiples and its own grade 1 threshold.
 */
function enzyme(term: string, test: string, multiples: [number, number, number], abnormalGrade1: LabCondition): LabCriterion {
  const [g2, g3, g4] = multiples;
  return {
    term,
    test,
    direction: "high",
    unit: "U/L",
    grades: increasedUln(g2, g3, g4),
    abnormalBaselineGrades: increasedBaseline(abnormalGrade1, g2, g3, g4),
  };
}

/**
 * CTCAE v5.0 (US DHHS/NIH/NCI, 27 November 2017): the laboratory terms graded from a value, in SI units
 * with the conventional units they are often reported in. Grade 5 (death) is never a lab grade.
 */
export const CTCAE_V5: LabCriteriaSet = {
  name: "CTCAE",
  version: "5.0",
  source: "Common Terminology Criteria for Adverse Events (CTCAE) v5.0, US DHHS, NIH, NCI, November 27, 2017",
  criteria: [
    {
      term: "Platelet count decreased",
      test: "PLAT",
      direction: "low",
      unit: "10^9/L",
      grades: decreased([75, 50, 25]),
    },
    {
      term: "Neutrophil count decreased",
      test: "NEUT",
      direction: "low",
      unit: "10^9/L",
      grades: decreased([1.5, 1.0, 0.5]),
    },
    {
      term: "White blood cell decreased",
      test: "WBC",
      direction: "low",
      unit: "10^9/L",
      grades: decreased([3.0, 2.0, 1.0]),
    },
    {
      term: "Lymphocyte count decreased",
      test: "LYM",
      direction: "low",
      unit: "10^9/L",
      grades: decreased([0.8, 0.5, 0.2]),
    },
    {
      term: "Anemia",
      test: "HGB",
      direction: "low",
      unit: "g/L",
      // Grade 4 (life-threatening; urgent intervention) is clinical, not a lab threshold.
      grades: decreased([100, 80]),
    },
    enzyme("Alanine aminotransferase increased", "ALT", [3, 5, 20], atLeastBaseline(1.5)),
    enzyme("Aspartate aminotransferase increased", "AST", [3, 5, 20], atLeastBaseline(1.5)),
    {
      term: "Blood bilirubin increased",
      test: "BILI",
      direction: "high",
      unit: "umol/L",
      grades: increasedUln(1.5, 3, 10),
      abnormalBaselineGrades: increasedBaseline(aboveBaseline(1.0), 1.5, 3, 10),
    },
    enzyme("Alkaline phosphatase increased", "ALP", [2.5, 5, 20], atLeastBaseline(2.0)),
    enzyme("GGT increased", "GGT", [2.5, 5, 20], atLeastBaseline(2.0)),
    {
      term: "Creatinine increased",
      test: "CREAT",
      direction: "high",
      unit: "umol/L",
      // Grades 2 and 3 also count multiples of baseline (> 1.5× and > 3.0×); the higher grade applies.
      grades: [
        { grade: 1, when: [aboveUln()] },
        { grade: 2, when: [aboveUln(1.5)] },
        { grade: 2, when: [aboveBaseline(1.5), aboveUln()] },
        { grade: 3, when: [aboveUln(3)] },
        { grade: 3, when: [aboveBaseline(3), aboveUln()] },
        { grade: 4, when: [aboveUln(6)] },
      ],
    },
    {
      term: "Hypokalemia",
      test: "K",
      direction: "low",
      unit: "mmol/L",
      grades: [
        { grade: 1, when: [belowLln], note: "grade 2 if symptomatic with intervention indicated" },
        { grade: 3, when: [below(3.0)] },
        { grade: 4, when: [below(2.5)] },
      ],
    },
    {
      term: "Hyperkalemia",
      test: "K",
      direction: "high",
      unit: "mmol/L",
      grades: [
        { grade: 1, when: [aboveUln()] },
        { grade: 2, when: [above(5.5)] },
        { grade: 3, when: [above(6.0)] },
        { grade: 4, when: [above(7.0)] },
      ],
    },
    {
      term: "Hyponatremia",
      test: "SODIUM",
      direction: "low",
      unit: "mmol/L",
      grades: [
        { grade: 1, when: [belowLln] },
        { grade: 2, when: [below(130)], note: "grade 3 if symptomatic" },
        { grade: 3, when: [below(125)] },
        { grade: 4, when: [below(120)] },
      ],
    },
    {
      term: "Hypernatremia",
      test: "SODIUM",
      direction: "high",
      unit: "mmol/L",
      grades: [
        { grade: 1, when: [aboveUln()] },
        { grade: 2, when: [above(150)] },
        { grade: 3, when: [above(155)] },
        { grade: 4, when: [above(160)] },
      ],
    },
    {
      term: "Hypocalcemia",
      test: "CA",
      direction: "low",
      unit: "mmol/L",
      grades: decreased([2.0, 1.75, 1.5]),
      gradesByUnit: { "mg/dL": decreased([8.0, 7.0, 6.0]) },
    },
    {
      term: "Hypercalcemia",
      test: "CA",
      direction: "high",
      unit: "mmol/L",
      grades: [
        { grade: 1, when: [aboveUln()] },
        { grade: 2, when: [above(2.9)] },
        { grade: 3, when: [above(3.1)] },
        { grade: 4, when: [above(3.4)] },
      ],
      gradesByUnit: {
        "mg/dL": [
          { grade: 1, when: [aboveUln()] },
          { grade: 2, when: [above(11.5)] },
          { grade: 3, when: [above(12.5)] },
          { grade: 4, when: [above(13.5)] },
        ],
      },
    },
    {
      term: "Hypoglycemia",
      test: "GLUC",
      direction: "low",
      unit: "mmol/L",
      grades: decreased([3.0, 2.2, 1.7]),
      gradesByUnit: { "mg/dL": decreased([55, 40, 30]) },
    },
    {
      term: "Hyperglycemia",
      test: "GLUC",
      direction: "high",
      unit: "mmol/L",
      grades: [],
      notGradableFromLab: "CTCAE v5.0 grades hyperglycemia by the intervention it needs, not by the glucose value",
    },
    {
      term: "Hypoalbuminemia",
      test: "ALB",
      direction: "low",
      unit: "g/L",
      grades: decreased([30, 20]),
    },
  ],
};
