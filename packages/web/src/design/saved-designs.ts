import { z } from "zod";

/**
 * The design page as the statistician left it, to share as a link and to keep in a library in this
 * browser: forms as typed, scenarios, and the simulation settings. Read back through a schema, so a
 * damaged link or an old library entry is refused with a reason rather than half-loaded.
 */
const form = z.object({
  design: z.string(),
  target: z.string(),
  doses: z.string(),
  cohortSize: z.string(),
  cohorts: z.string(),
  skeleton: z.string(),
  referenceDose: z.string(),
  window: z.string(),
  other: z.string(),
  noSkipping: z.boolean(),
  coherent: z.boolean(),
});
export const designPageState = z.object({
  formA: form,
  formB: form,
  compare: z.boolean(),
  scenarios: z
    .array(z.object({ name: z.string(), truth: z.string(), efficacy: z.string().exactOptional() }))
    .min(1)
    .max(20),
  trials: z.string(),
  seed: z.string(),
  inCalendar: z.boolean(),
  accrual: z.string(),
  windowDays: z.string(),
  whenFull: z.enum(["wait", "turn-away"]),
});
export type DesignPageState = z.infer<typeof designPageState>;

/** The state as a URL fragment value: JSON in base64url (UTF-8, so any label survives). */
export function encodeState(state: DesignPageState): string {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The state from a fragment value, or why it cannot be read. */
export function decodeState(encoded: string): { state: DesignPageState } | { problem: string } {
  try {
    const binary = atob(encoded.replaceAll("-", "+").replaceAll("_", "/"));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const parsed = designPageState.safeParse(JSON.parse(json));
    return parsed.success
      ? { state: parsed.data }
      : { problem: `the link's design is incomplete (${parsed.error.issues[0]?.path.join(".")})` };
  } catch {
    return { problem: "the link is damaged: it does not hold a design" };
  }
}

/** The fragment key of a shared design: /design#s=… */
export const FRAGMENT = "s";

const LIBRARY_KEY = "escalate.design-library";
export interface SavedDesign {
  name: string;
  savedAt: string;
  state: DesignPageState;
}
const library = z.array(z.object({ name: z.string(), savedAt: z.string(), state: designPageState }));

/** The designs saved in this browser, newest first; entries that no longer read are left out. */
export function readLibrary(storage: Pick<Storage, "getItem"> = localStorage): SavedDesign[] {
  try {
    const parsed = library.safeParse(JSON.parse(storage.getItem(LIBRARY_KEY) ?? "[]"));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Saves under `name` (replacing a design of that name); returns the library. */
export function saveToLibrary(
  name: string,
  state: DesignPageState,
  now: Date,
  storage: Pick<Storage, "getItem" | "setItem"> = localStorage,
): SavedDesign[] {
  const entries = [{ name, savedAt: now.toISOString(), state }, ...readLibrary(storage).filter((d) => d.name !== name)];
  storage.setItem(LIBRARY_KEY, JSON.stringify(entries));
  return entries;
}

export function removeFromLibrary(name: string, storage: Pick<Storage, "getItem" | "setItem"> = localStorage): SavedDesign[] {
  const entries = readLibrary(storage).filter((d) => d.name !== name);
  storage.setItem(LIBRARY_KEY, JSON.stringify(entries));
  return entries;
}
