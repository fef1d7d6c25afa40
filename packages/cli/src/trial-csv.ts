import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTrialData, type TrialData, ValidationError } from "@escalate/core";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { readDocument } from "./design-file.js";
import { UsageError } from "./errors.js";

/** Trial sections stored as CSV files named after their SDTM domain. */
const DOMAINS = {
  patients: {
    file: "DM.csv",
    numbers: ["AGE", "WEIGHT", "HEIGHT", "doseLevel", "cohort", "randomizedArm", "lostToFollowUpDay", "priorRegimens"],
    booleans: ["backfill"],
  },
  administrations: { file: "EX.csv", numbers: ["EXSTDY", "EXDOSE"], booleans: [] },
  adverseEvents: { file: "AE.csv", numbers: ["AETOXGR", "AESTDY", "AEENDY"], booleans: [] },
  labs: { file: "LB.csv", numbers: ["LBSTRESN", "LBSTNRLO", "LBSTNRHI", "LBDY"], booleans: [] },
  tumours: { file: "TR.csv", numbers: ["TRDY", "TRSTRESN"], booleans: ["nodal"] },
  pk: { file: "PC.csv", numbers: ["PCELTM", "PCSTRESN"], booleans: [] },
} as const;

type Section = keyof typeof DOMAINS;
const SECTIONS = Object.keys(DOMAINS) as Section[];

/** The study description (compound and trial) lives beside the CSV files. */
const TRIAL_FILES = ["trial.yaml", "trial.yml", "trial.json"];

/**
 * Reads a trial from a folder: trial.yaml (compound, trial) and DM/EX/AE/LB/TR/PC.csv (each optional).
 * Cells are typed per column (numbers, Y/N booleans); an empty cell is a missing value. Errors name the
 * file, the row, the column, the value and the rule.
 */
export function readTrialFolder(folder: string): TrialData {
  const { document } = readTrialFolderDocument(folder);
  try {
    return parseTrialData(document);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // "adverseEvents.3.AETOXGR" → "AE.csv row 4 (line 5), AETOXGR".
    throw new ValidationError(
      error.issues.map((issue) => {
        const [section, index, ...rest] = issue.path.split(".");
        const domain = DOMAINS[section as Section];
        if (!domain || index === undefined || !/^\d+$/.test(index)) return issue;
        return { ...issue, path: `${rowName(domain.file, Number(index))}${rest.length > 0 ? `, ${rest.join(".")}` : ""}` };
      }),
      "trial data",
    );
  }
}

const rowName = (file: string, index: number) => `${file} row ${index + 1} (line ${index + 2})`;

/**
 * The folder's trial as a document (records as the CSV files type them, not yet checked), with each
 * record's name ("AE.csv row 4 (line 5)") for the problems a lenient read reports.
 */
export function readTrialFolderDocument(folder: string): { document: Record<string, unknown>; ids: Partial<Record<Section, string[]>> } {
  const trialFile = TRIAL_FILES.map((name) => join(folder, name)).find((path) => existsSync(path));
  if (!trialFile) throw new UsageError(`${folder} has no trial.yaml (compound and trial description) beside its SDTM CSV files`);
  const document: Record<string, unknown> = { ...readDocument(trialFile, "trial file", "compound and trial") };
  for (const section of SECTIONS) {
    const { file, numbers, booleans } = DOMAINS[section];
    const path = join(folder, file);
    if (!existsSync(path)) continue;
    let rows: Record<string, string>[];
    try {
      rows = parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true, trim: true, bom: true });
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    document[section] = rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (const [column, cell] of Object.entries(row)) {
        if (cell === "") continue;
        if ((numbers as readonly string[]).includes(column)) record[column] = Number(cell);
        else if ((booleans as readonly string[]).includes(column)) record[column] = cell === "Y" || cell.toLowerCase() === "true";
        else record[column] = cell;
      }
      return record;
    });
  }
  const ids = Object.fromEntries(
    SECTIONS.filter((section) => Array.isArray(document[section])).map((section) => [
      section,
      (document[section] as unknown[]).map((_, index) => rowName(DOMAINS[section].file, index)),
    ]),
  );
  return { document, ids };
}

/** Writes a trial as trial.yaml plus one CSV file per non-empty SDTM domain. */
export function writeTrialFolder(data: TrialData, folder: string): string[] {
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  const trialYaml = JSON.stringify({ compound: data.compound, trial: data.trial }, null, 2);
  writeFileSync(join(folder, "trial.json"), `${trialYaml}\n`);
  written.push("trial.json");
  for (const section of SECTIONS) {
    const records = data[section] as Record<string, unknown>[];
    if (records.length === 0) continue;
    const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
    const rows = records.map((record) =>
      columns.map((column) => {
        const value = record[column];
        if (value === undefined) return "";
        if (typeof value === "boolean") return value ? "Y" : "N";
        return value;
      }),
    );
    // A cell a spreadsheet would run as a formula (=, +, @, …; negative numbers are left alone) is neutralised.
    writeFileSync(join(folder, DOMAINS[section].file), stringify([columns, ...rows], { escape_formulas: true }));
    written.push(DOMAINS[section].file);
  }
  return written;
}
