import {
  ACTIONS,
  type DataProblem,
  type Decision,
  type DltWindow,
  type LabRecordGrade,
  type OperatingCharacteristics,
  type PathNode,
  type TrialAnalysis,
  type TrialData,
} from "@escalate/core";
import { z } from "zod";
import { type RecordDomain, recordDomains, SIGNATURE_MEANINGS, simulationBody, type TrialBody } from "./requests.js";
import { ROLES } from "./roles.js";

/**
 * What every route answers: one schema per response, declared on the route (the server checks its
 * answers against it and the OpenAPI document is built from it) and imported by the web app, which
 * checks what it receives. Stored documents are described field by field but let unknown fields
 * through: a record written under an older version is still served, never refused with a 500.
 */

/**
 * An object the core computes (an analysis, a decision, operating characteristics): its top-level
 * fields described for the API's readers, the rest passed through; typed by the core's own type, so
 * the web never re-declares it.
 */
const coreObject = <T>(description: string, shape: z.ZodRawShape) => z.looseObject(shape).describe(description) as unknown as z.ZodType<T>;

const timestamp = z.string().describe("ISO 8601 date-time");
const nullableText = z.string().nullable();
/** A stored entity's status: the store's generic table allows none, though trials, cohorts and stages always have one. */
const entityStatus = nullableText;

export const ok = z.object({ ok: z.boolean() });
/**
 * Every refusal (4xx, 5xx): a code ("invalid", "conflict", "confirmation-required", …), a sentence,
 * and for bad input one issue per field: its path, the value given and what is allowed.
 */
export const refusal = z.looseObject({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), value: z.unknown().optional(), message: z.string() })).optional(),
});

// Accounts and sessions.
export const user = z.object({ id: z.string(), username: z.string(), name: z.string(), admin: z.boolean() });
export const grant = z.object({
  userId: z.string(),
  trialId: z.string(),
  role: z.enum(ROLES),
  /** Site roles: the site; null otherwise. */
  siteId: nullableText,
});
export const session = z.object({ user, grants: z.array(grant), csrfToken: nullableText });
/** The session probe: the logged-in user, or `user: null` (never a 401: the web app asks on every start). */
export const sessionProbe = z.union([session, z.object({ user: z.null(), grants: z.array(grant).max(0), csrfToken: z.null() })]);
export const apiToken = z.object({ name: z.string(), token: z.string().describe("shown once: store it now") });
export const account = user.extend({ status: nullableText.describe("active or disabled") });
export const endedSessions = z.object({ ended: z.number().int() });
export const trialGrant = grant.extend({ id: z.string(), username: z.string().optional() });

// Trials.
const compound = z.looseObject({
  name: z.string(),
  antibody: z.string().optional(),
  target: z.string().optional(),
  linker: z.string().optional(),
  payload: z.string().optional(),
  sponsor: z.string().optional(),
  partner: z.string().optional(),
});
const storedTrial = coreObject<TrialBody["trial"]>("the trial as created (trial format: dose levels, schedule, DLT definition, design)", {
  id: z.string(),
  title: z.string().optional(),
  phase: z.string().optional(),
  indication: z.string().optional(),
  doseLevels: z.array(z.looseObject({ level: z.number().int(), amount: z.number(), unit: z.string(), label: z.string().optional() })),
  dlt: z.looseObject({ windowDays: z.number().int() }),
  design: z.record(z.string(), z.unknown()),
});
export const trialSummary = z.object({
  id: z.string(),
  status: entityStatus.describe("enrolling, or stopped when the trial ended"),
  title: nullableText,
  compound,
  phase: nullableText,
  indication: nullableText,
});
export const trialDocument = z.object({
  compound,
  trial: storedTrial,
  /** Trials created before signaturesRequired existed need one signature. */
  conduct: z.looseObject({ reservationHours: z.number().int(), signaturesRequired: z.number().int().optional() }),
});
export const cohort = z.looseObject({
  number: z.number().int(),
  /** A randomized cohort's lowest arm (each patient's own level is allocated at registration). */
  doseLevel: z.number().int(),
  /** A randomized cohort: the dose levels its patients are allocated among. */
  arms: z.array(z.number().int()).optional(),
  capacity: z.number().int(),
  kind: z.enum(["dose-finding", "expansion", "backfill", "randomized"]),
  /** The signed decision that opened it (none for the first cohort). */
  decision: nullableText,
  status: entityStatus.describe("open, full or closed"),
  reserved: z.number().int(),
  confirmed: z.number().int(),
  waitlisted: z.number().int(),
});
export const site = z.looseObject({ id: z.string(), name: z.string() });
/** The randomized stage as sites may know it: arms, method and factors (its seed never leaves the server). */
export const randomization = z.looseObject({
  method: z.enum(["blocks", "minimization"]),
  arms: z.array(z.number().int()),
  factors: z.record(z.string(), z.array(z.string())).nullable(),
  status: entityStatus.describe("open, or complete once a dose is selected"),
});
export const trialDetail = trialDocument.extend({
  id: z.string(),
  status: entityStatus,
  protocolText: z.string().describe("the design's protocol text (Markdown)"),
  sites: z.array(site),
  cohorts: z.array(cohort),
  randomization: randomization.nullable(),
});

const dataProblem = coreObject<DataProblem>("a record that cannot be read or analysed, and what to fix", {
  USUBJID: z.string(),
  collection: z.string(),
  path: z.string(),
  message: z.string(),
});
export const trialData = coreObject<TrialData>("the live data in the trial format read by `escalate analyze` (docs/formats.md)", {
  compound,
  trial: z.looseObject({ id: z.string() }),
  patients: z.array(z.looseObject({ USUBJID: z.string() })),
  administrations: z.array(z.looseObject({ USUBJID: z.string() })),
  adverseEvents: z.array(z.looseObject({ USUBJID: z.string() })),
  labs: z.array(z.looseObject({ USUBJID: z.string() })),
  tumours: z.array(z.looseObject({ USUBJID: z.string() })),
  pk: z.array(z.looseObject({ USUBJID: z.string() })),
});
export const trialAnalysis = coreObject<TrialAnalysis>("`escalate analyze --json` on the live data", {
  trial: z.string(),
  dataCutDate: z.string(),
  patients: z.array(z.looseObject({ USUBJID: z.string() })),
  doseLevels: z.array(z.looseObject({ level: z.number().int() })),
  outcomes: z.string().describe('the design history, e.g. "1NNN 2NTN"'),
  problems: z.array(dataProblem),
});

// Slots, patients and records.
export const slot = z.looseObject({
  id: z.string(),
  status: z.enum(["reserved", "waitlisted", "confirmed", "released", "expired"]),
  cohort: z.number().int(),
  siteId: z.string(),
  requestedBy: z.string(),
  requestedAt: timestamp,
  /** When a reservation lapses unless confirmed. */
  expiresAt: nullableText,
  USUBJID: nullableText,
});
/** A registration as stored (trial-format patient fields). */
const patientFields = z.record(z.string(), z.unknown());
export const registration = z.looseObject({
  USUBJID: z.string(),
  SITEID: nullableText,
  cohort: z.number().int(),
  doseLevel: z.number().int(),
  /** A randomized cohort: the patient's arm (1-based) and its allocation number. */
  randomizedArm: z.number().int().optional(),
  allocation: z.number().int().optional(),
});
export const dltWindow = coreObject<DltWindow>("a patient's DLT window and status today", {
  USUBJID: z.string(),
  siteId: nullableText,
  cohort: z.number().int(),
  doseLevel: z.number().int(),
  status: z.string().describe("pending, no DLT, DLT, not evaluable, or not analysable"),
  reason: z.string(),
  windowStart: z.string(),
  windowEnd: nullableText,
  daysLeft: z.number().int(),
  unadjudicated: z.array(z.string()).describe("adverse events the rules propose as DLTs, awaiting the safety review"),
  problems: z.array(dataProblem),
});
/** A clinical record as stored (its domain's trial-format fields), with its id and version. */
export const storedRecord = z.looseObject({ id: z.string(), version: z.number().int() });
export type StoredRecord = z.infer<typeof storedRecord>;
export const recordWithKind = storedRecord.extend({ kind: z.string() });
const labGrade = coreObject<LabRecordGrade>("a lab record's CTCAE v5.0 grade, or why it has none", {
  test: z.string(),
  day: z.number(),
  grade: z.number().int().nullable(),
  reason: z.string(),
});
export const patientRecord = z.object({
  patient: patientFields,
  version: z.number().int(),
  dltWindow: dltWindow.nullable(),
  labGrades: z.array(labGrade),
  records: z.object(
    Object.fromEntries(Object.keys(recordDomains).map((domain) => [domain, z.array(storedRecord)])) as Record<
      RecordDomain,
      z.ZodArray<typeof storedRecord>
    >,
  ),
});
export const patientCorrected = z.object({ patient: patientFields, version: z.number().int() });

// Escalation meetings.
const pathNode: z.ZodType<PathNode> = coreObject<PathNode>("the decision after a history, and one child per number of DLTs next", {
  outcomes: z.string(),
  cohort: nullableText,
  action: z.enum(ACTIONS),
  dose: z.number().int().nullable(),
  stop: z.boolean(),
  mtd: z.number().int().nullable(),
  get children() {
    return z.array(pathNode);
  },
});
const recommendation = coreObject<Decision>("the design's decision with its reasons (doses 1-based)", {
  action: z.enum(ACTIONS),
  dose: z.number().int().nullable(),
  stop: z.boolean(),
  admissible: z.array(z.boolean()),
  mtd: z.number().int().nullable(),
  cohortSize: z.number().int().nullable(),
  phase: z.enum(["dose-finding", "expansion", "randomized"]),
  reasons: z.array(z.string()),
  why: z.array(z.looseObject({ code: z.string() })),
});
/** A meeting of the randomized stage: per arm, patients, those assessed for response and responders, and the ROSE decision. */
export const comparison = z.object({
  action: z.enum(["continue", "select"]),
  selected: z.number().int().nullable(),
  stage: z.enum(["interim", "final", "enrolling"]),
  reasons: z.array(z.string()),
  arms: z.array(z.number().int()),
  patients: z.array(z.number().int()),
  assessed: z.array(z.number().int()),
  responses: z.array(z.number().int()),
});
export const signature = z.object({
  userId: z.string(),
  name: z.string(),
  meaning: z.enum(SIGNATURE_MEANINGS),
  at: timestamp,
  recordHash: z.string().describe("SHA-256 of the decision record (everything but the signatures) that was signed"),
});
export const decision = z.object({
  id: z.string(),
  status: z.enum(["proposed", "decided", "signed"]),
  /** Changes with every resolution, revision and signature. */
  version: z.number().int(),
  number: z.number().int(),
  cohort: z.number().int(),
  preparedBy: z.string(),
  preparedAt: timestamp,
  /** The adjudicated data the recommendation was computed from (a site role sees its own sites' patients). */
  basedOn: z.object({
    outcomes: z.string(),
    patients: z.array(z.object({ USUBJID: z.string(), cohort: z.number().int(), doseLevel: z.number().int(), status: z.string() })),
  }),
  recommendation,
  /** Dose-transition pathways for the next two cohorts from here. */
  pathways: pathNode.nullable(),
  comparison: comparison.optional(),
  resolution: z
    .looseObject({
      outcome: z.enum(["accept", "override"]),
      action: z.string(),
      dose: z.number().int().nullable(),
      cohortSize: z.number().int().optional(),
      reason: z.string().optional(),
      backfill: z.array(z.object({ dose: z.number().int(), capacity: z.number().int() })).optional(),
      decidedBy: z.string(),
      decidedAt: timestamp,
    })
    .nullable(),
  signatures: z.array(signature),
});

// Data queries.
export const dataQuery = z.object({
  id: z.string(),
  status: z.enum(["open", "answered", "closed"]),
  USUBJID: z.string(),
  recordId: nullableText,
  field: nullableText,
  messages: z.array(z.object({ at: timestamp, by: z.string(), role: z.string(), text: z.string() })),
});

// The audit trail.
const entityState = z.object({
  siteId: nullableText,
  parent: nullableText,
  status: nullableText,
  data: z.record(z.string(), z.unknown()),
});
export const auditEvent = z.object({
  seq: z.number().int(),
  chain: z.string(),
  chainSeq: z.number().int(),
  at: timestamp,
  actor: z.string(),
  actorName: z.string(),
  role: z.string(),
  type: z.string(),
  reason: nullableText,
  subject: nullableText.describe("the patient (USUBJID) the event concerns"),
  siteId: nullableText,
  changes: z.array(
    z.object({ kind: z.string(), trialId: z.string(), id: z.string(), before: entityState.nullable(), after: entityState.nullable() }),
  ),
  prevHash: z.string(),
  hash: z.string(),
});
export const auditReport = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  chains: z.array(z.object({ chain: z.string(), events: z.number().int(), head: z.string() })),
  /** Every break found: a changed, removed, inserted or reordered event, or a projection that disagrees. */
  problems: z.array(z.string()),
});

// Simulation studies.
export const jobStatus = z.enum(["queued", "running", "done", "failed", "cancelled"]);
export const jobCreated = z.object({ id: z.string(), status: jobStatus });
const operatingCharacteristics = coreObject<OperatingCharacteristics>("operating characteristics, as `escalate simulate --json`", {
  trials: z.number().int(),
});
/** A study in the list: what it asked for and how far it has got. */
export const simulationSummary = z.object({
  id: z.string(),
  status: jobStatus,
  trialId: nullableText,
  createdAt: timestamp,
  finishedAt: nullableText,
  designs: z.number().int(),
  scenarios: z.array(z.string()),
  trials: z.number().int(),
  seed: z.number().int(),
  tasks: z.object({ total: z.number().int(), done: z.number().int(), failed: z.number().int() }),
});
export const simulationJob = z.object({
  id: z.string(),
  status: jobStatus,
  trialId: nullableText,
  createdAt: timestamp,
  finishedAt: nullableText,
  request: simulationBody,
  tasks: z.array(
    z.object({
      design: z.number().int(),
      scenario: z.string(),
      status: z.string(),
      worker: nullableText,
      error: nullableText,
      result: operatingCharacteristics.nullable(),
      /** Progress: shards of 10,000 trials finished, of the task's total. */
      shards: z.object({ done: z.number().int(), total: z.number().int() }),
    }),
  ),
});

export type Refusal = z.infer<typeof refusal>;
export type Issue = NonNullable<Refusal["issues"]>[number];
export type User = z.infer<typeof user>;
export type Grant = z.infer<typeof grant>;
export type Session = z.infer<typeof session>;
export type Account = z.infer<typeof account>;
export type TrialSummary = z.infer<typeof trialSummary>;
export type TrialDetail = z.infer<typeof trialDetail>;
export type Cohort = z.infer<typeof cohort>;
export type Slot = z.infer<typeof slot>;
export type Registration = z.infer<typeof registration>;
export type PatientRecord = z.infer<typeof patientRecord>;
export type Signature = z.infer<typeof signature>;
export type DecisionView = z.infer<typeof decision>;
export type DataQuery = z.infer<typeof dataQuery>;
export type AuditEvent = z.infer<typeof auditEvent>;
export type AuditReport = z.infer<typeof auditReport>;
export type JobStatus = z.infer<typeof jobStatus>;
export type SimulationSummary = z.infer<typeof simulationSummary>;
export type SimulationJob = z.infer<typeof simulationJob>;
