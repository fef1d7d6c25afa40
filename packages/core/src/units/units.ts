/// <reference path="./ucum-lhc.d.ts" />
import { UcumLhcUtils } from "@lhncbc/ucum-lhc";

/**
 * Lab units and test codes as sites send them, read into UCUM (the Unified Code for Units of Measure,
 * through the NLM's ucum-lhc library) so equivalent spellings compare equal and values convert —
 * molar ↔ mass with the analyte's molar mass, equivalents ↔ moles with its charge. An unreadable unit
 * or test code is reported with the reason, never silently dropped.
 */
// Made on first use: its unit tables are large, and most commands never read a unit.
let instance: ReturnType<typeof UcumLhcUtils.getInstance> | undefined;
const ucum = () => {
  instance ??= UcumLhcUtils.getInstance();
  return instance;
};

export type Reading<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Enzyme activity tests. Their "IU/L" is the enzyme unit (1 IU = 1 µmol/min, the International Union of
 * Biochemistry's unit), UCUM's U/L — not UCUM's arbitrary [IU] (as for insulin or heparin).
 */
const ENZYME_TESTS = new Set(["ALT", "AST", "ALP", "GGT", "LDH", "CK", "AMYLASE", "LIPASE"]);

/**
 * Spellings of the SDTM UNIT codelist (CDISC Controlled Terminology) and common site variants that UCUM
 * spells otherwise; keys lower case. Everything else is tried as UCUM as written, then in lower case.
 */
const SPELLINGS: Record<string, string> = {
  "meq/l": "meq/L",
  "mmol/l": "mmol/L",
  sec: "s",
  "cells/ul": "{cells}/uL",
  "cells/mm3": "{cells}/mm3",
  "mg/24h": "mg/(24.h)",
  "g/24h": "g/(24.h)",
  "mmol/24h": "mmol/(24.h)",
  "gi/l": "10*9/L",
  "ti/l": "10*12/L",
  "k/ul": "10*3/uL",
  "m/ul": "10*6/uL",
  "10^9/l": "10*9/L",
  "10^12/l": "10*12/L",
  "10^3/ul": "10*3/uL",
  "10^6/ul": "10*6/uL",
  ratio: "1",
  "": "1",
};

/** Molar masses (g/mol) for converting mass and substance concentrations, by SDTM LBTESTCD. */
export const MOLAR_MASSES: Readonly<Record<string, number>> = {
  CREAT: 113.12, // creatinine C4H7N3O
  BILI: 584.66, // bilirubin C33H36N4O6
  BILDIR: 584.66,
  GLUC: 180.16, // glucose C6H12O6
  CA: 40.078, // calcium
  MG: 24.305, // magnesium
  PHOS: 30.974, // phosphate, as phosphorus
  URATE: 168.11, // uric acid C5H4N4O3
  CHOL: 386.65, // cholesterol C27H46O
  HGB: 16114.5, // haemoglobin per haem (monomer): 1 g/dL = 0.6206 mmol/L
  SODIUM: 22.99,
  K: 39.098,
  CL: 35.45,
};

/** Charges (for mEq ↔ mmol), by SDTM LBTESTCD. */
const CHARGES: Readonly<Record<string, number>> = { SODIUM: 1, K: 1, CL: 1, CA: 2, MG: 2 };

/**
 * Test codes sites send for the SDTM LBTESTCD that criteria use (CDISC Controlled Terminology), upper case.
 */
const TEST_SYNONYMS: Record<string, string> = {
  ANC: "NEUT",
  NEUTA: "NEUT",
  ABSNEUT: "NEUT",
  PLT: "PLAT",
  PLATELET: "PLAT",
  PLATELETS: "PLAT",
  HB: "HGB",
  HEMOGLOBIN: "HGB",
  HAEMOGLOBIN: "HGB",
  ALC: "LYM",
  LYMPH: "LYM",
  LYMPHA: "LYM",
  SGPT: "ALT",
  ALAT: "ALT",
  SGOT: "AST",
  ASAT: "AST",
  ALKP: "ALP",
  TBIL: "BILI",
  TBILI: "BILI",
  BILT: "BILI",
  CREA: "CREAT",
  CRE: "CREAT",
  CREATININE: "CREAT",
  NA: "SODIUM",
  POTASSIUM: "K",
  GLU: "GLUC",
  GLUCOSE: "GLUC",
  LD: "LDH",
  ALBUMIN: "ALB",
  CALCIUM: "CA",
  KAPPA: "FLCKAPPA",
  FKAPPA: "FLCKAPPA",
  LAMBDA: "FLCLAMBDA",
  FLAMBDA: "FLCLAMBDA",
  KLRATIO: "FLCRATIO",
  KAPLAMB: "FLCRATIO",
};

/** The SDTM LBTESTCD a site's code stands for (upper-cased; synonyms such as ANC → NEUT). */
export function canonicalTestCode(code: string): string {
  const upper = code.trim().toUpperCase();
  return TEST_SYNONYMS[upper] ?? upper;
}

const readings = new Map<string, Reading<string>>();

/**
 * The UCUM code of a unit as written (e.g. "µmol/L" → "umol/L", "10^9/L" → "10*9/L", "mEq/L" →
 * "meq/L"; "IU/L" → "U/L" for enzyme tests), or why it cannot be read.
 */
export function readUnit(text: string, test?: string): Reading<string> {
  const key = `${test ?? ""}\u0000${text}`;
  const known = readings.get(key);
  if (known) return known;
  const reading = read(text, test === undefined ? undefined : canonicalTestCode(test));
  readings.set(key, reading);
  return reading;
}

function read(text: string, test: string | undefined): Reading<string> {
  let unit = text
    .trim()
    .replace(/[µμ]/g, "u")
    .replace(/^x\s*(?=10)/i, "")
    .replace(/10\s*[eE]\s*(\d+)/g, "10^$1")
    .replace(/\s+/g, "");
  if (test !== undefined && ENZYME_TESTS.has(test))
    unit = unit.replace(/^(k|m|u)?IU\//i, (_, prefix: string | undefined) => `${prefix ?? ""}U/`);
  else unit = unit.replace(/(^|[^A-Za-z[])([kmun]?)IU(?![A-Za-z\]])/g, "$1$2[IU]");
  const spelled = SPELLINGS[unit.toLowerCase()];
  // Written all in capitals (as some laboratory systems do): the lower-case spelling, litres as L.
  const shouted =
    unit === unit.toUpperCase() && /[A-Z]/.test(unit) ? unit.toLowerCase().replace(/(^|[/dmunc])l(?![a-z])/g, "$1L") : undefined;
  for (const candidate of [spelled, unit, shouted]) {
    if (candidate === undefined) continue;
    const result = ucum().validateUnitString(candidate);
    if (result.status === "valid") return { ok: true, value: (result.ucumCode ?? candidate).replace(/\^/g, "*") };
  }
  return { ok: false, reason: `"${text}" is not a unit of UCUM or the SDTM unit codelist` };
}

const factors = new Map<string, Reading<number>>();

/**
 * The factor converting values in `from` to `to` for test `test` (units as written), or why there is
 * none: units of different kinds, or mass ↔ substance for an analyte whose molar mass is not known.
 */
export function conversionFactor(from: string, to: string, test?: string): Reading<number> {
  const code = test === undefined ? undefined : canonicalTestCode(test);
  const fromUnit = readUnit(from, code);
  if (!fromUnit.ok) return fromUnit;
  const toUnit = readUnit(to, code);
  if (!toUnit.ok) return toUnit;
  if (fromUnit.value === toUnit.value) return { ok: true, value: 1 };
  const key = `${fromUnit.value}\u0000${toUnit.value}\u0000${code ?? ""}`;
  const known = factors.get(key);
  if (known) return known;
  const molarMass = code === undefined ? undefined : MOLAR_MASSES[code];
  const charge = code === undefined ? undefined : CHARGES[code];
  const result = ucum().convertUnitTo(fromUnit.value, 1, toUnit.value, {
    ...(molarMass === undefined ? {} : { molecularWeight: molarMass }),
    ...(charge === undefined ? {} : { charge }),
  });
  const factor: Reading<number> =
    result.status === "succeeded" && result.toVal !== null && Number.isFinite(result.toVal)
      ? { ok: true, value: result.toVal }
      : {
          ok: false,
          reason: `${from} cannot be converted to ${to}${code ? ` for ${code}` : ""}${
            molarMass === undefined && /mol/.test(`${fromUnit.value}${toUnit.value}`) ? " (no molar mass is known for this test)" : ""
          }`,
        };
  factors.set(key, factor);
  return factor;
}

/** `value` in `from` expressed in `to` (see conversionFactor). */
export function convertValue(value: number, from: string, to: string, test?: string): Reading<number> {
  const factor = conversionFactor(from, to, test);
  return factor.ok ? { ok: true, value: value * factor.value } : factor;
}
