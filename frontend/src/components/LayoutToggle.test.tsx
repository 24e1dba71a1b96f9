import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { LAYOUT_STORAGE_KEY, LayoutToggle, useLayout } from "./LayoutToggle";

function Harness() {
  const [layout, setLayout] = useLayout();
  return (
    <>
      <LayoutToggle value={layout} onChange={setLayout} />
      <output>{layout}</output>
    </>
  );
}

describe("LayoutToggle", () => {
  afterEach(() => window.localStorage.clear());

  it("starts with cards, switches to compact by keyboard and keeps the choice", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Harness />);
    expect(screen.getByRole("radio", { name: "Cards" })).toBeChecked();
    expect(screen.getByRole("group", { name: "Layout" })).toBeInTheDocument();

    screen.getByRole("radio", { name: "Cards" }).focus();
    await user.keyboard("{ArrowRight}");

    expect(screen.getByRole("radio", { name: "Compact" })).toBeChecked();
    expect(screen.getByRole("status")).toHaveTextContent("compact");
    expect(window.localStorage.getItem(LAYOUT_STORAGE_KEY)).toBe("compact");
    unmount();

    render(<Harness />);
    expect(screen.getByRole("radio", { name: "Compact" })).toBeChecked();
  });
});
