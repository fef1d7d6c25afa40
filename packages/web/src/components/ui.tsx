import { createContext, type ReactNode, useContext } from "react";
import { ApiError } from "../api.js";

/** Plain names of the fields clinical staff enter; the SDTM name stays beside them as detail. */
const FIELD_NAMES: Record<string, string> = {
  USUBJID: "Subject ID",
  AGE: "Age",
  SEX: "Sex",
  WEIGHT: "Weight (kg)",
  HEIGHT: "Height (cm)",
  RFXSTDTC: "First dose date",
  BRTHDTC: "Birth date",
  EXSTDY: "Study day of the dose",
  EXDOSE: "Dose (mg)",
  AETERM: "Term",
  AETOXGR: "CTCAE grade",
  AEREL: "Related to the drug",
  AESER: "Serious",
  AESTDY: "Onset study day",
  AEENDY: "End study day",
  AECAT: "Category",
  LBTESTCD: "Test",
  LBSTRESN: "Value",
  LBSTRESU: "Unit",
  LBSTNRLO: "Lower limit of normal",
  LBSTNRHI: "Upper limit of normal",
  LBDY: "Study day",
  TRLNKID: "Lesion",
  TRGRPID: "Group",
  TRDY: "Study day",
  TRSTRESN: "Diameter (mm)",
  TRLOC: "Location",
  PCELTM: "Hours after the first infusion",
  PCSTRESN: "Concentration",
  PCSTRESU: "Unit",
  PCTESTCD: "Analyte",
  EXDOSU: "Unit",
  TRSTRESC: "Status",
};

/** A field's path as the user reads it: "body.patient.WEIGHT" → "Weight (kg)", with the SDTM name kept. */
export function fieldName(path: string): { name: string; code: string | null } {
  const last = path.split(".").at(-1) ?? path;
  const name = FIELD_NAMES[last];
  return name ? { name, code: last } : { name: path.replace(/^body\./, "") || "the request", code: null };
}

const lastSegment = (path: string) => path.split(".").at(-1) ?? path;

/** The server's word on one field of a refused entry (matched by the field's name), to show beside it. */
export function issueAt(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.issues.find((issue) => lastSegment(issue.path) === field)?.message;
}

/**
 * An error as the user should read it, said once: a refused entry lists each field's problem in plain
 * words (the SDTM name as detail), except the fields a form shows beside themselves (`atFields`);
 * any other error is its message.
 */
export function ErrorMessage({ error, atFields = [] }: { error: unknown; atFields?: readonly string[] }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const all = error instanceof ApiError ? error.issues : [];
  const issues = all.filter((issue) => !atFields.includes(lastSegment(issue.path)));
  if (all.length > 0 && issues.length === 0)
    return (
      <div role="alert" className="error">
        <strong>Not saved — please correct the field{all.length === 1 ? "" : "s"} marked above.</strong>
      </div>
    );
  if (issues.length === 0)
    return (
      <div role="alert" className="error">
        <strong>{message}</strong>
      </div>
    );
  return (
    <div role="alert" className="error">
      <strong>{error instanceof ApiError && error.code === "invalid" ? "Not saved — please correct:" : message}</strong>
      <ul>
        {issues.map((issue) => {
          const field = fieldName(issue.path);
          return (
            <li key={`${issue.path}:${issue.message}`}>
              {field.name}: {issue.message}
              {field.code && <code className="muted"> ({field.code})</code>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** The refusal of the form a field is in: a `Field` with a `name` shows the server's word on that field beside it. */
export const FormError = createContext<unknown>(null);

/** A labelled form field; `error` (or the form's refusal of field `name`) is shown under it and announced. */
export function Field({
  label,
  error: given,
  name,
  children,
  hint,
}: {
  label: string;
  error?: string | undefined;
  /** The field's name in requests (e.g. WEIGHT): the form's refusal of it is shown here. */
  name?: string;
  children: ReactNode;
  hint?: string;
}) {
  const refusal = useContext(FormError);
  // A plausibility question (422 "confirmation-required") is asked by its own prompt, not marked as an error here.
  const question = refusal instanceof ApiError && refusal.code === "confirmation-required";
  const error = given ?? (name === undefined || question ? undefined : issueAt(refusal, name));
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child element (implicit association), which the rule cannot see
    <label className={`field${error ? " invalid" : ""}`}>
      <span className="label">{label}</span>
      {children}
      {hint && !error && <span className="hint">{hint}</span>}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

export function download(filename: string, content: string, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

/** A region that scrolls sideways on narrow screens (wide tables), reachable by keyboard. */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable)
    <section className="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
