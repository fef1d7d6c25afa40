import type { TrialDataInput } from "@escalate/core";
import { authorize, type Role, SYSTEM_ACTOR, type User } from "./access.js";
import { createUser, findUser } from "./auth/accounts.js";
import { prepareDecision, resolveDecision, signDecision } from "./conduct/decisions.js";
import { addRecord, adjudicate } from "./conduct/records.js";
import { confirmSlot, requestSlot } from "./conduct/slots.js";
import { trialState } from "./conduct/trial-state.js";
import { createTrial, grantRole } from "./conduct/trials.js";
import { type RecordDomain, recordDomains, trialBody } from "./contract/requests.js";
import type { Store } from "./db/database.js";

/** Demo accounts (demo databases only): one per role, all with this password. */
export const DEMO_PASSWORD = "escalate-demo";
export const DEMO_USERS: { username: string; name: string; role: Role | "system-admin"; site?: string }[] = [
  { username: "admin", name: "Ada Admin", role: "system-admin" },
  { username: "stat", name: "Sam Statistician", role: "statistician" },
  { username: "chair", name: "Dr Maria Chair", role: "medical-monitor" },
  { username: "inv101", name: "Dr Ian Investigator", role: "investigator", site: "101" },
  { username: "coord101", name: "Cora Coordinator", role: "coordinator", site: "101" },
  { username: "inv102", name: "Dr Jo Investigator", role: "investigator", site: "102" },
  { username: "monitor", name: "Mo Monitor", role: "monitor" },
  { username: "auditor", name: "Audrey Auditor", role: "auditor" },
];

const DAY = 86_400_000;
const at = (date: string, days = 0) => new Date(Date.parse(`${date}T09:00:00Z`) + days * DAY);

/**
 * Loads a demo into an empty database: one user per role, and the example trial conducted through the
 * real workflow — slots requested and confirmed by the sites, doses, adverse events, labs, tumour
 * assessments and PK recorded, DLTs adjudicated, each escalation decision prepared by the design,
 * accepted and signed — cohort by cohort at the times the example gives. The last cohort's DLTs are
 * left for the user to adjudicate. Does nothing if the trial exists already.
 */
export async function loadDemo(store: Store, example: TrialDataInput, design: Record<string, unknown>): Promise<boolean> {
  const { db } = store;
  const trialId = example.trial.id;
  if (await db.selectFrom("entities").select("id").where("kind", "=", "trial").where("trial_id", "=", trialId).executeTakeFirst())
    return false;
  const users = new Map<string, User>();
  for (const spec of DEMO_USERS) {
    const user =
      (await findUser(db, { username: spec.username })) ??
      (await createUser(
        db,
        SYSTEM_ACTOR,
        { username: spec.username, name: spec.name, password: DEMO_PASSWORD, admin: spec.role === "system-admin" },
        at("2026-02-01"),
        false, // the demo's password is published: the policy would be pointless here
      ));
    users.set(spec.username, user);
  }
  const patients = example.patients ?? [];
  const sites = [...new Set(patients.map((p) => p.SITEID ?? "101"))].sort();
  const { dataCutDate: _cut, ...trialInfo } = example.trial;
  const body = trialBody.parse({
    compound: example.compound,
    trial: { ...trialInfo, design },
    sites: sites.map((id) => ({ id, name: `Site ${id}` })),
  });
  const admin = users.get("admin")!;
  await createTrial(db, { id: admin.id, name: admin.name, role: "admin" }, body, at("2026-02-15"));
  for (const spec of DEMO_USERS) {
    if (spec.role === "system-admin") continue;
    await grantRole(
      db,
      { id: admin.id, name: admin.name, role: "admin" },
      trialId,
      { username: spec.username, role: spec.role, siteId: spec.site },
      at("2026-02-15"),
    );
  }
  const as = (username: string, permission: Parameters<typeof authorize>[3]) => authorize(db, users.get(username)!, trialId, permission);
  const investigator = (site: string) => (site === "101" ? "inv101" : "inv102");
  const cohorts = [...new Set(patients.map((p) => p.cohort))].sort((a, b) => a - b);
  const domains: [RecordDomain, keyof TrialDataInput][] = [
    ["administrations", "administrations"],
    ["adverse-events", "adverseEvents"],
    ["labs", "labs"],
    ["tumours", "tumours"],
    ["pk", "pk"],
  ];
  // The trial's history as it happened, in time order: each cohort's registrations, every record entered
  // the day after the last day it speaks of (never before it happened), and the escalation meeting after
  // each cohort's DLT window — so a meeting sees exactly the data that existed on its day.
  const doseOf = (number: number) => patients.find((p) => p.cohort === number)!.doseLevel;
  const timeline: { at: Date; order: number; run: () => Promise<unknown> }[] = [];
  for (const [index, cohort] of cohorts.entries()) {
    const members = patients.filter((p) => p.cohort === cohort);
    const start = members.map((p) => p.RFXSTDTC).sort()[0]!;
    for (const patient of members) {
      const site = patient.SITEID ?? "101";
      timeline.push({
        at: at(start, -3),
        order: 0,
        run: async () => {
          const slot = await requestSlot(db, await as(investigator(site), "slots.request"), trialId, { siteId: site }, at(start, -3));
          const { doseLevel: _d, cohort: _c, SITEID: _s, ...registration } = patient;
          await confirmSlot(db, await as(investigator(site), "patients.write"), trialId, slot.id, registration, at(start, -2));
        },
      });
      for (const [domain, collection] of domains) {
        for (const record of (example[collection] as { USUBJID: string }[] | undefined) ?? []) {
          if (record.USUBJID !== patient.USUBJID) continue;
          const { USUBJID: _u, ...fields } = record;
          const validated = recordDomains[domain].schema.parse(fields) as Record<string, unknown>;
          const entered = at(patient.RFXSTDTC, entryOffset(validated));
          timeline.push({
            at: entered,
            order: 1,
            // The example's dose changes are the protocol's, confirmed as such.
            run: async () =>
              addRecord(
                db,
                await as(investigator(site), "patients.write"),
                trialId,
                patient.USUBJID,
                domain,
                validated,
                entered,
                "as recorded in the example trial",
              ),
          });
        }
      }
    }
    if (index === cohorts.length - 1) continue;
    // The escalation meeting after the DLT window: adjudicate what the rules propose, decide, sign.
    const meeting = at(start, 23);
    timeline.push({
      at: meeting,
      order: 2,
      run: async () => {
        const chair = await as("chair", "dlt.adjudicate");
        for (const window of (await trialState(db, trialId, meeting)).windows) {
          for (const id of window.unadjudicated)
            await adjudicate(db, chair.actor, trialId, id, { dlt: true, reason: "meets the protocol's DLT definition" }, meeting);
        }
        const decision = await prepareDecision(db, await as("stat", "decision.prepare"), trialId, meeting);
        const nextDose = doseOf(cohorts[index + 1]!);
        const signer = await as("chair", "decision.sign");
        await resolveDecision(
          db,
          signer,
          trialId,
          decision.id,
          decision.data.recommendation.dose === nextDose
            ? { outcome: "accept" }
            : {
                outcome: "override",
                // What the committee did, relative to the dose of the cohort just decided.
                action: nextDose > doseOf(cohort) ? "escalate" : nextDose < doseOf(cohort) ? "de-escalate" : "stay",
                dose: nextDose,
                reason: "as conducted in the example trial",
              },
          meeting,
        );
        await signDecision(db, signer, users.get("chair")!, trialId, decision.id, DEMO_PASSWORD, "approval", at(start, 24), "demo");
      },
    });
  }
  timeline.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  for (const step of timeline) await step.run();
  return true;
}

/**
 * When a record is entered, in days after the first dose: the day after the last study day it speaks of
 * (study day d is d − 1 days after the first dose; PK times are hours after it).
 */
function entryOffset(record: Record<string, unknown>): number {
  const days = ["EXSTDY", "AESTDY", "AEENDY", "LBDY", "TRDY"]
    .map((field) => record[field])
    .filter((d): d is number => typeof d === "number");
  if (typeof record.PCELTM === "number") days.push(Math.floor(record.PCELTM / 24) + 1);
  return Math.max(1, ...days);
}
