import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { countFilters, MatchFilters, NO_FILTERS, requestFilters, type FilterKind, type FilterValues } from "./MatchFilters";

function Harness({ kind, seen }: { kind: FilterKind; seen: FilterValues[] }) {
  const [values, setValues] = useState(NO_FILTERS);
  return (
    <MatchFilters
      kind={kind}
      values={values}
      onChange={(next) => {
        seen.push(next);
        setValues(next);
      }}
    />
  );
}

describe("requestFilters", () => {
  it("sends nothing when nothing is set", () => {
    expect(requestFilters("jobs", NO_FILTERS)).toBeNull();
    expect(countFilters("talents", NO_FILTERS)).toBe(0);
  });

  it("maps the form to JobFilters and TalentFilters", () => {
    const values: FilterValues = {
      remote: ["remote", "hybrid"],
      radiusKm: "50",
      salary: "70000",
      seniority: ["mid", "senior"],
      skills: " Python, SQL ,,",
      minYears: "3",
    };
    expect(requestFilters("jobs", values)).toEqual({
      remote: ["remote", "hybrid"],
      radius_km: 50,
      salary_min: 70000,
      seniority: ["mid", "senior"],
      skills: ["Python", "SQL"],
    });
    expect(requestFilters("talents", values)).toEqual({
      remote: ["remote", "hybrid"],
      radius_km: 50,
      salary_max: 70000,
      seniority: ["mid", "senior"],
      skills: ["Python", "SQL"],
      min_years: 3,
    });
  });

  it("ignores a radius of 0 and text that is not a number", () => {
    expect(requestFilters("jobs", { ...NO_FILTERS, radiusKm: "0", salary: "lots" })).toBeNull();
  });
});

describe("MatchFilters", () => {
  it("offers the job side's remote policies, counts what is set and clears it", async () => {
    const user = userEvent.setup();
    const seen: FilterValues[] = [];
    render(<Harness kind="jobs" seen={seen} />);
    await user.click(screen.getByText("Filters"));

    expect(screen.queryByRole("checkbox", { name: "any" })).toBeNull();
    await user.click(screen.getByRole("checkbox", { name: "remote" }));
    await user.click(screen.getByRole("checkbox", { name: "senior" }));
    await user.type(screen.getByLabelText("Salary at least"), "60000");
    await user.type(screen.getByLabelText("Skills (all of, comma-separated)"), "Python");

    expect(screen.getByText("Filters (4)")).toBeInTheDocument();
    expect(requestFilters("jobs", seen.at(-1)!)).toEqual({
      remote: ["remote"],
      salary_min: 60000,
      seniority: ["senior"],
      skills: ["Python"],
    });
    expect(screen.queryByLabelText("Years at least")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(seen.at(-1)).toEqual(NO_FILTERS);
    expect(screen.getByRole("button", { name: "Clear filters" })).toBeDisabled();
  });

  it("offers the talent side's preferences, a budget and years", async () => {
    const user = userEvent.setup();
    render(<Harness kind="talents" seen={[]} />);
    await user.click(screen.getByText("Filters"));
    expect(screen.getByRole("checkbox", { name: "any" })).toBeInTheDocument();
    expect(screen.getByLabelText("Budget up to")).toBeInTheDocument();
    expect(screen.getByLabelText("Years at least")).toBeInTheDocument();
  });
});
