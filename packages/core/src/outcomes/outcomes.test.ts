import { describe, expect, it } from "vitest";
import { createDesign } from "../designs/design.js";
import { formatOutcomes, OutcomeSyntaxError, parseOutcomes } from "./notation.js";
import { decodeState, encodeState, stateKeyWidth } from "./state-key.js";
import { StateTable } from "./state-table.js";
import { addCohort, copyTrialState, createTrialState, highestTriedDose, resetTrialState, totalPatients } from "./trial-state.js";

describe("outcome notation", () => {
  it("parses cohorts of dose numbers and N/T letters", () => {
    expect(parseOutcomes("1NNN 2NTN")).toEqual([
      { dose: 1, dlts: [false, false, false] },
      { dose: 2, dlts: [false, true, false] },
    ]);
  });

  it("accepts extra whitespace, lower case, multi-digit doses and the empty history", () => {
    expect(parseOutcomes("  12nt\t3N \n")).toEqual([
      { dose: 12, dlts: [false, true] },
      { dose: 3, dlts: [false] },
    ]);
    expect(parseOutcomes("")).toEqual([]);
  });

  it("round-trips through the printer", () => {
    const text = "1NNN 2NNT 2TNN 3N 10TTTNNN";
    expect(formatOutcomes(parseOutcomes(text))).toBe(text);
  });

  it("names the malformed cohort and where it is", () => {
    expect(() => parseOutcomes("1NNN 2NXN")).toThrow(/cohort "2NXN" at character 6 is not a dose number followed by N\/T\/E\/B letters/);
    expect(() => parseOutcomes("NNN")).toThrow(OutcomeSyntaxError);
    expect(() => parseOutcomes("1NNN 2")).toThrow(/cohort "2" at character 6/);
    expect(() => parseOutcomes("1NNN,2NNN")).toThrow(OutcomeSyntaxError);
  });

  it("rejects doses outside 1..K", () => {
    expect(() => parseOutcomes("0NNN")).toThrow(/dose 0 is not in ≥ 1/);
    expect(() => parseOutcomes("1NNN 6NNN", 5)).toThrow(/dose 6 is not in 1..5/);
  });
});

describe("trial state", () => {
  it("accumulates patients and DLTs per dose and tracks the current dose", () => {
    const state = createTrialState(3);
    addCohort(state, 0, 3, 0);
    addCohort(state, 1, 3, 1);
    addCohort(state, 1, 3, 0);
    expect(Array.from(state.patients)).toEqual([3, 6, 0]);
    expect(Array.from(state.dlts)).toEqual([0, 1, 0]);
    expect(state.current).toBe(1);
    expect(state.cohorts).toBe(3);
    expect(totalPatients(state)).toBe(9);
    expect(highestTriedDose(state)).toBe(1);
    const copy = createTrialState(3);
    copyTrialState(state, copy);
    expect(Array.from(copy.patients)).toEqual([3, 6, 0]);
    resetTrialState(state);
    expect(totalPatients(state)).toBe(0);
    expect(state.current).toBe(-1);
    expect(highestTriedDose(state)).toBe(-1);
  });
});

describe("efficacy letters (E = response, B = DLT and response; the R package escalation's)", () => {
  it("reads responses beside DLTs, and keeps N and T as they were", () => {
    expect(parseOutcomes("1NEN 2BTE")).toEqual([
      { dose: 1, dlts: [false, false, false], responses: [false, true, false] },
      { dose: 2, dlts: [true, true, false], responses: [true, false, true] },
    ]);
    expect(parseOutcomes("1NNT")).toEqual([{ dose: 1, dlts: [false, false, true] }]);
    expect(parseOutcomes("1ne[12]b")).toEqual([
      { dose: 1, dlts: [false, false, true], responses: [false, true, true], followUp: [null, 12, null] },
    ]);
  });

  it("writes them back, and refuses follow-up on a DLT", () => {
    for (const text of ["1NEN 2BTE", "1NNT 2TNN", "1NE[12]B"]) expect(formatOutcomes(parseOutcomes(text))).toBe(text);
    expect(() => parseOutcomes("1NB[3]")).toThrow(/write B, not B\[3\]/);
    expect(() => parseOutcomes("1NXN")).toThrow(/N\/T\/E\/B letters/);
  });

  it("counts responses per dose; designs that ignore efficacy decide as from N and T", () => {
    const design = createDesign({ design: "boin", target: 0.3, doses: 5 });
    const state = design.replay("1NEE 2BNE");
    expect(Array.from(state.responses)).toEqual([2, 2, 0, 0, 0]);
    expect(Array.from(state.dlts)).toEqual([0, 1, 0, 0, 0]);
    const { reasons: _a, ...withLetters } = design.decide("1NEE 2BNE");
    const { reasons: _b, ...plain } = design.decide("1NNN 2TNN");
    expect(withLetters).toEqual(plain);
  });
});

describe("the state table", () => {
  it("agrees with a Map over 50,000 keys while it grows: values, entry numbers in order of creation, keys in that order", () => {
    const table = new StateTable(3, 16);
    const reference = new Map<string, { entry: number; value: number }>();
    const key = new Int32Array(3);
    for (let i = 0; i < 120_000; i++) {
      key[0] = i % 377;
      key[1] = (i * 7919) % 50_000;
      key[2] = -(i % 13); // negative integers too
      const text = key.join();
      // `numbers` is read after insert: when this insert makes the table grow, the sum lands in the grown arrays.
      const at = table.valueIndex(table.insert(key));
      table.numbers[at]! += 1 + (i % 3);
      const known = reference.get(text);
      if (known) known.value += 1 + (i % 3);
      else reference.set(text, { entry: reference.size, value: 1 + (i % 3) });
    }
    expect(table.size).toBe(reference.size);
    for (const [text, { entry, value }] of reference) {
      const probe = Int32Array.from(text.split(",").map(Number));
      expect(table.indexOf(probe)).toBe(entry);
      expect(table.numbers[table.valueIndex(entry)]).toBe(value);
    }
    const inOrder = Array.from({ length: table.size }, (_, entry) =>
      Array.from(table.data.subarray(table.keyOffset(entry), table.keyOffset(entry) + 3)).join(),
    );
    expect(inOrder).toEqual([...reference.keys()]);
    expect(table.indexOf(Int32Array.from([1, 2, 3]))).toBe(-1);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.indexOf(Int32Array.from(inOrder[0]!.split(",").map(Number)))).toBe(-1);
  });

  it("keeps several numbers per entry beside its key, through growth and after clearing", () => {
    const table = new StateTable(3, 16, 2); // an odd key width: the numbers start at a padded offset
    const key = new Int32Array(3);
    for (let i = 0; i < 5_000; i++) {
      key[0] = i % 700;
      key[1] = -i % 3;
      key[2] = 7;
      const at = table.valueIndex(table.insert(key)); // after insert, which may grow the table
      table.numbers[at]! += 1;
      table.numbers[at + 1]! += i;
    }
    expect(table.size).toBe(2100); // i mod 2100 fixes both i mod 700 and i mod 3
    key.set([5, -2, 7]);
    const entry = table.indexOf(key);
    // i ≡ 5 (mod 700) and i ≡ 2 (mod 3), i < 5,000: i = 5, 2105, 4205.
    expect([table.numbers[table.valueIndex(entry)], table.numbers[table.valueIndex(entry, 1)]]).toEqual([3, 5 + 2105 + 4205]);
    expect(Array.from(table.data.subarray(table.keyOffset(entry), table.keyOffset(entry) + 3))).toEqual([5, -2, 7]);
    table.clear();
    const fresh = table.valueIndex(table.insert(key));
    expect([table.numbers[fresh], table.numbers[fresh + 1]]).toEqual([0, 0]);
  });

  it("writes its records into an earlier table's memory, whatever that holds, until they outgrow it", () => {
    const fill = (table: StateTable, count: number) => {
      const key = new Int32Array(3);
      for (let i = 0; i < count; i++) {
        key.set([i % 97, i % 89, 1]);
        const at = table.valueIndex(table.insert(key));
        table.numbers[at]! += 1;
        table.numbers[at + 1]! += i;
      }
    };
    const earlier = new StateTable(3, 16, 2);
    fill(earlier, 20_000);
    const memory = earlier.data.buffer;
    const reusing = new StateTable(3, 16, 2, memory);
    const fresh = new StateTable(3, 16, 2);
    fill(reusing, 8_633); // 97 × 89 = 8,633 distinct keys: as many entries as the earlier table, grown alike
    fill(fresh, 8_633);
    expect(reusing.data.buffer).toBe(memory); // no new records' memory
    expect(reusing.size).toBe(fresh.size);
    expect(Array.from(reusing.data.subarray(0, fresh.size * fresh.stride))).toEqual(
      Array.from(fresh.data.subarray(0, fresh.size * fresh.stride)),
    );
    // Outgrowing it moves the records to new memory, keeping them.
    const small = new StateTable(3, 16, 2, new StateTable(3, 16, 2).data.buffer);
    fill(small, 8_633);
    expect(small.data.buffer).not.toBe(memory);
    expect(Array.from(small.data.subarray(0, fresh.size * fresh.stride))).toEqual(
      Array.from(fresh.data.subarray(0, fresh.size * fresh.stride)),
    );
  });

  it("packs and unpacks a state, at an offset too", () => {
    const state = createTrialState(3);
    addCohort(state, 0, 3, 1);
    addCohort(state, 1, 3, 2);
    const keys = new Int32Array(2 * stateKeyWidth(3));
    encodeState(state, keys.subarray(stateKeyWidth(3)), "all");
    const back = createTrialState(3);
    decodeState(keys, back, stateKeyWidth(3));
    expect([...back.patients, ...back.dlts, back.current, back.lastCohortDlts, back.lastCohortSize, back.cohorts]).toEqual([
      ...state.patients,
      ...state.dlts,
      1,
      2,
      3,
      2,
    ]);
  });
});
