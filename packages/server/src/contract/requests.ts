import {
  ACTIONS,
  administrationSchema,
  adverseEventFields,
  checkAdverseEventDates,
  compoundSchema,
  labSchema,
  patientSchema,
  pkSchema,
  type RecordCollection,
  trialInfoSchema,
  tumourSchema,
} from "@escalate/core";
import { z } from "zod";
import { ROLES } from "./roles.js";

/**
 * Request bodies, built from the core's trial-format schemas (one definition of each record), and the
 * source of the OpenAPI document. Every object is strict: an unknown field is an error, not ignored.
 */
export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-' (starting with a letter or digit)");
const reason = z.string().trim().min(1, "a reason is required").max(2000);

export const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) }).strict();
export const tokenBody = z.object({ name: z.string().min(1).max(100) }).strict();

export const userBody = z
  .object({
    username: z
      .string()
      .min(3)
      .max(64)
      .regex(/^[a-z0-9._-]+$/, "must be lower-case letters, digits, '.', '_' or '-'"),
    name: z.string().trim().min(1).max(200),
    password: z.string().min(12, "must be at least 12 characters").max(1000),
    admin: z.boolean().optional(),
  })
  .strict();

export const passwordChangeBody = z
  .object({ currentPassword: z.string().min(1).max(1000), newPassword: z.string().min(1).max(1000) })
  .strict();
export const passwordResetBody = z.object({ password: z.string().min(1).max(1000), reason }).strict();

export const siteBody = z.object({ id, name: z.string().trim().min(1).max(200) }).strict();

export const trialBody = z
  .object({
    compound: compoundSchema,
    trial: trialInfoSchema
      .omit({ dataCutDate: true })
      .extend({ id, design: z.record(z.string(), z.unknown()) })
      .strict(),
    sites: z.array(siteBody).min(1).max(500),
    conduct: z
      .object({
        /** How long a reserved slot is held for its site before it expires. */
        reservationHours: z.number().int().min(1).max(720).default(48),
        /**
         * Signatures an escalation decision needs, each by a different person allowed to sign, before it
         * takes effect (the next cohort opens with the last).
         */
        signaturesRequired: z.number().int().min(1).max(5).default(1),
      })
      .strict()
      .default({ reservationHours: 48, signaturesRequired: 1 }),
  })
  .strict();
export type TrialBody = z.infer<typeof trialBody>;

export const grantBody = z.object({ username: z.string().min(1).max(64), role: z.enum(ROLES), siteId: id.optional() }).strict();
export const revokeBody = z.object({ reason }).strict();

export const slotBody = z.object({ siteId: id, cohort: z.number().int().min(1).optional() }).strict();
export const confirmBody = z
  .object({
    patient: patientSchema.omit({ doseLevel: true, cohort: true, SITEID: true, backfill: true, randomizedArm: true }).strict(),
    /** A randomized cohort with minimization: the patient's level of each declared factor. */
    factors: z.record(z.string().min(1).max(40), z.string().min(1).max(40)).optional(),
  })
  .strict();
/** A registration's correctable fields: all but the patient's id and what the slot decided (site, cohort, dose level, backfill, arm). */
export const patientCorrectionSchema = patientSchema
  .omit({ USUBJID: true, doseLevel: true, cohort: true, SITEID: true, backfill: true, randomizedArm: true })
  .strict();
/**
 * The version of a record that an edit was made on (optimistic concurrency): required for corrections,
 * optional for deletions and adjudications; an If-Match header may carry it instead.
 */
const version = z.number().int().min(1);
export const patientCorrectionBody = z.object({ patient: patientCorrectionSchema, reason, version }).strict();
export const releaseBody = z.object({ reason }).strict();

/** Confirms an entry that the plausibility checks question (a dose far from the protocol's, a date before the first dose). */
export const confirmation = z.string().trim().min(1, "a reason is required to confirm").max(2000);

/**
 * Clinical records by URL segment; USUBJID comes from the URL and DLTFL only from adjudication. `schema`
 * is the stored record; `entry` the body that creates one, which may add `confirmation`.
 */
function domain<F extends z.ZodRawShape>(
  kind: string,
  collection: RecordCollection,
  fields: z.ZodObject<F>,
  refine?: (record: never, context: z.RefinementCtx) => void,
) {
  const strict = fields.strict();
  const entry = fields.extend({ confirmation: confirmation.optional() }).strict();
  return {
    kind,
    /** Its collection in the trial format. */
    collection,
    schema: refine ? strict.superRefine(refine as (record: unknown, context: z.RefinementCtx) => void) : strict,
    entry: refine ? entry.superRefine(refine as (record: unknown, context: z.RefinementCtx) => void) : entry,
  };
}
export const recordDomains = {
  administrations: domain("administration", "administrations", administrationSchema.omit({ USUBJID: true })),
  "adverse-events": domain(
    "adverseEvent",
    "adverseEvents",
    adverseEventFields.omit({ USUBJID: true, DLTFL: true }),
    checkAdverseEventDates,
  ),
  labs: domain("lab", "labs", labSchema.omit({ USUBJID: true })),
  tumours: domain("tumour", "tumours", tumourSchema.omit({ USUBJID: true })),
  pk: domain("pk", "pk", pkSchema.omit({ USUBJID: true })),
} as const;
export type RecordDomain = keyof typeof recordDomains;
export const recordKinds = Object.values(recordDomains).map((d) => d.kind);
/** The record domain of a stored entity kind. */
export const domainOfKind = (kind: string) => Object.values(recordDomains).find((d) => d.kind === kind)!;
/** The stored entity kind of each trial-format record collection. */
export const kindOfCollection = (collection: RecordCollection) =>
  Object.values(recordDomains).find((d) => d.collection === collection)!.kind;

export const correctionBody = z
  .object({ record: z.record(z.string(), z.unknown()), reason, version, confirmation: confirmation.optional() })
  .strict();
export const deletionBody = z.object({ reason, version: version.optional() }).strict();
export const adjudicationBody = z.object({ dlt: z.boolean(), reason, version: version.optional() }).strict();

export const resolutionBody = z
  .object({
    outcome: z.enum(["accept", "override"]),
    /** Override: the committee's dose (1-based level) and action. */
    action: z.enum(ACTIONS).optional(),
    dose: z.number().int().min(1).optional(),
    cohortSize: z.number().int().min(1).max(100).optional(),
    reason: z.string().trim().min(1).max(2000).optional(),
    /** The version of the decision the committee read; one revised since is not overwritten (409). */
    version: z.number().int().min(1).optional(),
    /** Extra cohorts at doses already cleared, enrolled alongside (backfill). */
    backfill: z
      .array(z.object({ dose: z.number().int().min(1), capacity: z.number().int().min(1).max(100) }).strict())
      .max(20)
      .optional(),
  })
  .strict();
export type ResolutionBody = z.infer<typeof resolutionBody>;

export const SIGNATURE_MEANINGS = ["approval", "review", "responsibility"] as const;
/** `version`: the version of the decision the signer read; a decision revised since is not signed (409). */
export const signatureBody = z
  .object({ password: z.string().min(1).max(1000), meaning: z.enum(SIGNATURE_MEANINGS), version: z.number().int().min(1).optional() })
  .strict();

export const simulationBody = z
  .object({
    designs: z.array(z.record(z.string(), z.unknown())).min(1).max(100),
    scenarios: z
      .array(z.object({ name: z.string().min(1).max(100), truth: z.array(z.number().min(0).max(1)).min(1).max(50) }).strict())
      .min(1)
      .max(20),
    trials: z.number().int().min(1).max(1_000_000),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    trialId: id.optional(),
  })
  .strict();
export type SimulationBody = z.infer<typeof simulationBody>;

const queryText = z.string().trim().min(1, "text is required").max(4000);
/** A data query about a patient or one of their records (and optionally one field of it). */
export const queryBody = z
  .object({
    USUBJID: z.string().min(1).max(100),
    recordId: z.string().uuid().optional(),
    field: z.string().min(1).max(64).optional(),
    text: queryText,
  })
  .strict();
export type QueryBody = z.infer<typeof queryBody>;
export const queryMessageBody = z.object({ text: queryText }).strict();
export const queryCloseBody = z.object({ text: queryText.optional() }).strict();
