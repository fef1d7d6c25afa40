import { describe, expect, it } from "vitest";
import { defaultForm, defaultScenarios } from "./design-form.js";
import { type DesignPageState, decodeState, encodeState, readLibrary, removeFromLibrary, saveToLibrary } from "./saved-designs.js";

const STATE: DesignPageState = {
  formA: { ...defaultForm(), doses: "1 mg/m², 2 mg/m²", other: '{"rules":[{"type":"stop-at","n":12}]}' },
  formB: defaultForm("crm"),
  compare: true,
  scenarios: defaultScenarios(5, 0.3),
  trials: "5000",
  seed: "7",
  inCalendar: true,
  accrual: "2.5",
  windowDays: "28",
  whenFull: "turn-away",
};

/** A Storage in memory, as the browser's localStorage behaves. */
const memory = () => {
  const items = new Map<string, string>();
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
};

describe("a shared design link", () => {
  it("carries the whole page, any character included, in a URL-safe fragment", () => {
    const encoded = encodeState(STATE);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeState(encoded)).toEqual({ state: STATE });
  });

  it("refuses a damaged or incomplete link with a reason, loading nothing", () => {
    expect(decodeState("not base64 at all!")).toEqual({ problem: "the link is damaged: it does not hold a design" });
    const incomplete = encodeState({ ...STATE, seed: undefined } as unknown as DesignPageState);
    expect(decodeState(incomplete)).toEqual({ problem: "the link's design is incomplete (seed)" });
  });
});

describe("the design library in this browser", () => {
  it("saves by name, newest first, replaces a name saved again, and removes", () => {
    const storage = memory();
    saveToLibrary("BOIN 0.3", STATE, new Date("2026-11-01T10:00:00Z"), storage);
    saveToLibrary("CRM", { ...STATE, compare: false }, new Date("2026-11-02T10:00:00Z"), storage);
    saveToLibrary("BOIN 0.3", { ...STATE, seed: "8" }, new Date("2026-11-03T10:00:00Z"), storage);
    const entries = readLibrary(storage);
    expect(entries.map((d) => [d.name, d.state.seed])).toEqual([
      ["BOIN 0.3", "8"],
      ["CRM", "7"],
    ]);
    expect(removeFromLibrary("CRM", storage).map((d) => d.name)).toEqual(["BOIN 0.3"]);
  });

  it("reads an unreadable library as empty rather than failing the page", () => {
    const storage = memory();
    storage.setItem("escalate.design-library", "{ not json");
    expect(readLibrary(storage)).toEqual([]);
  });
});
