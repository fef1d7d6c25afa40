import { z } from "zod";

/**
 * The trial data format (docs/formats.md): one JSON or YAML document, field names after CDISC SDTM
 * where one exists. Times are study days (day 1 = first dose) — the …DY variables — and hours for PK.
 * Every text field has a maximum length (TEXT_LIMITS), stated in docs/formats.md.
 */

/** Maximum lengths of text fields, in characters: SDTM's 200 for free text, shorter for codes and units. */
export const TEXT_LIMITS = { id: 100, code: 40, unit: 40, text: 200, title: 500 } as const;
const text = (limit: keyof typeof TEXT_LIMITS = "text") => z.string().max(TEXT_LIMITS[limit]);
const usubjid = text("id").min(1);

/** True for a date that exists in the calendar (2026-02-28, not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}
/** ISO 8601 calendar date (complete: YYYY-MM-DD), as in SDTM --DTC variables; it must exist. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be an ISO 8601 date YYYY-MM-DD")
  .refine(isCalendarDate, "must be a real calendar date");
/** ISO 8601 date that may be partial, as SDTM allows: YYYY, YYYY-MM or YYYY-MM-DD; a complete one must exist. */
const partialDate = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, "must be an ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD")
  .refine((date) => date.length < 10 || isCalendarDate(date), "must be a real calendar date");
const studyDay = z.number().int().min(-365).max(3650);

/** Partial dates compare by what they share: "2026-03" is not before "2026-03-14". */
function partialBefore(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length) < b.slice(0, length);
}

export const compoundSchema = z
  .object({
    name: text().min(1),
    antibody: text().optional(),
    target: text().optional(),
    linker: text().optional(),
    payload: text().optional(),
    sponsor: text().optional(),
    partner: text().optional(),
  })
  .strict();

const dltRuleSchema = z
  .object({
    terms: z.array(text()).max(200).optional(),
    category: z.enum(["haematological", "non-haematological"]).optional(),
    minGrade: z.number().int().min(1).max(5),
    relatedOnly: z.boolean().optional(),
    minDurationDays: z.number().int().min(1).optional(),
    label: text().optional(),
  })
  .strict();

export const trialInfoSchema = z
  .object({
    id: text("id").min(1),
    title: text("title").optional(),
    phase: text("code").optional(),
    indication: text().optional(),
    schedule: z.object({ cycleDays: z.number().int().min(1).max(365), days: z.array(z.number().int().min(1)).min(1) }).strict(),
    doseLevels: z
      .array(
        z
          .object({
            level: z.number().int().min(1),
            amount: z.number().gt(0),
            unit: z.enum(["mg/kg", "mg/m2", "mg"]),
            /** How reports name the level (default "<amount> <unit>"), e.g. "60 mg/m²/day". */
            label: text().min(1).optional(),
          })
          .strict(),
      )
      .min(1),
    dlt: z
      .object({
        windowDays: z.number().int().min(1),
        requiredDoses: z.number().int().min(0).default(1),
        excludedTerms: z.array(text()).max(200).optional(),
        rules: z.array(dltRuleSchema).min(1).max(50),
      })
      .strict(),
    /** The dose-finding design (a design file's content); doses default to the trial's dose levels. */
    design: z.record(z.string(), z.unknown()).optional(),
    /** Date of the data cut: patients still inside their DLT window on this date are pending. */
    dataCutDate: isoDate,
    /** How tumour response is assessed: RECIST 1.1 (solid tumours) or myeloma criteria. */
    responseCriteria: z.enum(["RECIST", "IMWG", "EBMT"]).default("RECIST"),
    recist: z
      .object({
        confirmationDays: z.number().int().min(0).default(28),
        minStableDays: z.number().int().min(0).default(42),
        /** RECIST 1.1 §4.4: responses need confirmation in non-randomized trials; `false` for randomized ones. */
        confirmation: z.boolean().default(true),
        /** A target lesion recorded "TOO SMALL TO MEASURE" counts as this many mm (RECIST 1.1 §3.2: 5 mm). */
        tooSmallMm: z.number().min(0).max(10).default(5),
      })
      .strict()
      .default({ confirmationDays: 28, minStableDays: 42, confirmation: true, tooSmallMm: 5 }),
  })
  .strict();

export const patientSchema = z
  .object({
    USUBJID: usubjid,
    AGE: z.number().int().min(0).max(120).optional(),
    SEX: z.enum(["M", "F", "U"]).optional(),
    SITEID: text("id").optional(),
    /** kg and cm. */
    WEIGHT: z.number().gt(0).max(400),
    HEIGHT: z.number().gt(0).max(250),
    doseLevel: z.number().int().min(1),
    cohort: z.number().int().min(1),
    /** Treated in a backfill cohort: counts at its dose without moving dose finding (`+` in the design's history). */
    backfill: z.boolean().optional(),
    /** Randomized in the dose-comparison stage after dose finding: the 1-based arm (the dose level is the arm's). */
    randomizedArm: z.number().int().min(1).max(3).optional(),
    /** Date of first exposure to the study drug (study day 1). */
    RFXSTDTC: isoDate,
    /** Number of prior chemotherapy regimens. */
    priorRegimens: z.number().int().min(0).max(50).optional(),
    /** Lost to follow-up after this study day: later assessments are not expected, durations are censored. */
    lostToFollowUpDay: z.number().int().min(1).optional(),
    /** Birth date; may be partial (e.g. "1961" or "1961-04"). */
    BRTHDTC: partialDate.optional(),
  })
  .strict();

export const administrationSchema = z
  .object({ USUBJID: usubjid, EXSTDY: studyDay, EXDOSE: z.number().min(0), EXDOSU: text("unit").default("mg") })
  .strict();

/** The adverse-event record's fields; `adverseEventSchema` adds the checks between them. */
export const adverseEventFields = z
  .object({
    USUBJID: usubjid,
    AETERM: text().min(1),
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

/** Onset before end, by study day and by date; for any schema with the adverse-event date fields. */
export function checkAdverseEventDates(
  event: { AESTDY: number; AEENDY?: number | undefined; AESTDTC?: string | undefined; AEENDTC?: string | undefined },
  context: z.RefinementCtx,
): void {
  if (event.AEENDY !== undefined && event.AEENDY < event.AESTDY)
    context.addIssue({ code: "custom", path: ["AEENDY"], input: event.AEENDY, message: `must not be before AESTDY (${event.AESTDY})` });
  if (event.AEENDTC !== undefined && event.AESTDTC !== undefined && partialBefore(event.AEENDTC, event.AESTDTC))
    context.addIssue({ code: "custom", path: ["AEENDTC"], input: event.AEENDTC, message: `must not be before AESTDTC (${event.AESTDTC})` });
}
export const adverseEventSchema = adverseEventFields.superRefine(checkAdverseEventDates);

export const labSchema = z
  .object({
    USUBJID: usubjid,
    LBTESTCD: text("code").min(1),
    LBSTRESN: z.number().optional(),
    /** Character result, e.g. immunofixation "NEGATIVE". */
    LBSTRESC: text().optional(),
    LBSTRESU: text("unit").min(1),
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
    TRLNKID: text("code").min(1),
    TRGRPID: z.enum(["TARGET", "NON-TARGET", "NEW"]),
    TRDY: studyDay,
    /** Diameter in mm (target lesions): longest, or short axis for nodes. */
    TRSTRESN: z.number().min(0).optional(),
    /** Non-target status. */
    TRSTRESC: z.enum(["PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION", "NOT EVALUATED", "TOO SMALL TO MEASURE"]).optional(),
    TRLOC: text().min(1),
    nodal: z.boolean().default(false),
  })
  .strict();

export const pkSchema = z
  .object({
    USUBJID: usubjid,
    /** The analyte: an ADC is measured as several (e.g. ADC conjugate, TAB total antibody, DM1 free payload). */
    PCTESTCD: text("code").min(1).default("ADC"),
    /** Hours after the start of the first infusion. */
    PCELTM: z.number().min(0),
    PCSTRESN: z.number().min(0),
    PCSTRESU: text("unit").default("ug/mL"),
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
