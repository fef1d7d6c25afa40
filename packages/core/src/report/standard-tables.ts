import { worstLabGrade } from "../safety/grading.js";
import type { TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";
import { canonicalTestCode } from "../units/units.js";
import type { ReportTable } from "./trial-report.js";
import { doseLabel } from "./trial-report.js";

/**
 * The safety tables every early-phase report carries, built once for the CLI, HTML and web reports:
 * adverse events by term and each patient's highest CTCAE grade, DLTs by dose level, and lab shifts
 * from the baseline grade to the worst grade after it.
 */
export function standardTables(data: TrialData, analysis: TrialAnalysis): ReportTable[] {
  return [adverseEventTable(data), dltTable(data, analysis), labShiftTable(data, analysis), labRecordTable(analysis)].filter(
    (t) => t.rows.length > 0,
  );
}

/** Every lab record of grade 3 or more, and every record of a graded test that could not be graded, with why. */
function labRecordTable(analysis: TrialAnalysis): ReportTable {
  const rows = analysis.patients.flatMap((p) =>
    p.labGrades
      .filter((g) => g.term !== null && (g.grade === null || g.grade >= 3))
      .map((g) => [
        p.USUBJID,
        g.test,
        String(g.day),
        g.value === null ? "—" : String(g.value),
        g.unit,
        g.grade === null ? "not graded" : `grade ${g.grade}`,
        g.grade === null ? g.reason : g.term!,
      ]),
  );
  return {
    caption: "Lab records of grade 3 or more, and those that could not be graded",
    headers: ["Patient", "Test", "Study day", "Value", "Unit", "Grade", "Term, or why not graded"],
    rows,
  };
}

/** Patients by term and their highest grade of it, in bands 1–2, 3–4 and 5; most frequent terms first. */
function adverseEventTable(data: TrialData): ReportTable {
  const highest = new Map<string, Map<string, number>>();
  for (const event of data.adverseEvents) {
    const byPatient = highest.get(event.AETERM) ?? new Map<string, number>();
    byPatient.set(event.USUBJID, Math.max(byPatient.get(event.USUBJID) ?? 0, event.AETOXGR));
    highest.set(event.AETERM, byPatient);
  }
  const total = data.patients.length;
  const share = (n: number) => (n === 0 ? "0" : `${n} (${((100 * n) / total).toFixed(0)}%)`);
  const rows = [...highest.entries()]
    .map(([term, byPatient]) => {
      const grades = [...byPatient.values()];
      const band = (low: number, high: number) => grades.filter((g) => g >= low && g <= high).length;
      return { term, any: grades.length, cells: [band(1, 2), band(3, 4), band(5, 5)] };
    })
    .sort((a, b) => b.any - a.any || a.term.localeCompare(b.term))
    .map((row) => [row.term, ...row.cells.map(share), share(row.any)]);
  return {
    caption: `Adverse events by term and highest CTCAE grade (patients, of ${total})`,
    headers: ["Term", "Grade 1–2", "Grade 3–4", "Grade 5", "Any grade"],
    rows,
  };
}

/** Per dose level: DLT-evaluable patients, patients with a DLT, and the events that were DLTs. */
function dltTable(data: TrialData, analysis: TrialAnalysis): ReportTable {
  const rows = data.trial.doseLevels.flatMap((level) => {
    const members = analysis.patients.filter((p) => p.doseLevel === level.level);
    if (members.length === 0) return [];
    const withDlt = members.filter((p) => p.dlt.status === "DLT");
    const evaluable = members.filter((p) => p.dlt.status === "DLT" || p.dlt.status === "no DLT").length;
    return [
      [
        doseLabel(level),
        String(members.length),
        String(evaluable),
        String(withDlt.length),
        withDlt.map((p) => `${p.USUBJID}: ${p.dlt.reason}`).join("; ") || "—",
      ],
    ];
  });
  return {
    caption: "Dose-limiting toxicities by dose level",
    headers: ["Dose level", "Patients", "DLT-evaluable", "With a DLT", "DLTs"],
    rows,
  };
}

/** Patients by lab test, baseline grade and worst grade after baseline (CTCAE-graded tests). */
function labShiftTable(data: TrialData, analysis: TrialAnalysis): ReportTable {
  const shifts = new Map<string, number[][]>();
  for (const patient of analysis.patients) {
    const worst = new Map<string, { term: string; grade: number }>();
    for (const g of patient.labGrades) {
      if (g.term === null || g.grade === null) continue;
      const key = `${canonicalTestCode(g.test)}\u0000${g.term}`;
      if ((worst.get(key)?.grade ?? -1) < g.grade) worst.set(key, { term: g.term, grade: g.grade });
    }
    for (const [key, { term, grade }] of worst) {
      const test = key.split("\u0000")[0]!;
      const baseline = data.labs.find(
        (l) => l.USUBJID === patient.USUBJID && l.LBBLFL === "Y" && canonicalTestCode(l.LBTESTCD) === test && l.LBSTRESN !== undefined,
      );
      const graded =
        baseline === undefined
          ? null
          : worstLabGrade({
              test,
              value: baseline.LBSTRESN!,
              unit: baseline.LBSTRESU,
              ...(baseline.LBSTNRLO === undefined ? {} : { lln: baseline.LBSTNRLO }),
              ...(baseline.LBSTNRHI === undefined ? {} : { uln: baseline.LBSTNRHI }),
            });
      const from = graded?.term === term && graded.grade !== null ? graded.grade : 0;
      const table = shifts.get(term) ?? Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
      table[from]![grade]!++;
      shifts.set(term, table);
    }
  }
  const rows = [...shifts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([term, table]) =>
      table.flatMap((row, from) => (row.some((n) => n > 0) ? [[term, `Grade ${from}`, ...row.map(String)]] : [])),
    );
  return {
    caption: "Lab shifts: baseline grade to worst grade after baseline (patients)",
    headers: ["Term", "Baseline", "Worst 0", "Worst 1", "Worst 2", "Worst 3", "Worst 4"],
    rows,
  };
}
