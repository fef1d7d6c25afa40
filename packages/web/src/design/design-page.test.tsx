// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, fireEvent, render as renderElement, screen } from "@testing-library/react";
import type { ReactElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { charts, DesignPage, type ScenarioResult, trueMtd } from "./design-page.js";

afterEach(cleanup);

/** The page as the app renders it: with a query client, and no one logged in. */
function render(page: ReactElement) {
  const client = new QueryClient();
  client.setQueryData(["session"], null);
  return renderElement(<QueryClientProvider client={client}>{page}</QueryClientProvider>);
}

describe("<DesignPage>", () => {
  it("validates as you type, naming the field and what is allowed, and recovers", async () => {
    render(<DesignPage />);
    const target = screen.getByLabelText(/Target DLT probability/);
    await act(async () => {
      fireEvent.change(target, { target: { value: "1.5" } });
    });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toMatch(/target/);
    expect((screen.getByRole("button", { name: "Simulate" }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.change(target, { target: { value: "0.25" } });
    });
    expect(screen.queryByRole("alert")).toBeNull();
    expect((screen.getByRole("button", { name: "Simulate" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the decision table of an interval design and explains why a model-based one has none", async () => {
    render(<DesignPage />);
    expect(screen.getByRole("table", { name: /Decision table/ })).toBeTruthy();
    await act(async () => {
      fireEvent.change(screen.getByLabelText("Design"), { target: { value: "crm" } });
    });
    expect(screen.queryByRole("table", { name: /Decision table/ })).toBeNull();
    expect(screen.getByText(/model-based design has no fixed table/)).toBeTruthy();
  });

  it("asks for response probabilities and calendar time when a design backfills", async () => {
    render(<DesignPage />);
    expect(screen.queryByLabelText(/Scenario 1 response probabilities/)).toBeNull();
    await act(async () => {
      fireEvent.change(screen.getByLabelText(/Other options/), {
        target: { value: '{"rules": [{"type": "backfill", "maxPerDose": 12}]}' },
      });
    });
    const efficacy = screen.getByLabelText(/Scenario 1 response probabilities/) as HTMLInputElement;
    expect(efficacy.value).toBe("0.1, 0.2, 0.3, 0.4, 0.5");
    const calendar = screen.getByLabelText(/In calendar time/) as HTMLInputElement;
    expect(calendar.checked && calendar.disabled).toBe(true);
    expect(screen.getByLabelText(/Patients per month/)).toBeTruthy();
    await act(async () => {
      fireEvent.change(efficacy, { target: { value: "0.1, 2" } });
    });
    expect(
      screen
        .getAllByRole("alert")
        .map((a) => a.textContent)
        .join(" "),
    ).toMatch(/one probability per dose/);
    expect((screen.getByRole("button", { name: "Simulate" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("adds a second design side by side", async () => {
    render(<DesignPage />);
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Compare with a second design"));
    });
    expect(screen.getByRole("group", { name: "Design B: CRM, target 0.3" })).toBeTruthy();
  });
});

describe("the true MTD marked on the charts", () => {
  it("is the dose whose true DLT probability is closest to the target, the lower on a tie", () => {
    expect(trueMtd([0.05, 0.1, 0.3, 0.45, 0.6], 0.3)).toBe(2);
    expect(trueMtd([0.01, 0.02, 0.03, 0.06, 0.1], 0.3)).toBe(4);
    expect(trueMtd([0.2, 0.4], 0.3)).toBe(0);
  });
});

describe("the charts' outlined dose", () => {
  const result = (selection: number[]) =>
    ({ selection, patients: selection.map(() => 3), overdosed: 0, trials: 100 }) as unknown as ScenarioResult["result"];
  const rows = (r: ScenarioResult) =>
    (charts([r], ["1", "2", "3"], 0.3).selection.data.values as { doseIndex: number; trueMtd: boolean }[])
      .filter((row) => row.trueMtd)
      .map((row) => row.doseIndex);

  it("is the true MTD for a design without efficacy", () => {
    expect(rows({ design: "BOIN", scenario: "s", truth: [0.1, 0.28, 0.5], result: result([0.2, 0.6, 0.2]) })).toEqual([2]);
  });

  it("is the true optimal dose for an efficacy-aware design, and none when no dose is acceptable", () => {
    expect(rows({ design: "BOIN12", scenario: "s", truth: [0.1, 0.28, 0.5], optimum: 0, result: result([0.5, 0.4, 0.1]) })).toEqual([1]);
    expect(rows({ design: "BOIN12", scenario: "s", truth: [0.1, 0.28, 0.5], optimum: null, result: result([0.5, 0.4, 0.1]) })).toEqual([]);
  });
});
