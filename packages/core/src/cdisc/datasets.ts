import { doseLabel } from "../report/trial-report.js";
import { analyzeTrialData, dateOfStudyDay, type TrialAnalysis } from "../trial/analyze.js";
import type { TrialData } from "../trial/schema.js";

/**
 * CDISC datasets from a trial: SDTM tabulations (SDTMIG 3.4 names and labels) and ADaM analysis datasets
 * (ADaMIG 1.3 conventions) as plain tables — columns with name, label and type, rows of values — which
 * `datasetJson` and a CSV writer serialise. Dates come from study days and the first-dose date
 * (RFXSTDTC is study day 1; no day 0).
 */
export type ColumnType = "string" | "integer" | "float" | "double" | "decimal" | "boolean" | "date";

export interface Column {
  name: string;
  label: string;
  dataType: ColumnType;
  /** Key variables, in order (Dataset-JSON keySequence). */
  key?: number;
}

export type Cell = string | number | boolean | null;

export interface Dataset {
  /** Upper-case dataset name (DM, ADSL); files are named in lower case. */
  name: string;
  label: string;
  columns: Column[];
  rows: Cell[][];
}

type Row = Record<string, Cell | undefined>;
type SubjectRow = Row & { USUBJID: string };

/** Builds a dataset from rows as objects, in the columns' order (a missing value is null). */
function dataset(name: string, label: string, columns: Column[], rows: Row[]): Dataset {
  return { name, label, columns, rows: rows.map((row) => columns.map((column) => row[column.name] ?? null)) };
}

const c = (name: string, label: string, dataType: ColumnType = "string", key?: number): Column =>
  key === undefined ? { name, label, dataType } : { name, label, dataType, key };

/** An ISO 8601 duration for hours after the first infusion (PCELTM), e.g. PT2H, PT0.5H, P1DT0H. */
function isoHours(hours: number): string {
  if (hours < 24) return `PT${Number(hours.toFixed(4))}H`;
  const days = Math.floor(hours / 24);
  return `P${days}DT${Number((hours - 24 * days).toFixed(4))}H`;
}

/** Lab test names for the codes Escalate grades or reads (SDTM LBTEST). */
const LAB_TESTS: Record<string, string> = {
  PLAT: "Platelets",
  NEUT: "Neutrophils",
  WBC: "Leukocytes",
  LYM: "Lymphocytes",
  HGB: "Hemoglobin",
  ALT: "Alanine Aminotransferase",
  AST: "Aspartate Aminotransferase",
  BILI: "Bilirubin",
  ALP: "Alkaline Phosphatase",
  GGT: "Gamma Glutamyl Transferase",
  CREAT: "Creatinine",
  K: "Potassium",
  SODIUM: "Sodium",
  CA: "Calcium",
  GLUC: "Glucose",
  ALB: "Albumin",
  SPEP: "Serum M-Protein",
  UPEP: "Urine M-Protein (24 h)",
  IFE: "Immunofixation",
  BMPC: "Bone Marrow Plasma Cells",
};

/** Names of the analytes an ADC is measured as. */
const ANALYTES: Record<string, string> = {
  ADC: "Antibody-Drug Conjugate",
  TAB: "Total Antibody",
  DM1: "Free DM1",
  DM4: "Free DM4",
  MMAE: "Free MMAE",
};

const common = (data: TrialData, domain: string) => ({ STUDYID: data.trial.id, DOMAIN: domain });
const seqBy = <T extends { USUBJID: string }>(records: readonly T[]) => {
  const counts = new Map<string, number>();
  return records.map((record) => {
    const next = (counts.get(record.USUBJID) ?? 0) + 1;
    counts.set(record.USUBJID, next);
    return next;
  });
};

/**
 * SUPP-- for domain `rdomain`: qualifiers of a subject (DM) or of one of its records (IDVAR, IDVARVAL);
 * the key is the subject, the record when there is one, and the qualifier's name.
 */
function supplementalQualifiers(data: TrialData, rdomain: string, rows: SubjectRow[]): Dataset {
  const byRecord = rows.some((row) => row.IDVAR !== undefined);
  return dataset(
    `SUPP${rdomain}`,
    `Supplemental Qualifiers for ${rdomain}`,
    [
      c("STUDYID", "Study Identifier", "string", 1),
      c("RDOMAIN", "Related Domain Abbreviation"),
      c("USUBJID", "Unique Subject Identifier", "string", 2),
      c("IDVAR", "Identifying Variable"),
      byRecord ? c("IDVARVAL", "Identifying Variable Value", "string", 3) : c("IDVARVAL", "Identifying Variable Value"),
      c("QNAM", "Qualifier Variable Name", "string", byRecord ? 4 : 3),
      c("QLABEL", "Qualifier Variable Label"),
      c("QVAL", "Data Value"),
      c("QORIG", "Origin"),
    ],
    rows.map((row) => ({ STUDYID: data.trial.id, RDOMAIN: rdomain, ...row })),
  );
}

/**
 * A subject-level SDTM domain: STUDYID, DOMAIN, USUBJID and --SEQ (numbered per subject in record
 * order, as `seqBy` numbers them) come first, then the domain's own columns.
 */
function subjectDomain(data: TrialData, domain: string, label: string, columns: Column[], rows: SubjectRow[]): Dataset {
  const seq = seqBy(rows);
  return dataset(
    domain,
    label,
    [
      c("STUDYID", "Study Identifier", "string", 1),
      c("DOMAIN", "Domain Abbreviation"),
      c("USUBJID", "Unique Subject Identifier", "string", 2),
      c(`${domain}SEQ`, "Sequence Number", "integer", 3),
      ...columns,
    ],
    rows.map((row, i) => ({ ...common(data, domain), ...row, [`${domain}SEQ`]: seq[i] })),
  );
}

/**
 * The SDTM tabulations: DM (with SUPPDM: cohort, backfill, randomized arm), VS (baseline weight and
 * height), EX, AE (with SUPPAE: DLT adjudications), LB, TU, TR, RS, PC and TS. A domain without
 * records is left out, except DM, SUPPDM, VS and TS.
 */
export function sdtmDatasets(data: TrialData, analysis: TrialAnalysis = analyzeTrialData(data)): Dataset[] {
  const { trial } = data;
  const firstDose = new Map(data.patients.map((p) => [p.USUBJID, p.RFXSTDTC]));
  const date = (USUBJID: string, day: number | undefined) =>
    day === undefined || !firstDose.has(USUBJID) ? null : dateOfStudyDay(firstDose.get(USUBJID)!, day);
  const level = (n: number) => trial.doseLevels.find((l) => l.level === n)!;
  const arm = (n: number) => `${data.compound.name} ${doseLabel(level(n))}`;
  const out: Dataset[] = [];

  out.push(
    dataset(
      "DM",
      "Demographics",
      [
        c("STUDYID", "Study Identifier", "string", 1),
        c("DOMAIN", "Domain Abbreviation"),
        c("USUBJID", "Unique Subject Identifier", "string", 2),
        c("SUBJID", "Subject Identifier for the Study"),
        c("RFSTDTC", "Subject Reference Start Date/Time", "date"),
        c("RFXSTDTC", "Date/Time of First Study Treatment", "date"),
        c("SITEID", "Study Site Identifier"),
        c("BRTHDTC", "Date/Time of Birth"),
        c("AGE", "Age", "integer"),
        c("AGEU", "Age Units"),
        c("SEX", "Sex"),
        c("ARMCD", "Planned Arm Code"),
        c("ARM", "Description of Planned Arm"),
        c("ACTARMCD", "Actual Arm Code"),
        c("ACTARM", "Description of Actual Arm"),
      ],
      data.patients.map((p) => ({
        ...common(data, "DM"),
        USUBJID: p.USUBJID,
        SUBJID: p.USUBJID,
        RFSTDTC: p.RFXSTDTC,
        RFXSTDTC: p.RFXSTDTC,
        SITEID: p.SITEID,
        BRTHDTC: p.BRTHDTC,
        AGE: p.AGE,
        AGEU: p.AGE === undefined ? undefined : "YEARS",
        SEX: p.SEX,
        ARMCD: `DL${p.doseLevel}`,
        ARM: arm(p.doseLevel),
        ACTARMCD: `DL${p.doseLevel}`,
        ACTARM: arm(p.doseLevel),
      })),
    ),
  );

  // What the trial format keeps on the patient but SDTMIG places elsewhere: the cohort, backfill and the
  // randomized arm as supplemental qualifiers (SUPPDM), weight and height as baseline vital signs (VS).
  const supplemental: SubjectRow[] = data.patients.flatMap((p) => [
    { USUBJID: p.USUBJID, QNAM: "COHORT", QLABEL: "Cohort", QVAL: String(p.cohort) },
    ...(p.backfill ? [{ USUBJID: p.USUBJID, QNAM: "BACKFLFL", QLABEL: "Backfill Cohort Flag", QVAL: "Y" }] : []),
    ...(p.randomizedArm === undefined
      ? []
      : [{ USUBJID: p.USUBJID, QNAM: "RANDARM", QLABEL: "Randomized Arm", QVAL: String(p.randomizedArm) }]),
    ...(p.priorRegimens === undefined
      ? []
      : [{ USUBJID: p.USUBJID, QNAM: "PRIORREG", QLABEL: "Prior Regimens", QVAL: String(p.priorRegimens) }]),
    ...(p.lostToFollowUpDay === undefined
      ? []
      : [{ USUBJID: p.USUBJID, QNAM: "LTFUDY", QLABEL: "Lost to Follow-up after Study Day", QVAL: String(p.lostToFollowUpDay) }]),
  ]);
  out.push(
    supplementalQualifiers(
      data,
      "DM",
      supplemental.map((q) => ({ ...q, QORIG: "CRF" })),
    ),
  );
  const vitals: SubjectRow[] = data.patients.flatMap((p) => [
    { USUBJID: p.USUBJID, VSTESTCD: "WEIGHT", VSTEST: "Weight", VSSTRESN: p.WEIGHT, VSSTRESU: "kg", VSDTC: p.RFXSTDTC },
    { USUBJID: p.USUBJID, VSTESTCD: "HEIGHT", VSTEST: "Height", VSSTRESN: p.HEIGHT, VSSTRESU: "cm", VSDTC: p.RFXSTDTC },
  ]);
  out.push(
    subjectDomain(
      data,
      "VS",
      "Vital Signs",
      [
        c("VSTESTCD", "Vital Signs Test Short Name"),
        c("VSTEST", "Vital Signs Test Name"),
        c("VSORRES", "Result or Finding in Original Units"),
        c("VSORRESU", "Original Units"),
        c("VSSTRESN", "Numeric Result/Finding in Standard Units", "double"),
        c("VSSTRESU", "Standard Units"),
        c("VSBLFL", "Baseline Flag"),
        c("VSDTC", "Date/Time of Measurements", "date"),
      ],
      vitals.map((v) => ({
        ...v,
        VSORRES: String(v.VSSTRESN),
        VSORRESU: v.VSSTRESU,
        VSBLFL: "Y",
      })),
    ),
  );
  if (data.administrations.length > 0)
    out.push(
      subjectDomain(
        data,
        "EX",
        "Exposure",
        [
          c("EXTRT", "Name of Treatment"),
          c("EXDOSE", "Dose", "double"),
          c("EXDOSU", "Dose Units"),
          c("EXSTDTC", "Start Date/Time of Treatment", "date"),
          c("EXSTDY", "Study Day of Start of Treatment", "integer"),
        ],
        data.administrations.map((a) => ({
          USUBJID: a.USUBJID,
          EXTRT: data.compound.name,
          EXDOSE: a.EXDOSE,
          EXDOSU: a.EXDOSU,
          EXSTDTC: date(a.USUBJID, a.EXSTDY),
          EXSTDY: a.EXSTDY,
        })),
      ),
    );

  const aeSeq = seqBy(data.adverseEvents);
  if (data.adverseEvents.length > 0)
    out.push(
      subjectDomain(
        data,
        "AE",
        "Adverse Events",
        [
          c("AETERM", "Reported Term for the Adverse Event"),
          c("AECAT", "Category for Adverse Event"),
          c("AESER", "Serious Event"),
          c("AEREL", "Causality"),
          c("AETOXGR", "Standard Toxicity Grade"),
          c("AESTDTC", "Start Date/Time of Adverse Event"),
          c("AEENDTC", "End Date/Time of Adverse Event"),
          c("AESTDY", "Study Day of Start of Adverse Event", "integer"),
          c("AEENDY", "Study Day of End of Adverse Event", "integer"),
        ],
        data.adverseEvents.map((e) => ({
          USUBJID: e.USUBJID,
          AETERM: e.AETERM,
          AECAT: e.AECAT.toUpperCase(),
          AESER: e.AESER,
          AEREL: e.AEREL,
          AETOXGR: String(e.AETOXGR),
          AESTDTC: e.AESTDTC ?? date(e.USUBJID, e.AESTDY),
          AEENDTC: e.AEENDTC ?? date(e.USUBJID, e.AEENDY),
          AESTDY: e.AESTDY,
          AEENDY: e.AEENDY,
        })),
      ),
    );

  const adjudicated = data.adverseEvents.map((e, i) => ({ e, seq: aeSeq[i]! })).filter(({ e }) => e.DLTFL !== undefined);
  if (adjudicated.length > 0)
    out.push(
      supplementalQualifiers(
        data,
        "AE",
        adjudicated.map(({ e, seq }) => ({
          USUBJID: e.USUBJID,
          IDVAR: "AESEQ",
          IDVARVAL: String(seq),
          QNAM: "DLTFL",
          QLABEL: "Dose-Limiting Toxicity (Adjudicated)",
          QVAL: e.DLTFL,
          QORIG: "ASSIGNED",
        })),
      ),
    );
  const grades = new Map(
    analysis.patients.flatMap((p) => p.labGrades.map((g) => [`${p.USUBJID}\u0000${g.test}\u0000${g.day}`, g.grade] as const)),
  );
  if (data.labs.length > 0)
    out.push(
      subjectDomain(
        data,
        "LB",
        "Laboratory Test Results",
        [
          c("LBTESTCD", "Lab Test or Examination Short Name"),
          c("LBTEST", "Lab Test or Examination Name"),
          c("LBORRES", "Result or Finding in Original Units"),
          c("LBORRESU", "Original Units"),
          c("LBSTRESC", "Character Result/Finding in Std Format"),
          c("LBSTRESN", "Numeric Result/Finding in Standard Units", "double"),
          c("LBSTRESU", "Standard Units"),
          c("LBSTNRLO", "Normal Range Lower Limit-Std Units", "double"),
          c("LBSTNRHI", "Normal Range Upper Limit-Std Units", "double"),
          c("LBTOXGR", "Standard Toxicity Grade"),
          c("LBBLFL", "Baseline Flag"),
          c("LBDTC", "Date/Time of Specimen Collection", "date"),
          c("LBDY", "Study Day of Specimen Collection", "integer"),
        ],
        data.labs.map((l) => {
          const grade = l.LBBLFL === "Y" ? undefined : grades.get(`${l.USUBJID}\u0000${l.LBTESTCD}\u0000${l.LBDY}`);
          const result = l.LBSTRESN === undefined ? l.LBSTRESC : String(l.LBSTRESN);
          return {
            USUBJID: l.USUBJID,
            LBTESTCD: l.LBTESTCD,
            LBTEST: LAB_TESTS[l.LBTESTCD] ?? l.LBTESTCD,
            LBORRES: result,
            LBORRESU: l.LBSTRESU,
            LBSTRESC: result,
            LBSTRESN: l.LBSTRESN,
            LBSTRESU: l.LBSTRESU,
            LBSTNRLO: l.LBSTNRLO,
            LBSTNRHI: l.LBSTNRHI,
            LBTOXGR: grade === undefined || grade === null ? undefined : String(grade),
            LBBLFL: l.LBBLFL,
            LBDTC: date(l.USUBJID, l.LBDY),
            LBDY: l.LBDY,
          };
        }),
      ),
    );

  if (data.tumours.length > 0) {
    // TU: each lesion once, at its first record; TR: every measurement or status.
    const lesions = new Map<string, TrialData["tumours"][number]>();
    for (const t of data.tumours) if (!lesions.has(`${t.USUBJID}\u0000${t.TRLNKID}`)) lesions.set(`${t.USUBJID}\u0000${t.TRLNKID}`, t);
    const identified = [...lesions.values()];
    out.push(
      subjectDomain(
        data,
        "TU",
        "Tumor/Lesion Identification",
        [
          c("TULNKID", "Link ID"),
          c("TUTESTCD", "Tumor/Lesion ID Short Name"),
          c("TUTEST", "Tumor/Lesion ID Test Name"),
          c("TUORRES", "Tumor/Lesion ID Result"),
          c("TUSTRESC", "Tumor/Lesion ID Result Std. Format"),
          c("TULOC", "Location of the Tumor/Lesion"),
          c("TUDTC", "Date/Time of Tumor/Lesion Identification", "date"),
          c("TUDY", "Study Day of Tumor/Lesion Identification", "integer"),
        ],
        identified.map((t) => ({
          USUBJID: t.USUBJID,
          TULNKID: t.TRLNKID,
          TUTESTCD: "TUMIDENT",
          TUTEST: "Tumor Identification",
          TUORRES: t.TRGRPID,
          TUSTRESC: t.TRGRPID,
          TULOC: t.TRLOC,
          TUDTC: date(t.USUBJID, t.TRDY),
          TUDY: t.TRDY,
        })),
      ),
    );
    out.push(
      subjectDomain(
        data,
        "TR",
        "Tumor/Lesion Results",
        [
          c("TRGRPID", "Group ID"),
          c("TRLNKID", "Link ID"),
          c("TRTESTCD", "Tumor/Lesion Assessment Short Name"),
          c("TRTEST", "Tumor/Lesion Assessment Test Name"),
          c("TRORRES", "Result or Finding in Original Units"),
          c("TRORRESU", "Original Units"),
          c("TRSTRESC", "Character Result/Finding in Std Format"),
          c("TRSTRESN", "Numeric Result/Finding in Standard Units", "double"),
          c("TRSTRESU", "Standard Units"),
          c("TRDTC", "Date/Time of Tumor/Lesion Measurement", "date"),
          c("TRDY", "Study Day of Tumor/Lesion Measurement", "integer"),
        ],
        data.tumours.map((t) => {
          const measured = t.TRSTRESN !== undefined;
          const testcd = measured ? (t.nodal ? "SAXIS" : "LDIAM") : "TUMSTATE";
          return {
            USUBJID: t.USUBJID,
            TRGRPID: t.TRGRPID,
            TRLNKID: t.TRLNKID,
            TRTESTCD: testcd,
            TRTEST: { LDIAM: "Longest Diameter", SAXIS: "Short Axis", TUMSTATE: "Tumor State" }[testcd],
            TRORRES: measured ? String(t.TRSTRESN) : (t.TRSTRESC ?? (t.TRGRPID === "NEW" ? "PRESENT" : undefined)),
            TRORRESU: measured ? "mm" : undefined,
            TRSTRESC: measured ? String(t.TRSTRESN) : (t.TRSTRESC ?? (t.TRGRPID === "NEW" ? "PRESENT" : undefined)),
            TRSTRESN: t.TRSTRESN,
            TRSTRESU: measured ? "mm" : undefined,
            TRDTC: date(t.USUBJID, t.TRDY),
            TRDY: t.TRDY,
          };
        }),
      ),
    );
  }

  // RS: the overall response at each assessment and the best overall response, as analysed.
  const rsRows: SubjectRow[] = [];
  const criterion = trial.responseCriteria === "RECIST" ? "RECIST 1.1" : trial.responseCriteria;
  for (const p of analysis.patients) {
    if (!p.bestResponse) continue;
    for (const assessment of p.bestResponse.assessments)
      rsRows.push({
        USUBJID: p.USUBJID,
        RSTESTCD: "OVRLRESP",
        RSTEST: "Overall Response",
        RSORRES: assessment.response,
        RSDY: assessment.day,
      });
    rsRows.push({ USUBJID: p.USUBJID, RSTESTCD: "BESTRSP", RSTEST: "Best Overall Response", RSORRES: p.bestResponse.response });
  }
  if (rsRows.length > 0) {
    out.push(
      subjectDomain(
        data,
        "RS",
        "Disease Response and Clin Classification",
        [
          c("RSTESTCD", "Assessment Short Name"),
          c("RSTEST", "Assessment Name"),
          c("RSCAT", "Category for Assessment"),
          c("RSORRES", "Result or Finding in Original Units"),
          c("RSSTRESC", "Character Result/Finding in Std Format"),
          c("RSDTC", "Date/Time of Assessment", "date"),
          c("RSDY", "Study Day of Assessment", "integer"),
        ],
        rsRows.map((r) => ({
          ...r,
          RSCAT: criterion,
          RSSTRESC: r.RSORRES,
          RSDTC: typeof r.RSDY === "number" ? date(r.USUBJID, r.RSDY) : undefined,
        })),
      ),
    );
  }
  if (data.pk.length > 0)
    out.push(
      subjectDomain(
        data,
        "PC",
        "Pharmacokinetics Concentrations",
        [
          c("PCTESTCD", "Pharmacokinetic Test Short Name"),
          c("PCTEST", "Pharmacokinetic Test Name"),
          c("PCORRES", "Result or Finding in Original Units"),
          c("PCORRESU", "Original Units"),
          c("PCSTRESN", "Numeric Result/Finding in Standard Units", "double"),
          c("PCSTRESU", "Standard Units"),
          c("PCSPEC", "Specimen Material Type"),
          c("PCELTM", "Planned Elapsed Time from Time Point Ref"),
          c("PCTPTREF", "Time Point Reference"),
        ],
        data.pk.map((s) => ({
          USUBJID: s.USUBJID,
          PCTESTCD: s.PCTESTCD,
          PCTEST: ANALYTES[s.PCTESTCD] ?? `${data.compound.name} ${s.PCTESTCD}`,
          PCORRES: String(s.PCSTRESN),
          PCORRESU: s.PCSTRESU,
          PCSTRESN: s.PCSTRESN,
          PCSTRESU: s.PCSTRESU,
          PCSPEC: "SERUM",
          PCELTM: isoHours(s.PCELTM),
          PCTPTREF: "START OF FIRST INFUSION",
        })),
      ),
    );

  const parameters: [string, string, string | undefined][] = [
    ["TITLE", "Trial Title", trial.title],
    ["TPHASE", "Trial Phase Classification", trial.phase],
    ["INDIC", "Trial Disease/Condition Indication", trial.indication],
    ["TRT", "Investigational Therapy or Treatment", data.compound.name],
    ["DCUTDTC", "Data Cutoff Date", trial.dataCutDate],
    ["DOSFRQ", "Dosing Frequency", `every ${trial.schedule.cycleDays} days, days ${trial.schedule.days.join(", ")}`],
    ["DOSU", "Dose Units", trial.doseLevels[0]?.unit],
  ];
  const ts = parameters.filter(([, , value]) => value !== undefined);
  out.push(
    dataset(
      "TS",
      "Trial Summary",
      [
        c("STUDYID", "Study Identifier", "string", 1),
        c("DOMAIN", "Domain Abbreviation"),
        c("TSSEQ", "Sequence Number", "integer", 3),
        c("TSPARMCD", "Trial Summary Parameter Short Name", "string", 2),
        c("TSPARM", "Trial Summary Parameter"),
        c("TSVAL", "Parameter Value"),
      ],
      ts.map(([code, parameter, value]) => ({ ...common(data, "TS"), TSSEQ: 1, TSPARMCD: code, TSPARM: parameter, TSVAL: value })),
    ),
  );
  return out;
}

/**
 * The ADaM datasets: ADSL (one record per subject, with the DLT-evaluable population and DLT flags),
 * ADAE (ATOXGR, TRTEMFL), ADLB (ATOXGRL/ATOXGRH by the direction of each CTCAE term), ADRS (best
 * overall response) and ADEX (doses).
 */
export function adamDatasets(data: TrialData, analysis: TrialAnalysis = analyzeTrialData(data)): Dataset[] {
  const { trial } = data;
  const level = (n: number) => trial.doseLevels.find((l) => l.level === n)!;
  const summaries = new Map(analysis.patients.map((p) => [p.USUBJID, p]));
  const keys = [c("STUDYID", "Study Identifier", "string", 1), c("USUBJID", "Unique Subject Identifier", "string", 2)];
  const subject = (USUBJID: string) => ({ STUDYID: trial.id, USUBJID });
  const adsl = dataset(
    "ADSL",
    "Subject-Level Analysis Dataset",
    [
      ...keys,
      c("SUBJID", "Subject Identifier for the Study"),
      c("SITEID", "Study Site Identifier"),
      c("AGE", "Age", "integer"),
      c("AGEU", "Age Units"),
      c("SEX", "Sex"),
      c("TRT01P", "Planned Treatment for Period 01"),
      c("TRT01A", "Actual Treatment for Period 01"),
      c("DOSELVL", "Dose Level", "integer"),
      c("COHORT", "Cohort", "integer"),
      c("TRTSDT", "Date of First Exposure to Treatment", "date"),
      c("SAFFL", "Safety Population Flag"),
      c("DLTEVLFL", "DLT-Evaluable Population Flag"),
      c("DLTFL", "Dose-Limiting Toxicity Flag"),
      c("BORRES", "Best Overall Response"),
    ],
    data.patients.map((p) => {
      const s = summaries.get(p.USUBJID);
      const status = s?.dlt.status;
      const evaluable = status === "DLT" || status === "no DLT";
      return {
        ...subject(p.USUBJID),
        SUBJID: p.USUBJID,
        SITEID: p.SITEID,
        AGE: p.AGE,
        AGEU: p.AGE === undefined ? undefined : "YEARS",
        SEX: p.SEX,
        TRT01P: `${data.compound.name} ${doseLabel(level(p.doseLevel))}`,
        TRT01A: `${data.compound.name} ${doseLabel(level(p.doseLevel))}`,
        DOSELVL: p.doseLevel,
        COHORT: p.cohort,
        TRTSDT: p.RFXSTDTC,
        SAFFL: (s?.dosesReceived ?? 0) > 0 ? "Y" : "N",
        DLTEVLFL: evaluable ? "Y" : "N",
        DLTFL: evaluable ? (status === "DLT" ? "Y" : "N") : undefined,
        BORRES: s?.bestResponse?.response,
      };
    }),
  );
  const firstDose = new Map(data.patients.map((p) => [p.USUBJID, p.RFXSTDTC]));
  const aeSeq = seqBy(data.adverseEvents);
  const adae = dataset(
    "ADAE",
    "Adverse Events Analysis Dataset",
    [
      ...keys,
      c("AESEQ", "Sequence Number", "integer", 3),
      c("AETERM", "Reported Term for the Adverse Event"),
      c("AESER", "Serious Event"),
      c("AEREL", "Causality"),
      c("ATOXGR", "Analysis Toxicity Grade"),
      c("ASTDY", "Analysis Start Relative Day", "integer"),
      c("AENDY", "Analysis End Relative Day", "integer"),
      c("ASTDT", "Analysis Start Date", "date"),
      c("TRTEMFL", "Treatment Emergent Analysis Flag"),
      c("DLTFL", "Dose-Limiting Toxicity Flag"),
    ],
    data.adverseEvents.map((e, i) => ({
      ...subject(e.USUBJID),
      AESEQ: aeSeq[i],
      AETERM: e.AETERM,
      AESER: e.AESER,
      AEREL: e.AEREL,
      ATOXGR: String(e.AETOXGR),
      ASTDY: e.AESTDY,
      AENDY: e.AEENDY,
      ASTDT: firstDose.has(e.USUBJID) ? dateOfStudyDay(firstDose.get(e.USUBJID)!, e.AESTDY) : undefined,
      // Treatment-emergent: starting on or after the first dose (study day 1).
      TRTEMFL: e.AESTDY >= 1 ? "Y" : undefined,
      DLTFL: e.DLTFL,
    })),
  );
  const adlbRows: Row[] = [];
  for (const p of analysis.patients) {
    for (const g of p.labGrades) {
      if (g.value === null) continue;
      const low = g.term !== null && /decreased|^hypo|anemia/i.test(g.term);
      adlbRows.push({
        ...subject(p.USUBJID),
        PARAMCD: g.test,
        PARAM: `${LAB_TESTS[g.test] ?? g.test} (${g.unit})`,
        AVAL: g.value,
        ADY: g.day,
        ATOXGRL: g.grade !== null && low ? String(g.grade) : undefined,
        ATOXGRH: g.grade !== null && !low && g.term !== null ? String(g.grade) : undefined,
        ANL01FL: "Y",
      });
    }
  }
  const adlb = dataset(
    "ADLB",
    "Laboratory Analysis Dataset",
    [
      ...keys,
      c("PARAMCD", "Parameter Code", "string", 3),
      c("PARAM", "Parameter"),
      c("AVAL", "Analysis Value", "double"),
      c("ADY", "Analysis Relative Day", "integer", 4),
      c("ATOXGRL", "Analysis Toxicity Grade Low"),
      c("ATOXGRH", "Analysis Toxicity Grade High"),
      c("ANL01FL", "Analysis Flag 01"),
    ],
    adlbRows,
  );
  const adrs = dataset(
    "ADRS",
    "Response Analysis Dataset",
    [
      ...keys,
      c("PARAMCD", "Parameter Code", "string", 3),
      c("PARAM", "Parameter"),
      c("AVALC", "Analysis Value (C)"),
      c("ADY", "Analysis Relative Day", "integer"),
    ],
    analysis.patients
      .filter((p) => p.bestResponse !== null)
      .map((p) => ({
        ...subject(p.USUBJID),
        PARAMCD: "BOR",
        PARAM: `Best Overall Response (${trial.responseCriteria === "RECIST" ? "RECIST 1.1" : trial.responseCriteria})`,
        AVALC: p.bestResponse!.response,
        ADY: p.bestResponse!.assessments.at(-1)?.day,
      })),
  );
  const adex = dataset(
    "ADEX",
    "Exposure Analysis Dataset",
    [
      ...keys,
      c("PARAMCD", "Parameter Code", "string", 3),
      c("PARAM", "Parameter"),
      c("AVAL", "Analysis Value", "double"),
      c("AVALU", "Analysis Value Unit"),
      c("ASTDY", "Analysis Start Relative Day", "integer", 4),
    ],
    data.administrations.map((a) => ({
      ...subject(a.USUBJID),
      PARAMCD: "DOSE",
      PARAM: `Dose administered (${a.EXDOSU})`,
      AVAL: a.EXDOSE,
      AVALU: a.EXDOSU,
      ASTDY: a.EXSTDY,
    })),
  );
  return [adsl, adae, adlb, adrs, adex];
}
