import { createDesign, type Design, ValidationError } from "@escalate/core";
import { responses, trialBody } from "@escalate/server/contract";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import { parse as parseYaml } from "yaml";
import { post } from "../api.js";
import { ErrorMessage, Field } from "../components/ui.js";
import { list, numberOrText } from "../design/design-form.js";
import { useSession } from "../session.js";

/**
 * A new trial, as an administrator sets it up: the design file the statistician wrote (from the design
 * page or the CLI), the dose levels it escalates over, the schedule, the DLT definition, and the sites.
 * The whole request is checked against the server's own schema as it is typed; creating it opens
 * cohort 1 at the design's start dose.
 */

const UNITS = ["mg/kg", "mg/m2", "mg"] as const;
const CATEGORIES = { any: "any toxicity", haematological: "haematological", "non-haematological": "non-haematological" } as const;
interface RuleRow {
  label: string;
  category: keyof typeof CATEGORIES;
  terms: string;
  minGrade: string;
  minDurationDays: string;
}
/** A common first-in-human DLT definition, to edit: grade 4 haematological lasting 7 days, grade ≥ 3 non-haematological. */
const DEFAULT_RULES: RuleRow[] = [
  { label: "grade 4 thrombocytopenia", category: "any", terms: "Platelet count decreased", minGrade: "4", minDurationDays: "" },
  {
    label: "grade 4 neutropenia lasting 7 days or more",
    category: "any",
    terms: "Neutrophil count decreased",
    minGrade: "4",
    minDurationDays: "7",
  },
  { label: "grade 3 or higher non-haematological toxicity", category: "non-haematological", terms: "", minGrade: "3", minDurationDays: "" },
];
const DEFAULT_DESIGN = '{ "design": "boin", "target": 0.3, "doses": 4, "cohortSize": 3, "cohorts": 10 }';

function readDesign(text: string): { spec: Record<string, unknown> | null; design: Design | null; error: string | null } {
  let spec: Record<string, unknown>;
  try {
    spec = parseYaml(text) as Record<string, unknown>;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec))
      return { spec: null, design: null, error: "must be a design file: an object such as { design: boin, target: 0.3, … }" };
  } catch (error) {
    return { spec: null, design: null, error: `not JSON or YAML: ${(error as Error).message}` };
  }
  try {
    return { spec, design: createDesign(spec), error: null };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { spec, design: null, error: error.issues.map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`).join("; ") };
  }
}

export function NewTrialPage() {
  const { data: session } = useSession();
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const [trial, setTrial] = useState({ id: "", title: "", phase: "1", indication: "" });
  const [compound, setCompound] = useState({ name: "", antibody: "", target: "", linker: "", payload: "" });
  const [designText, setDesignText] = useState(DEFAULT_DESIGN);
  const [levels, setLevels] = useState([{ amount: "", unit: "mg/kg", label: "" }]);
  const [schedule, setSchedule] = useState({ cycleDays: "21", days: "1" });
  const [dlt, setDlt] = useState({ windowDays: "21", requiredDoses: "1" });
  const [rules, setRules] = useState(DEFAULT_RULES);
  const [sites, setSites] = useState([{ id: "", name: "" }]);
  const [reservationHours, setReservationHours] = useState("48");
  const [signaturesRequired, setSignaturesRequired] = useState("1");
  const read = useMemo(() => readDesign(designText), [designText]);
  // One dose level per dose of the design, keeping what was typed.
  const doseCount = read.design?.doseCount ?? levels.length;
  const shownLevels = Array.from({ length: doseCount }, (_, i) => levels[i] ?? { amount: "", unit: levels[0]?.unit ?? "mg/kg", label: "" });

  const body = {
    compound: Object.fromEntries(Object.entries(compound).filter(([, v]) => v.trim() !== "")),
    trial: {
      ...Object.fromEntries(Object.entries(trial).filter(([, v]) => v.trim() !== "")),
      schedule: { cycleDays: numberOrText(schedule.cycleDays), days: list(schedule.days).map(numberOrText) },
      doseLevels: shownLevels.map((l, i) => ({
        level: i + 1,
        amount: numberOrText(l.amount),
        unit: l.unit,
        ...(l.label.trim() ? { label: l.label.trim() } : {}),
      })),
      dlt: {
        windowDays: numberOrText(dlt.windowDays),
        requiredDoses: numberOrText(dlt.requiredDoses),
        rules: rules.map((r) => ({
          ...(r.label.trim() ? { label: r.label.trim() } : {}),
          ...(r.category === "any" ? {} : { category: r.category }),
          ...(list(r.terms).length > 0 ? { terms: list(r.terms) } : {}),
          minGrade: numberOrText(r.minGrade),
          ...(r.minDurationDays.trim() ? { minDurationDays: numberOrText(r.minDurationDays) } : {}),
        })),
      },
      design: read.spec ?? {},
    },
    sites: sites.map((s) => ({ id: s.id.trim(), name: s.name.trim() })),
    conduct: { reservationHours: numberOrText(reservationHours), signaturesRequired: numberOrText(signaturesRequired) },
  };
  // Checked as typed by the server's own request schema: each problem beside its field.
  const checked = trialBody.safeParse(body);
  const problems = new Map((checked.success ? [] : checked.error.issues).map((i) => [i.path.join("."), i.message]));
  // A field left empty is not reproached until the user tries to create the trial.
  const [tried, setTried] = useState(false);
  const at = (path: string, value?: string) => (tried || (value ?? "").trim() !== "" ? problems.get(path) : undefined);
  const create = useMutation({
    mutationFn: () => post("/api/trials", responses.trialDocument, body),
    onSuccess: (created) => {
      client.invalidateQueries({ queryKey: ["trials"] });
      navigate(`/trials/${created.trial.id}`);
    },
  });
  if (!session?.user.admin) return <ErrorMessage error={new Error("Trials are set up by system administrators.")} />;
  const setLevel = (i: number, key: "amount" | "unit" | "label", value: string) =>
    setLevels(shownLevels.map((l, j) => (j === i ? { ...l, [key]: value } : l)));
  const setRule = (i: number, key: keyof RuleRow, value: string) => setRules(rules.map((r, j) => (j === i ? { ...r, [key]: value } : r)));
  const setSite = (i: number, key: "id" | "name", value: string) => setSites(sites.map((s, j) => (j === i ? { ...s, [key]: value } : s)));
  return (
    <form
      aria-label="Set up a trial"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        setTried(true);
        if (checked.success && read.design) create.mutate();
      }}
    >
      <p className="breadcrumbs">
        <Link href="/trials">Trials</Link> › new trial
      </p>
      <h1>Set up a trial</h1>
      <section className="card" aria-labelledby="identity-heading">
        <h2 id="identity-heading">The trial and its compound</h2>
        <div className="filters">
          <Field label="Trial ID" error={at("trial.id", trial.id)} hint="e.g. ESC-101-001">
            <input value={trial.id} onChange={(e) => setTrial({ ...trial, id: e.target.value })} required />
          </Field>
          <Field label="Phase">
            <input value={trial.phase} onChange={(e) => setTrial({ ...trial, phase: e.target.value })} />
          </Field>
        </div>
        <Field label="Title">
          <input value={trial.title} onChange={(e) => setTrial({ ...trial, title: e.target.value })} />
        </Field>
        <Field label="Indication">
          <input value={trial.indication} onChange={(e) => setTrial({ ...trial, indication: e.target.value })} />
        </Field>
        <div className="filters">
          {(["name", "antibody", "target", "linker", "payload"] as const).map((key) => (
            <Field key={key} label={key === "name" ? "Compound" : `Compound ${key}`} error={at(`compound.${key}`, compound[key])}>
              <input
                value={compound[key]}
                onChange={(e) => setCompound({ ...compound, [key]: e.target.value })}
                required={key === "name"}
              />
            </Field>
          ))}
        </div>
      </section>
      <section className="card" aria-labelledby="design-heading">
        <h2 id="design-heading">Design</h2>
        <Field
          label="Design file (JSON or YAML)"
          error={read.error ?? undefined}
          hint="As the design page downloads it, or as `escalate` reads it; the doses are the dose levels below."
        >
          <textarea rows={4} value={designText} onChange={(e) => setDesignText(e.target.value)} spellCheck={false} />
        </Field>
        {read.design && (
          <details>
            <summary>Protocol text of this design</summary>
            <pre className="protocol">{read.design.describe()}</pre>
          </details>
        )}
      </section>
      <section className="card" aria-labelledby="levels-heading">
        <h2 id="levels-heading">Dose levels ({doseCount}, as the design has)</h2>
        {shownLevels.map((level, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a dose level is its position
          <div className="filters" key={i}>
            <Field label={`Level ${i + 1} amount`} error={at(`trial.doseLevels.${i}.amount`, level.amount)}>
              <input inputMode="decimal" value={level.amount} onChange={(e) => setLevel(i, "amount", e.target.value)} required />
            </Field>
            <Field label={`Level ${i + 1} unit`}>
              <select value={level.unit} onChange={(e) => setLevel(i, "unit", e.target.value)}>
                {UNITS.map((unit) => (
                  <option key={unit} value={unit}>
                    {unit}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={`Level ${i + 1} label (optional)`}>
              <input value={level.label} onChange={(e) => setLevel(i, "label", e.target.value)} />
            </Field>
          </div>
        ))}
        <div className="filters">
          <Field label="Cycle length (days)" error={at("trial.schedule.cycleDays", schedule.cycleDays)}>
            <input
              inputMode="numeric"
              value={schedule.cycleDays}
              onChange={(e) => setSchedule({ ...schedule, cycleDays: e.target.value })}
            />
          </Field>
          <Field
            label="Dosing days in a cycle"
            error={at("trial.schedule.days", schedule.days) ?? at("trial.schedule.days.0", schedule.days)}
            hint="e.g. 1 (Q3W) or 1, 8 (weekly ×2)"
          >
            <input value={schedule.days} onChange={(e) => setSchedule({ ...schedule, days: e.target.value })} />
          </Field>
        </div>
      </section>
      <section className="card" aria-labelledby="dlt-heading">
        <h2 id="dlt-heading">DLT definition</h2>
        <div className="filters">
          <Field label="DLT window (days)" error={at("trial.dlt.windowDays", dlt.windowDays)}>
            <input inputMode="numeric" value={dlt.windowDays} onChange={(e) => setDlt({ ...dlt, windowDays: e.target.value })} />
          </Field>
          <Field label="Doses needed to be DLT-evaluable" error={at("trial.dlt.requiredDoses", dlt.requiredDoses)}>
            <input inputMode="numeric" value={dlt.requiredDoses} onChange={(e) => setDlt({ ...dlt, requiredDoses: e.target.value })} />
          </Field>
        </div>
        {rules.map((rule, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are edited in place, by position
          <fieldset key={i}>
            <legend>DLT rule {i + 1}</legend>
            <div className="filters">
              <Field label={`Rule ${i + 1} label`}>
                <input value={rule.label} onChange={(e) => setRule(i, "label", e.target.value)} />
              </Field>
              <Field label={`Rule ${i + 1} applies to`}>
                <select value={rule.category} onChange={(e) => setRule(i, "category", e.target.value)}>
                  {Object.entries(CATEGORIES).map(([value, words]) => (
                    <option key={value} value={value}>
                      {words}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={`Rule ${i + 1} CTCAE terms (optional)`} hint="comma-separated; empty: any term">
                <input value={rule.terms} onChange={(e) => setRule(i, "terms", e.target.value)} />
              </Field>
              <Field label={`Rule ${i + 1} lowest grade`} error={at(`trial.dlt.rules.${i}.minGrade`, rule.minGrade)}>
                <input inputMode="numeric" value={rule.minGrade} onChange={(e) => setRule(i, "minGrade", e.target.value)} />
              </Field>
              <Field
                label={`Rule ${i + 1} lasting at least (days)`}
                error={at(`trial.dlt.rules.${i}.minDurationDays`, rule.minDurationDays)}
              >
                <input inputMode="numeric" value={rule.minDurationDays} onChange={(e) => setRule(i, "minDurationDays", e.target.value)} />
              </Field>
              <button type="button" onClick={() => setRules(rules.filter((_, j) => j !== i))} disabled={rules.length === 1}>
                Remove rule {i + 1}
              </button>
            </div>
          </fieldset>
        ))}
        <button
          type="button"
          onClick={() => setRules([...rules, { label: "", category: "any", terms: "", minGrade: "3", minDurationDays: "" }])}
        >
          Add a DLT rule
        </button>
      </section>
      <section className="card" aria-labelledby="sites-heading">
        <h2 id="sites-heading">Sites</h2>
        {sites.map((site, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: sites are edited in place, by position
          <div className="filters" key={i}>
            <Field label={`Site ${i + 1} ID`} error={at(`sites.${i}.id`, site.id)} hint="e.g. 101">
              <input value={site.id} onChange={(e) => setSite(i, "id", e.target.value)} required />
            </Field>
            <Field label={`Site ${i + 1} name`} error={at(`sites.${i}.name`, site.name)}>
              <input value={site.name} onChange={(e) => setSite(i, "name", e.target.value)} required />
            </Field>
            <button type="button" onClick={() => setSites(sites.filter((_, j) => j !== i))} disabled={sites.length === 1}>
              Remove site {i + 1}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setSites([...sites, { id: "", name: "" }])}>
          Add a site
        </button>
        <div className="filters">
          <Field label="A reserved place is held for (hours)" error={at("conduct.reservationHours", reservationHours)}>
            <input inputMode="numeric" value={reservationHours} onChange={(e) => setReservationHours(e.target.value)} />
          </Field>
          <Field
            label="Signatures each escalation decision needs"
            error={at("conduct.signaturesRequired", signaturesRequired)}
            hint="each from a different medical monitor; the decision takes effect with the last"
          >
            <input inputMode="numeric" value={signaturesRequired} onChange={(e) => setSignaturesRequired(e.target.value)} />
          </Field>
        </div>
      </section>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create the trial
      </button>
      {!checked.success && (
        <p className="muted">
          {problems.size} field{problems.size === 1 ? "" : "s"} still to complete or correct.
        </p>
      )}
      <ErrorMessage error={create.error} />
    </form>
  );
}
