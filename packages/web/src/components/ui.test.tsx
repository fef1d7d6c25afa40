// @vitest-environment happy-dom
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api.js";
import { ErrorMessage, fieldName } from "./ui.js";

describe("errors as clinical staff read them (issue 20)", () => {
  it("names a field in plain words, keeping its SDTM name as detail", () => {
    expect(fieldName("body.patient.WEIGHT")).toEqual({ name: "Weight (kg)", code: "WEIGHT" });
    expect(fieldName("body.AESTDY")).toEqual({ name: "Onset study day", code: "AESTDY" });
    expect(fieldName("body.reason")).toEqual({ name: "reason", code: null });
  });

  it("says a refused entry's problem once, at the field's plain name", () => {
    const error = new ApiError(
      400,
      "body.patient.WEIGHT: must be > 0",
      [{ path: "body.patient.WEIGHT", message: "must be > 0" }],
      "invalid",
    );
    render(<ErrorMessage error={error} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("Not saved — please correct:Weight (kg): must be > 0 (WEIGHT)");
    expect(alert.textContent!.match(/must be > 0/g)).toHaveLength(1);
  });
});
