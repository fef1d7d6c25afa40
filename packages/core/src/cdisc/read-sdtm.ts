import { ValidationError } from "../validation.js";

/**
 * A trial document (the format of `escalate analyze`) from SDTM datasets as Dataset-JSON documents:
 * DM + SUPPDM + VS → patients, EX → administrations, AE + SUPPAE → adverse events, LB → labs,
 * TR + TU → tumours, PC → pk. The study description (compound, trial: dose levels, DLT rules, design)
 * is not in SDTM and comes beside it. Records are passed on unchecked: the analysis checks each one
 * and names what it cannot read.
 */
export type Records = Record<string, unknown>[];

/** The rows of a Dataset-JSON document as objects keyed by column name (null values left out). */
export function datasetRecords(document: unknown, file = "dataset"): Records {
  const d = document as { columns?: { name: string }[]; rows?: unknown[][] };
  if (!Array.isArray(d?.columns) || !Array.isArray(d?.rows))
    throw new ValidationError([{ path: file, message: "must be a Dataset-JSON document with columns and rows" }], "SDTM");
  const names = d.columns.map((column) => column.name);
  return d.rows.map((row) =>
    Object.fromEntries(names.flatMap((name, i) => (row[i] === null || row[i] === undefined ? [] : [[name, row[i]]]))),
  );
}

const hoursOf = (duration: unknown): number | undefined => {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?)?$/.exec(String(duration));
  if (!match) return undefined;
  return Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0) + Number(match[3] ?? 0) / 60;
};

const num = (value: unknown) => (value === undefined || value === "" ? undefined : Number(value));
const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

export function trialFromSdtm(
  study: { compound: unknown; trial: unknown },
  datasets: Partial<Record<string, Records>>,
): Record<string, unknown> {
  const dm = datasets.DM ?? [];
  if (dm.length === 0 && datasets.DM === undefined)
    throw new ValidationError([{ path: "dm.json", message: "is required (the patients)" }], "SDTM");
  const qualifiers = (rdomain: string) => (datasets[`SUPP${rdomain}`] ?? []) as Records;
  const supp = (USUBJID: unknown, qnam: string) => qualifiers("DM").find((q) => q.USUBJID === USUBJID && q.QNAM === qnam)?.QVAL;
  const vital = (USUBJID: unknown, test: string) => (datasets.VS ?? []).find((v) => v.USUBJID === USUBJID && v.VSTESTCD === test)?.VSSTRESN;
  const patients = dm.map((p) =>
    defined({
      USUBJID: p.USUBJID,
      AGE: num(p.AGE),
      SEX: p.SEX,
      SITEID: p.SITEID,
      WEIGHT: num(vital(p.USUBJID, "WEIGHT")),
      HEIGHT: num(vital(p.USUBJID, "HEIGHT")),
      doseLevel: num(/^DL(\d+)$/.exec(String(p.ACTARMCD ?? p.ARMCD))?.[1]),
      cohort: num(supp(p.USUBJID, "COHORT")),
      backfill: supp(p.USUBJID, "BACKFLFL") === "Y" ? true : undefined,
      randomizedArm: num(supp(p.USUBJID, "RANDARM")),
      priorRegimens: num(supp(p.USUBJID, "PRIORREG")),
      lostToFollowUpDay: num(supp(p.USUBJID, "LTFUDY")),
      RFXSTDTC: p.RFXSTDTC,
      BRTHDTC: p.BRTHDTC,
    }),
  );
  const dltFlag = (USUBJID: unknown, seq: unknown) =>
    qualifiers("AE").find((q) => q.USUBJID === USUBJID && q.QNAM === "DLTFL" && String(q.IDVARVAL) === String(seq))?.QVAL;
  const lesionLocation = (USUBJID: unknown, link: unknown) =>
    (datasets.TU ?? []).find((t) => t.USUBJID === USUBJID && t.TULNKID === link)?.TULOC;
  return {
    ...study,
    patients,
    administrations: (datasets.EX ?? []).map((e) =>
      defined({ USUBJID: e.USUBJID, EXSTDY: num(e.EXSTDY), EXDOSE: num(e.EXDOSE), EXDOSU: e.EXDOSU }),
    ),
    adverseEvents: (datasets.AE ?? []).map((e) =>
      defined({
        USUBJID: e.USUBJID,
        AETERM: e.AETERM,
        AETOXGR: num(e.AETOXGR),
        AEREL: e.AEREL,
        AESER: e.AESER,
        AESTDY: num(e.AESTDY),
        AEENDY: num(e.AEENDY),
        AESTDTC: e.AESTDTC,
        AEENDTC: e.AEENDTC,
        AECAT: typeof e.AECAT === "string" ? e.AECAT.toLowerCase() : e.AECAT,
        DLTFL: dltFlag(e.USUBJID, e.AESEQ),
      }),
    ),
    labs: (datasets.LB ?? []).map((l) =>
      defined({
        USUBJID: l.USUBJID,
        LBTESTCD: l.LBTESTCD,
        LBSTRESN: num(l.LBSTRESN),
        LBSTRESC: l.LBSTRESN === undefined ? l.LBSTRESC : undefined,
        LBSTRESU: l.LBSTRESU ?? l.LBORRESU,
        LBSTNRLO: num(l.LBSTNRLO),
        LBSTNRHI: num(l.LBSTNRHI),
        LBDY: num(l.LBDY),
        LBBLFL: l.LBBLFL,
      }),
    ),
    tumours: (datasets.TR ?? []).map((t) =>
      defined({
        USUBJID: t.USUBJID,
        TRLNKID: t.TRLNKID,
        TRGRPID: t.TRGRPID,
        TRDY: num(t.TRDY),
        TRSTRESN: num(t.TRSTRESN),
        TRSTRESC: t.TRSTRESN === undefined && t.TRGRPID !== "NEW" ? t.TRSTRESC : undefined,
        TRLOC: lesionLocation(t.USUBJID, t.TRLNKID),
        nodal: t.TRTESTCD === "SAXIS" ? true : undefined,
      }),
    ),
    pk: (datasets.PC ?? []).map((s) =>
      defined({ USUBJID: s.USUBJID, PCTESTCD: s.PCTESTCD, PCELTM: hoursOf(s.PCELTM), PCSTRESN: num(s.PCSTRESN), PCSTRESU: s.PCSTRESU }),
    ),
  };
}
