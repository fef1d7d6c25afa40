import { ValidationError, type ValidationIssue } from "../validation.js";

/**
 * Multiple myeloma response from paraprotein measurements: the IMWG uniform criteria (Durie et al.
 * 2006; Kumar et al. 2016, with minimal response for relapsed/refractory disease) and the EBMT criteria
 * (Bladé et al. 1998). Each measurable component (serum M-protein, 24-h urine M-protein) supports a
 * category on its own; the response is the lowest category every measurable component supports, and
 * CR additionally needs negative immunofixation and < 5% marrow plasma cells.
 */
export type MyelomaResponse = "sCR" | "CR" | "VGPR" | "PR" | "MR" | "SD" | "PD" | "NE";
export type MyelomaCriteria = "IMWG" | "EBMT";

export interface MyelomaAssessment {
  /** Serum M-protein, g/dL. */
  serumM?: number;
  /** 24-hour urine M-protein, mg/24 h. */
  urineM?: number;
  /** Serum and urine immunofixation negative. */
  immunofixationNegative?: boolean;
  /** Bone-marrow plasma cells, %. */
  marrowPlasmaCells?: number;
  /** New lesions or plasmacytomas, or unequivocal growth of existing ones. */
  newLesions?: boolean;
  /** Serum free light chains, mg/dL: the involved and the uninvolved chain (IMWG). */
  involvedFlc?: number;
  uninvolvedFlc?: number;
  /** Serum κ/λ free light chain ratio (normal 0.26–1.65). */
  flcRatio?: number;
  /** No clonal plasma cells in the marrow (immunohistochemistry or flow cytometry). */
  clonalCellsAbsent?: boolean;
}

/** Normal range of the serum κ/λ free light chain ratio. */
const NORMAL_FLC_RATIO = [0.26, 1.65] as const;

const flcMeasurable = (a: MyelomaAssessment) =>
  a.involvedFlc !== undefined &&
  a.involvedFlc >= 10 &&
  a.flcRatio !== undefined &&
  (a.flcRatio < NORMAL_FLC_RATIO[0] || a.flcRatio > NORMAL_FLC_RATIO[1]);
const dFlc = (a: MyelomaAssessment) => (a.involvedFlc ?? 0) - (a.uninvolvedFlc ?? 0);

const ORDER: MyelomaResponse[] = ["PD", "SD", "MR", "PR", "VGPR", "CR", "sCR"];
const rank = (response: MyelomaResponse) => ORDER.indexOf(response);

function checkMeasurable(baseline: MyelomaAssessment): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Measurable disease (IMWG): serum M-protein ≥ 1 g/dL, urine M-protein ≥ 200 mg/24 h, or (light-chain
  // disease only) an involved free light chain ≥ 10 mg/dL with an abnormal κ/λ ratio.
  const serum = baseline.serumM !== undefined && baseline.serumM >= 1;
  const urine = baseline.urineM !== undefined && baseline.urineM >= 200;
  if (!serum && !urine && !flcMeasurable(baseline)) {
    issues.push({
      path: "baseline",
      message:
        "must have measurable disease: serum M-protein ≥ 1 g/dL, urine M-protein ≥ 200 mg/24 h, or involved FLC ≥ 10 mg/dL with an abnormal ratio",
    });
  }
  for (const key of ["serumM", "urineM", "marrowPlasmaCells"] as const) {
    const value = baseline[key];
    if (value !== undefined && !(value >= 0)) issues.push({ path: `baseline.${key}`, value, message: "must be ≥ 0" });
  }
  return issues;
}

/** The category supported by the serum M-protein's fall from baseline. */
function serumCategory(criteria: MyelomaCriteria, baseline: number, now: number, urineNow: number | undefined): MyelomaResponse {
  const fall = (baseline - now) / baseline;
  // IMWG VGPR: ≥ 90% fall of serum M-protein with urine < 100 mg/24 h.
  if (criteria === "IMWG" && fall >= 0.9 && (urineNow === undefined || urineNow < 100)) return "VGPR";
  if (fall >= 0.5) return "PR";
  if (fall >= 0.25) return "MR";
  return "SD";
}

/** The category supported by the 24-h urine M-protein. */
function urineCategory(baseline: number, now: number): MyelomaResponse {
  const fall = (baseline - now) / baseline;
  if (fall >= 0.9 || now < 200) return "PR";
  if (fall >= 0.5) return "MR";
  return "SD";
}

/**
 * Progression as each criteria set states it. IMWG: a rise of ≥ 25% from the lowest value with an
 * absolute rise of ≥ 0.5 g/dL (serum) or ≥ 200 mg/24 h (urine), or new lesions; IMWG 2016 adds a ≥ 1 g/dL
 * serum rise from a lowest value of ≥ 5 g/dL. EBMT (Bladé et al. 1998): a rise of more than 25% with the
 * same absolute minimums (5 g/L, 200 mg/24 h), which must be confirmed by a repeat investigation
 * (`confirmedMyelomaResponse`).
 */
function progressed(criteria: MyelomaCriteria, nadir: MyelomaAssessment, now: MyelomaAssessment, flcOnly: boolean): string | null {
  if (now.newLesions) return "new lesions or plasmacytomas";
  // IMWG: at least 25%; EBMT: more than 25%.
  const enough = (rise: number, lowest: number) => (criteria === "EBMT" ? rise > 0.25 * lowest : rise >= 0.25 * lowest);
  const share = criteria === "EBMT" ? "> 25%" : "≥ 25%";
  if (nadir.serumM !== undefined && now.serumM !== undefined) {
    const rise = now.serumM - nadir.serumM;
    if (rise >= 0.5 && enough(rise, nadir.serumM))
      return `serum M-protein rose ${rise.toFixed(2)} g/dL (${share} and ≥ 0.5 g/dL) from its lowest value`;
    // IMWG (Kumar et al. 2016): from a lowest value of ≥ 5 g/dL, a rise of ≥ 1 g/dL is enough.
    if (criteria === "IMWG" && nadir.serumM >= 5 && rise >= 1)
      return `serum M-protein rose ${rise.toFixed(2)} g/dL (≥ 1 g/dL from a lowest value of ≥ 5 g/dL)`;
  }
  if (nadir.urineM !== undefined && now.urineM !== undefined) {
    const rise = now.urineM - nadir.urineM;
    if (rise >= 200 && enough(rise, nadir.urineM))
      return `urine M-protein rose ${rise.toFixed(0)} mg/24 h (${share} and ≥ 200 mg) from its lowest value`;
  }
  if (flcOnly && nadir.involvedFlc !== undefined && now.involvedFlc !== undefined) {
    const rise = dFlc(now) - dFlc(nadir);
    if (rise >= 10 && rise >= 0.25 * dFlc(nadir))
      return `the FLC difference rose ${rise.toFixed(1)} mg/dL (≥ 25% and ≥ 10 mg/dL) from its lowest value`;
  }
  return null;
}

export interface MyelomaResult {
  response: MyelomaResponse;
  reasons: string[];
}

/**
 * Response at one assessment against baseline and the nadir so far. Not confirmed: IMWG requires two
 * consecutive assessments and EBMT six weeks for CR/PR/MR — see `confirmedMyelomaResponse`.
 */
export function myelomaResponse(
  criteria: MyelomaCriteria,
  baseline: MyelomaAssessment,
  nadir: MyelomaAssessment,
  now: MyelomaAssessment,
): MyelomaResult {
  const issues = checkMeasurable(baseline);
  if (issues.length > 0) throw new ValidationError(issues, "myeloma baseline");
  const reasons: string[] = [];
  const serumMeasurable = baseline.serumM !== undefined && baseline.serumM >= 1;
  const urineMeasurable = baseline.urineM !== undefined && baseline.urineM >= 200;
  // Free light chains are the measure only when neither M-protein is measurable (IMWG).
  const flcOnly = criteria === "IMWG" && !serumMeasurable && !urineMeasurable;
  const progression = progressed(criteria, nadir, now, flcOnly);
  if (progression) return { response: "PD", reasons: [progression] };
  if (!serumMeasurable && !urineMeasurable && !flcOnly) {
    return { response: "NE", reasons: ["only free light chains are measurable, and EBMT does not use them"] };
  }
  if (
    (flcOnly && now.involvedFlc === undefined) ||
    (serumMeasurable && now.serumM === undefined) ||
    (urineMeasurable && now.urineM === undefined)
  ) {
    return { response: "NE", reasons: ["a measurable component was not assessed"] };
  }
  let category: MyelomaResponse = "sCR";
  if (serumMeasurable) {
    const fromSerum = serumCategory(criteria, baseline.serumM!, now.serumM!, now.urineM);
    reasons.push(
      `serum M-protein ${baseline.serumM} → ${now.serumM} g/dL (${(100 * (1 - now.serumM! / baseline.serumM!)).toFixed(0)}% fall) supports ${fromSerum}`,
    );
    if (rank(fromSerum) < rank(category)) category = fromSerum;
  }
  if (urineMeasurable) {
    const fromUrine = urineCategory(baseline.urineM!, now.urineM!);
    reasons.push(`urine M-protein ${baseline.urineM} → ${now.urineM} mg/24 h supports ${fromUrine}`);
    if (rank(fromUrine) < rank(category)) category = fromUrine;
  }
  if (flcOnly) {
    const fall = (dFlc(baseline) - dFlc(now)) / dFlc(baseline);
    const fromFlc: MyelomaResponse = fall >= 0.5 ? "PR" : "SD";
    reasons.push(
      `FLC difference ${dFlc(baseline).toFixed(1)} → ${dFlc(now).toFixed(1)} mg/dL (${(100 * fall).toFixed(0)}% fall) supports ${fromFlc}`,
    );
    if (rank(fromFlc) < rank(category)) category = fromFlc;
  }
  // CR: no paraprotein by immunofixation and < 5% marrow plasma cells (both criteria sets); IMWG's
  // stringent CR adds a normal FLC ratio and no clonal plasma cells.
  const complete = now.immunofixationNegative === true && now.marrowPlasmaCells !== undefined && now.marrowPlasmaCells < 5;
  if (complete && (now.serumM ?? 0) === 0 && (now.urineM ?? 0) === 0) {
    reasons.push("immunofixation negative and marrow plasma cells < 5%: complete response");
    const normalRatio = now.flcRatio !== undefined && now.flcRatio >= NORMAL_FLC_RATIO[0] && now.flcRatio <= NORMAL_FLC_RATIO[1];
    if (criteria === "IMWG" && normalRatio && now.clonalCellsAbsent === true) {
      reasons.push("normal FLC ratio and no clonal plasma cells: stringent complete response");
      return { response: "sCR", reasons };
    }
    return { response: "CR", reasons };
  }
  if (criteria === "EBMT" && category === "VGPR") category = "PR"; // EBMT has no VGPR
  if (criteria === "IMWG" && now.immunofixationNegative === false && (now.serumM ?? 0) === 0 && (now.urineM ?? 0) === 0) {
    // M-protein detectable by immunofixation only: VGPR.
    reasons.push("M-protein detectable by immunofixation but not by electrophoresis: VGPR");
    if (rank(category) < rank("VGPR")) category = "VGPR";
  }
  if (category === "sCR") category = "SD"; // no measurable component moved (cannot happen with checked baselines)
  return { response: category, reasons };
}

/**
 * Confirmation: CR, VGPR, PR and MR need the same (or better) response at the next assessment (IMWG:
 * two consecutive assessments) or maintained for at least 42 days (EBMT: six weeks). Returns the best
 * confirmed response over a series, PD if progression came first, else SD/NE.
 */
export function confirmedMyelomaResponse(
  criteria: MyelomaCriteria,
  series: readonly { day: number; response: MyelomaResponse }[],
): MyelomaResponse {
  // Any assessment short of progression, confirmed or not, shows at least stable disease.
  let best: MyelomaResponse = series.some((s) => rank(s.response) >= rank("SD")) ? "SD" : "NE";
  for (let i = 0; i < series.length; i++) {
    const current = series[i]!;
    // EBMT: progression must be confirmed by the repeat investigation; a rise the next one does not
    // show again (or not yet repeated) is not progression.
    if (current.response === "PD" && criteria === "EBMT" && series[i + 1]?.response !== "PD") continue;
    if (current.response === "PD") return rank(best) > rank("SD") ? best : "PD";
    if (rank(current.response) <= rank("SD")) continue;
    const confirming = series.slice(i + 1).find((later) => (criteria === "IMWG" ? true : later.day - current.day >= 42));
    if (!confirming) continue;
    // Confirmed at the lower of the two responses (both must meet it).
    const confirmed = rank(confirming.response) < rank(current.response) ? confirming.response : current.response;
    if (rank(confirmed) > rank(best)) best = confirmed;
  }
  return best;
}
