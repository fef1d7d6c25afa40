import { z } from "zod";

/**
 * The trial data format (docs/formats.md): one JSON or YAML document, field names after CDISC SDTM
 * where one exists. Times are study days (day 1 = first dose) — the …DY variables — and hours for PK.
 */
const usubjid = z.string().min(1).max(100);
/** ISO 8601 calendar date (complete: YYYY-MM-DD), as in SDTM --DTC variables. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be an ISO 8601 date YYYY-MM-DD");
/** ISO 8601 date that may be partial, as SDTM allows: YYYY, YYYY-MM or YYYY-MM-DD. */
const partialDate = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, "must be an ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD");
const studyDay = z.number().int().min(-365).max(3650);

export const compoundSchema = z
  .object({
    name: z.string().min(1),
    antibody: z.string().optional(),
    target: z.string().optional(),
    linker: z.string().optional(),
    payload: z.string().optional(),
    sponsor: z.string().optional(),
    partner: z.string().optional(),
  })
  .strict();

const dltRuleSchema = z
  .object({
    terms: z.array(z.string()).optional(),
    category: z.enum(["haematological", "non-haematological"]).optional(),
    minGrade: z.number().int().min(1).max(5),
    relatedOnly: z.boolean().optional(),
    minDurationDays: z.number().int().min(1).optional(),
    label: z.string().optional(),
  })
  .strict();

export const trialInfoSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().optional(),
    phase: z.string().optional(),
    indication: z.string().optional(),
    schedule: z.object({ cycleDays: z.number().int().min(1).max(365), days: z.array(z.number().int().min(1)).min(1) }).strict(),
    doseLevels: z
      .array(
        z
          .object({
            level: z.number().int().min(1),
            amount: z.number().gt(0),
            unit: z.enum(["mg/kg", "mg/m2", "mg"]),
            /** How reports name the level (default "<amount> <unit>"), e.g. "60 mg/m²/day". */
            label: z.string().min(1).optional(),
          })
          .strict(),
      )
      .min(1),
    dlt: z
      .object({
        windowDays: z.number().int().min(1),
        requiredDoses: z.number().int().min(0).default(1),
        excludedTerms: z.array(z.string()).optional(),
        rules: z.array(dltRuleSchema).min(1),
      })
      .strict(),
    /** The dose-finding design (a design file's content); doses default to the trial's dose levels. */
    design: z.record(z.string(), z.unknown()).optional(),
    /** Date of the data cut: patients still inside their DLT window on this date are pending. */
    dataCutDate: isoDate,
    /** How tumour response is assessed: RECIST 1.1 (solid tumours) or myeloma criteria. */
    responseCriteria: z.enum(["RECIST", "IMWG", "EBMT"]).default("RECIST"),
    recist: z
      .object({ confirmationDays: z.number().int().min(0).default(28), minStableDays: z.number().int().min(0).default(42) })
      .strict()
      .default({ confirmationDays: 28, minStableDays: 42 }),
  })
  .strict();

export const patientSchema = z
  .object({
    USUBJID: usubjid,
    AGE: z.number().int().min(0).max(120).optional(),
    SEX: z.enum(["M", "F", "U"]).optional(),
    SITEID: z.string().optional(),
    /** kg and cm. */
    WEIGHT: z.number().gt(0).max(400),
    HEIGHT: z.number().gt(0).max(250),
    doseLevel: z.number().int().min(1),
    cohort: z.number().int().min(1),
    /** Date of first exposure to the study drug (study day 1). */
    RFXSTDTC: isoDate,
    /** Number of prior chemotherapy regimens. */
    priorRegimens: z.number().int().min(0).max(50).optional(),
    /** Birth date; may be partial (e.g. "1961" or "1961-04"). */
    BRTHDTC: partialDate.optional(),
  })
  .strict();

export const administrationSchema = z
  .object({ USUBJID: usubjid, EXSTDY: studyDay, EXDOSE: z.number().min(0), EXDOSU: z.string().default("mg") })
  .strict();

export const adverseEventSchema = z
  .object({
    USUBJID: usubjid,
    AETERM: z.string().min(1),
    AETOXGR: z.number().int().min(1).max(5),
    AEREL: z.enum(["Y", "N"]),
    AESER: z.enum(["Y", "N"]).default("N"),
    AESTDY: studyDay,
    AEENDY: studyDay.optional(),
    /** Onset and end dates as reported; may be partial. Decisions use the study days. */
    AESTDTC: partialDate.optional(),
    AEENDTC: partialDate.optional(),
    AECAT: z.enum(["haematological", "non-haematological"]),
    /** DLT adjudication by the safety review ("Y" DLT, "N" not); absent until adjudicated, when the protocol's rules decide. */
    DLTFL: z.enum(["Y", "N"]).optional(),
  })
  .strict();

export const labSchema = z
  .object({
    USUBJID: usubjid,
    LBTESTCD: z.string().min(1),
    LBSTRESN: z.number().optional(),
    /** Character result, e.g. immunofixation "NEGATIVE". */
    LBSTRESC: z.string().optional(),
    LBSTRESU: z.string().min(1),
    LBSTNRLO: z.number().optional(),
    LBSTNRHI: z.number().optional(),
    LBDY: studyDay,
    /** "Y" on the baseline record. */
    LBBLFL: z.enum(["Y"]).optional(),
  })
  .strict();

export const tumourSchema = z
  .object({
    USUBJID: usubjid,
    /** Lesion identifier. */
    TRLNKID: z.string().min(1),
    TRGRPID: z.enum(["TARGET", "NON-TARGET", "NEW"]),
    TRDY: studyDay,
    /** Diameter in mm (target lesions): longest, or short axis for nodes. */
    TRSTRESN: z.number().min(0).optional(),
    /** Non-target status. */
    TRSTRESC: z.enum(["PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION", "NOT EVALUATED"]).optional(),
    TRLOC: z.string().min(1),
    nodal: z.boolean().default(false),
  })
  .strict();

export const pkSchema = z
  .object({
    USUBJID: usubjid,
    /** Hours after the start of the first infusion. */
    PCELTM: z.number().min(0),
    PCSTRESN: z.number().min(0),
    PCSTRESU: z.string().default("ug/mL"),
  })
  .strict();

export const trialDataSchema = z
  .object({
    compound: compoundSchema,
    trial: trialInfoSchema,
    patients: z.array(patientSchema).default([]),
    administrations: z.array(administrationSchema).default([]),
    adverseEvents: z.array(adverseEventSchema).default([]),
    labs: z.array(labSchema).default([]),
    tumours: z.array(tumourSchema).default([]),
    pk: z.array(pkSchema).default([]),
  })
  .strict();

export type TrialData = z.infer<typeof trialDataSchema>;
export type TrialDataInput = z.input<typeof trialDataSchema>;
