import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type { FeedbackResponse, MatchResponse } from "../services/types";
import { deferred, factor, fakeService, match, talentMe, TALENT_ID } from "../test/fixtures";
import { TalentDashboard } from "./TalentDashboard";

const JOB_LOW = "00000000-0000-4000-8000-000000000001";
const JOB_TOP = "00000000-0000-4000-8000-000000000002";
const JOB_EDGE = "00000000-0000-4000-8000-000000000003";
const JOB_FALLBACK = "00000000-0000-4000-8000-000000000004";

function response(): MatchResponse {
  return {
    model_version: "v7",
    processing_time_ms: 12,
    // deliberately not in score order
    matches: [
      match({ id: JOB_LOW, score: 42, title: "Junior Analyst", subtitle: "Initech · Austin" }),
      match({
        id: JOB_TOP,
        score: 91.4,
        title: "Senior Data Engineer",
        subtitle: "Acme · Berlin",
        explanation: {
          sub_scores: { skills: 95, experience: 88, location: 70, salary: 60, culture: 75 },
          top_factors: [
            factor("Remote-friendly team", 1.5, "culture"),
            factor("Covers 4 of 5 required skills (missing: Kubernetes)", 12.3, "skills"),
            factor("Salary below your minimum", -6.2, "salary"),
            factor("Similar seniority", 3.1, "experience"),
            factor("Close to you", 0.4, "location"),
          ],
          summary: "Strong skills overlap.",
        },
      }),
      match({ id: JOB_EDGE, score: 80, title: "Data Engineer II" }),
      match({ id: JOB_FALLBACK, score: 81, source: "fallback", model_version: null, title: "Platform Engineer" }),
    ],
  };
}

function cards() {
  return screen.getAllByTestId("match-card");
}

function cardFor(title: string) {
  const card = cards().find((c) => within(c).queryByRole("heading", { name: new RegExp(title) }));
  if (!card) throw new Error(`no card titled ${title}`);
  return card;
}

describe("TalentDashboard", () => {
  it("loads the signed-in talent's matches and shows them sorted by score", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);

    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(service.getTalentMatches).toHaveBeenCalledWith(TALENT_ID, 10, 0);
    const titles = cards().map((c) => within(c).getByRole("heading", { level: 3 }).textContent);
    expect(titles).toEqual([
      "1. Senior Data Engineer",
      "2. Platform Engineer",
      "3. Data Engineer II",
      "4. Junior Analyst",
    ]);
    expect(screen.getByText(/4 matching jobs · model v7/)).toBeInTheDocument();
  });

  it("shows the score as a progress bar and the subtitle", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);

    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    const bar = within(card).getByRole("progressbar", { name: "Match score" });
    expect(bar).toHaveAttribute("aria-valuenow", "91");
    expect(within(card).getByText("Acme · Berlin")).toBeInTheDocument();
    expect(within(card).getByText("Strong skills overlap.")).toBeInTheDocument();
  });

  it("gives the Highly Recommended badge only to scores above 80", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(4));

    expect(within(cardFor("Senior Data Engineer")).getByText("Highly Recommended")).toBeInTheDocument();
    expect(within(cardFor("Platform Engineer")).getByText("Highly Recommended")).toBeInTheDocument();
    expect(within(cardFor("Data Engineer II")).queryByText("Highly Recommended")).toBeNull();
    expect(within(cardFor("Junior Analyst")).queryByText("Highly Recommended")).toBeNull();
    expect(screen.getAllByText("Highly Recommended")).toHaveLength(2);
  });

  it("marks fallback-scored matches as rule-based", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(4));

    expect(within(cardFor("Platform Engineer")).getByText("rule-based")).toBeInTheDocument();
    expect(screen.getAllByText("rule-based")).toHaveLength(1);
  });

  it("shows at most the three strongest factors, with signed impact", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);

    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    const list = within(card).getByRole("list", { name: "Top factors" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveTextContent("+12.3");
    expect(items[0]).toHaveTextContent("Covers 4 of 5 required skills (missing: Kubernetes)");
    expect(items[1]).toHaveTextContent("\u22126.2");
    expect(items[1]).toHaveTextContent("Salary below your minimum");
    expect(items[2]).toHaveTextContent("+3.1");
    expect(within(card).queryByText("Close to you")).toBeNull();
    expect(within(card).queryByText("Remote-friendly team")).toBeNull();
  });

  it("shows the five sub-scores as bars", async () => {
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);

    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    const expected = { Skills: "95", Experience: "88", Location: "70", Salary: "60", Culture: "75" };
    for (const [label, value] of Object.entries(expected)) {
      expect(within(card).getByRole("progressbar", { name: `${label} score` })).toHaveAttribute(
        "aria-valuenow",
        value,
      );
    }
  });

  it("posts apply feedback with the right body, disables the buttons while pending, then shows the result", async () => {
    const user = userEvent.setup();
    const pending = deferred<FeedbackResponse>();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: () => pending.promise,
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Senior Data Engineer"));

    await user.click(within(card).getByRole("button", { name: /^Apply/ }));

    expect(service.sendFeedback).toHaveBeenCalledTimes(1);
    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_TOP, type: "apply" });
    expect(within(card).getByRole("button", { name: /^Apply/ })).toBeDisabled();
    expect(within(card).getByRole("button", { name: /^Not interested/ })).toBeDisabled();
    expect(within(card).getByText("Sending…")).toBeInTheDocument();
    // other cards stay usable
    expect(within(cardFor("Junior Analyst")).getByRole("button", { name: /^Apply/ })).toBeEnabled();

    pending.resolve({
      id: "f1",
      talent_id: TALENT_ID,
      job_id: JOB_TOP,
      type: "apply",
      created: true,
      created_at: "2025-01-01T00:00:00Z",
    });

    await waitFor(() => expect(within(card).getByText("Application sent")).toBeInTheDocument());
    expect(within(card).getByRole("button", { name: /^Apply/ })).toHaveAttribute("aria-pressed", "true");
  });

  it("sends dismiss for Not interested and says when it was already recorded", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: (body) =>
        Promise.resolve({ id: "f2", ...body, created: false, created_at: "2025-01-01T00:00:00Z" }),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));

    await user.click(within(card).getByRole("button", { name: /^Not interested/ }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_LOW, type: "dismiss" });
    await waitFor(() =>
      expect(within(card).getByText("Marked as not interested (already recorded)")).toBeInTheDocument(),
    );
  });

  it("shows a feedback failure and lets the user try again", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: () => Promise.reject(new ApiError(429, "rate_limited", "Too many requests")),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));

    await user.click(within(card).getByRole("button", { name: /^Apply/ }));

    expect(await within(card).findByRole("alert")).toHaveTextContent("Too many requests");
    expect(within(card).getByRole("button", { name: /^Apply/ })).toBeEnabled();
  });

  it("shows a load error with a retry", async () => {
    const user = userEvent.setup();
    let calls = 0;
    const service = fakeService({
      getTalentMatches: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new ApiError(503, "model_unavailable", "Matching is unavailable"))
          : Promise.resolve(response());
      },
    });
    render(<TalentDashboard service={service} me={talentMe} />);

    expect(await screen.findByRole("alert")).toHaveTextContent("Matching is unavailable");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("reloads with the chosen limit and minimum score", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(4));

    await user.selectOptions(screen.getByLabelText("Show"), "50");
    const minScore = screen.getByLabelText("Minimum score");
    await user.clear(minScore);
    await user.type(minScore, "60");
    await user.click(screen.getByRole("button", { name: "Refresh" }));

    await waitFor(() => expect(service.getTalentMatches).toHaveBeenLastCalledWith(TALENT_ID, 50, 60));
  });

  it("explains when the account has no talent profile", () => {
    const service = fakeService();
    render(<TalentDashboard service={service} me={{ ...talentMe, talent: null }} />);

    expect(screen.getByText(/No talent profile is linked/)).toBeInTheDocument();
    expect(service.getTalentMatches).not.toHaveBeenCalled();
  });
});
