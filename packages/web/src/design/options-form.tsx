import { designModule, RULE_MODULES } from "@escalate/core";
import { z } from "zod";
import { Field } from "../components/ui.js";

/**
 * Every option of a design and of its rules as a form field, read from the core's own schemas (as JSON
 * Schema), so a new option appears here without code. The fields edit the design form's "other options"
 * JSON, which stays the single place they are kept (and shows options too rich for a field, such as a
 * prior, as JSON).
 */

interface Property {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  description?: string;
}

/** The fields the main form already shows, or that are not options (the design's name, its doses and rules). */
const SHOWN_ELSEWHERE = new Set([
  "design",
  "target",
  "doses",
  "cohortSize",
  "cohorts",
  "skeleton",
  "window",
  "referenceDose",
  "allowSkipping",
  "coherent",
  "rules",
  "type",
]);

function properties(schema: z.ZodType): [string, Property][] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, Property> };
  return Object.entries(json.properties ?? {}).filter(([key]) => !SHOWN_ELSEWHERE.has(key));
}

/** A field a form can hold: a number, a yes/no, or one of a list; anything richer stays in the JSON. */
const simple = (p: Property) => p.type === "number" || p.type === "integer" || p.type === "boolean" || (p.type === "string" && !!p.enum);

/** "pSafe" → "p safe", "maxPerDose" → "max per dose". */
const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

function range(p: Property): string | undefined {
  const low = p.minimum ?? p.exclusiveMinimum;
  const high = p.maximum ?? p.exclusiveMaximum;
  if (low === undefined && high === undefined) return undefined;
  const lowText = low === undefined ? "" : `${low} ${p.exclusiveMinimum !== undefined ? "<" : "≤"} `;
  const highText = high === undefined ? "" : ` ${p.exclusiveMaximum !== undefined ? "<" : "≤"} ${high}`;
  return `${lowText}value${highText}`;
}

/** One option's field; empty means the schema's default. */
function OptionField({
  id,
  name,
  property,
  value,
  onChange,
}: {
  id: string;
  name: string;
  property: Property;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const label = `${id}${words(name)}`;
  const byDefault = property.default === undefined ? "default" : `default (${JSON.stringify(property.default)})`;
  if (property.type === "boolean" || property.enum) {
    const options = property.enum ?? [true, false];
    return (
      <Field label={label} {...(property.description ? { hint: property.description } : {})}>
        <select
          value={value === undefined ? "" : JSON.stringify(value)}
          onChange={(e) => onChange(e.target.value === "" ? undefined : JSON.parse(e.target.value))}
        >
          <option value="">{byDefault}</option>
          {options.map((option) => (
            <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
              {option === true ? "yes" : option === false ? "no" : String(option)}
            </option>
          ))}
        </select>
      </Field>
    );
  }
  const hint = [property.description, range(property)].filter(Boolean).join("; ");
  return (
    <Field label={label} {...(hint ? { hint } : {})}>
      <input
        inputMode="decimal"
        value={value === undefined ? "" : String(value)}
        placeholder={property.default === undefined ? "" : String(property.default)}
        onChange={(e) => {
          const text = e.target.value.trim();
          // A number as typed; anything else is kept as text, for the design's check to name.
          onChange(text === "" ? undefined : Number.isFinite(Number(text)) ? Number(text) : text);
        }}
      />
    </Field>
  );
}

type Options = Record<string, unknown> & { rules?: Record<string, unknown>[] };

export function OptionsFields({ design, other, setOther }: { design: string; other: string; setOther: (text: string) => void }) {
  const module = designModule(design);
  let options: Options;
  try {
    const parsed: unknown = other.trim() === "" ? {} : JSON.parse(other);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new SyntaxError();
    options = parsed as Options;
  } catch {
    return <p className="muted">The options below are shown as fields once the JSON is valid.</p>;
  }
  const write = (next: Options) => {
    const kept = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
    setOther(Object.keys(kept).length === 0 ? "" : JSON.stringify(kept));
  };
  const rules = Array.isArray(options.rules) ? options.rules : [];
  const setRule = (index: number, rule: Record<string, unknown>) =>
    write({ ...options, rules: rules.map((r, i) => (i === index ? rule : r)) });
  const fields = module ? properties(module.schema as z.ZodType).filter(([, p]) => simple(p)) : [];
  return (
    <div className="options">
      {fields.length > 0 && (
        <div className="filters">
          {fields.map(([name, property]) => (
            <OptionField
              key={name}
              id=""
              name={name}
              property={property}
              value={options[name]}
              onChange={(value) => write({ ...options, [name]: value })}
            />
          ))}
        </div>
      )}
      {rules.map((rule, index) => {
        const ruleModule = RULE_MODULES.find((m) => m.type === rule.type);
        const ruleFields = ruleModule ? properties(ruleModule.schema as z.ZodType).filter(([, p]) => simple(p)) : [];
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are edited in place, by position
          <fieldset key={index}>
            <legend>
              Rule {index + 1}: {String(rule.type)}
            </legend>
            <div className="filters">
              {ruleFields.map(([name, property]) => (
                <OptionField
                  key={name}
                  id={`Rule ${index + 1} `}
                  name={name}
                  property={property}
                  value={rule[name]}
                  onChange={(value) => setRule(index, { ...rule, [name]: value })}
                />
              ))}
              <button type="button" onClick={() => write({ ...options, rules: rules.filter((_, i) => i !== index) })}>
                Remove rule {index + 1}
              </button>
            </div>
          </fieldset>
        );
      })}
      <Field label="Add a rule">
        <select
          value=""
          onChange={(e) => {
            if (e.target.value) write({ ...options, rules: [...rules, { type: e.target.value }] });
          }}
        >
          <option value="">choose a rule…</option>
          {RULE_MODULES.map((m) => (
            <option key={m.type} value={m.type}>
              {m.type}
            </option>
          ))}
        </select>
      </Field>
    </div>
  );
}
