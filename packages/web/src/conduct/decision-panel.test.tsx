// @vitest-environment happy-dom
import type { DecisionView, TrialDetail } from "@escalate/server/contract";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DataByDose } from "./decision-panel.js";

afterEach(cleanup);

const trial = {
  trial: {
    doseLevels: [
      { level: 1, amount: 1, unit: "mg/kg" },
      { level: 2, amount: 2, unit: "mg/kg" },
    ],
  },
} as unknown as TrialDetail;
const patient = (USUBJID: string, doseLevel: number, status: string) => ({ USUBJID, cohort: doseLevel, doseLevel, status });
const decision = (outcomes: string) =>
  ({
    basedOn: {
      outcomes,
      patients: [
        patient("01", 1, "no DLT"),
        patient("02", 1, "no DLT"),
        patient("03", 1, "no DLT"),
        patient("04", 2, "DLT"),
        patient("05", 2, "DLT"),
        patient("06", 2, "no DLT"),
      ],
    },
  }) as unknown as DecisionView;

describe("<DataByDose>", () => {
  it("counts each dose's responses from the outcomes the meeting used, for efficacy-aware designs", () => {
    render(<DataByDose trial={trial} decision={decision("1NEN 2TBE")} />);
    const rows = screen.getAllByRole("row").map((row) => row.textContent);
    expect(rows).toEqual(["DosePatientsDLT-evaluableDLTsPendingResponses", "1 mg/kg33001", "2 mg/kg33202"]);
    expect(screen.getByText(/DLTs: 04 \(cohort 2, 2 mg\/kg\); 05/)).toBeTruthy();
  });

  it("has no responses column for designs that decide from DLTs alone", () => {
    render(<DataByDose trial={trial} decision={decision("1NNN 2TTN")} />);
    expect(screen.queryByRole("columnheader", { name: "Responses" })).toBeNull();
  });
});
