import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { factor, match } from "../test/fixtures";
import { MatchCard } from "./MatchCard";

describe("MatchCard factors", () => {
  it("explains the colours and units of the factor impacts in a legend", () => {
    render(
      <MatchCard
        rank={1}
        match={match({
          id: "aaaaaaaa-0000-4000-8000-000000000000",
          score: 61,
          explanation: {
            sub_scores: { skills: 70, experience: 40, location: 50, salary: 50, culture: 50 },
            top_factors: [
              factor("Covers 4 of 5 required skills", 8.2),
              factor("Only the same major occupation group as the job (not the same occupation)", -5.3, "experience"),
            ],
            summary: "Good match.",
          },
        })}
      />,
    );
    const legend = screen.getByTestId("factor-legend");
    expect(within(legend).getByText(/raises the score/)).toHaveTextContent("+ raises the score");
    expect(within(legend).getByText(/lowers the score/)).toHaveTextContent("− lowers the score");
    expect(legend).toHaveTextContent("in points of the 0-100 score");
    expect(legend.querySelector(".legend__item--positive .legend__swatch")).not.toBeNull();
    expect(legend.querySelector(".legend__item--negative .legend__swatch")).not.toBeNull();

    const items = within(screen.getByRole("list", { name: "Top factors" })).getAllByRole("listitem");
    expect(items[0]).toHaveClass("factor--positive");
    expect(within(items[0]).getByLabelText("raises the score by 8.2 points")).toHaveTextContent("+8.2");
    expect(items[1]).toHaveClass("factor--negative");
    expect(within(items[1]).getByLabelText("lowers the score by 5.3 points")).toBeInTheDocument();
    expect(screen.getByTestId("subscore-legend")).toHaveTextContent("50 = as much as for an average match");
  });

  it("labels a zero impact as no change and omits the legend when there are no factors", () => {
    const { rerender } = render(
      <MatchCard
        rank={1}
        match={match({
          id: "bbbbbbbb-0000-4000-8000-000000000000",
          score: 50,
          explanation: { sub_scores: {}, top_factors: [factor("No profile or job text to compare", 0, "text")], summary: "" },
        })}
      />,
    );
    expect(screen.getByLabelText("does not change the score")).toBeInTheDocument();
    rerender(
      <MatchCard
        rank={1}
        match={match({
          id: "bbbbbbbb-0000-4000-8000-000000000000",
          score: 50,
          explanation: { sub_scores: {}, top_factors: [], summary: "" },
        })}
      />,
    );
    expect(screen.queryByTestId("factor-legend")).toBeNull();
  });
});

describe("MatchCard compact", () => {
  it("keeps title, subtitle, score, badges, summary and actions, and drops factors and bars", () => {
    render(
      <MatchCard
        rank={2}
        compact
        match={match({ id: "bbbbbbbb-0000-4000-8000-000000000000", score: 88, title: "Data Engineer", decision: "applied" })}
        actions={<button type="button">Withdraw</button>}
      />,
    );
    const card = screen.getByTestId("match-card");
    expect(card).toHaveClass("match--compact");
    expect(within(card).getByRole("heading", { level: 3 })).toHaveTextContent("2. Data Engineer");
    expect(within(card).getByText("Acme · Berlin")).toBeInTheDocument();
    expect(within(card).getByLabelText("Match score 88 out of 100")).toBeInTheDocument();
    expect(within(card).getByText("Highly Recommended")).toBeInTheDocument();
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Applied");
    expect(within(card).getByText("A solid match.")).toBeInTheDocument();
    expect(within(card).getByRole("button", { name: "Withdraw" })).toBeInTheDocument();
    expect(within(card).queryByRole("list", { name: "Top factors" })).toBeNull();
    expect(within(card).queryByLabelText("Score breakdown")).toBeNull();
  });
});
