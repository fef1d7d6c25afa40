// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DesignPage } from "./design-page.js";

afterEach(cleanup);

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

  it("adds a second design side by side", async () => {
    render(<DesignPage />);
    await act(async () => {
      fireEvent.click(screen.getByLabelText("Compare with a second design"));
    });
    expect(screen.getByRole("group", { name: "Design B" })).toBeTruthy();
  });
});
