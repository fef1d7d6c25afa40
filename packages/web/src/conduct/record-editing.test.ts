import { describe, expect, it } from "vitest";
import { fromText } from "./record-editing.js";

describe("typed values back to a record", () => {
  it("leaves a blank field out (a blank age is not 0) and gives numbers their type", () => {
    const fields = ["USUBJID", "AGE", "SEX", "WEIGHT", "HEIGHT", "RFXSTDTC"];
    expect(fromText(fields, { USUBJID: "101-010", AGE: "", SEX: "F", WEIGHT: "72", HEIGHT: " 168 ", RFXSTDTC: "2026-11-19" })).toEqual({
      USUBJID: "101-010",
      SEX: "F",
      WEIGHT: 72,
      HEIGHT: 168,
      RFXSTDTC: "2026-11-19",
    });
    expect(fromText(["AETERM", "AEENDY", "nodal"], { AETERM: "Rash", AEENDY: "  ", nodal: "true" })).toEqual({
      AETERM: "Rash",
      nodal: true,
    });
  });
});
