import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type { FeedbackResponse, MatchResponse } from "../services/types";
import { deferred, factor, fakeService, feedbackResponse, match, talentMe, TALENT_ID } from "../test/fixtures";
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
    expect(service.getTalentMatches).toHaveBeenCalledWith(TALENT_ID, 10, 0, { includeDismissed: false });
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

  it("posts apply feedback with the right body, disables the buttons while pending, then marks the card Applied", async () => {
    const user = userEvent.setup();
    const pending = deferred<FeedbackResponse>();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: () => pending.promise,
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    expect(within(card).queryByTestId("decision-badge")).toBeNull();

    await user.click(within(card).getByRole("button", { name: /^Apply/ }));

    expect(service.sendFeedback).toHaveBeenCalledTimes(1);
    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_TOP, type: "apply" });
    expect(within(card).getByRole("button", { name: /^Apply/ })).toBeDisabled();
    expect(within(card).getByRole("button", { name: /^Not interested/ })).toBeDisabled();
    expect(within(card).getByText("Sending…")).toBeInTheDocument();
    // other cards stay usable
    expect(within(cardFor("Junior Analyst")).getByRole("button", { name: /^Apply/ })).toBeEnabled();

    pending.resolve(feedbackResponse({ talent_id: TALENT_ID, job_id: JOB_TOP, type: "apply" }));

    await waitFor(() => expect(within(card).getByText("Application sent")).toBeInTheDocument());
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Applied");
    expect(card).toHaveAttribute("data-decision", "applied");
    expect(within(card).queryByRole("button", { name: /^Apply/ })).toBeNull();
    // the clicked button is gone: keyboard focus moves to its replacement
    expect(within(card).getByRole("button", { name: "Withdraw: Senior Data Engineer" })).toHaveFocus();
  });

  it("marks the decisions the server returns and withdraws an application with undo", async () => {
    const user = userEvent.setup();
    const marked = response();
    marked.matches[1] = { ...marked.matches[1]!, decision: "applied" };
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(marked),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Applied");
    expect(screen.getAllByTestId("decision-badge")).toHaveLength(1);

    await user.click(within(card).getByRole("button", { name: "Withdraw: Senior Data Engineer" }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_TOP, type: "undo" });
    await waitFor(() => expect(within(card).getByText("Application withdrawn")).toBeInTheDocument());
    expect(within(card).queryByTestId("decision-badge")).toBeNull();
    expect(within(card).getByRole("button", { name: "Apply: Senior Data Engineer" })).toBeEnabled();
  });

  it("takes a dismissed job out of the list, with an Undo that brings it back", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));

    await user.click(within(card).getByRole("button", { name: /^Not interested/ }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_LOW, type: "dismiss" });
    await waitFor(() => expect(cards()).toHaveLength(3));
    expect(screen.queryByRole("heading", { name: /Junior Analyst/ })).toBeNull();
    expect(screen.getByText(/3 matching jobs/)).toBeInTheDocument();
    const notice = screen.getByTestId("undo-dismiss");
    expect(notice).toHaveTextContent("“Junior Analyst” dismissed");
    const undo = within(notice).getByRole("button", { name: "Undo dismiss: Junior Analyst" });
    expect(undo).toHaveFocus();

    await user.click(undo);

    expect(service.sendFeedback).toHaveBeenLastCalledWith({ talent_id: TALENT_ID, job_id: JOB_LOW, type: "undo" });
    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(screen.queryByTestId("undo-dismiss")).toBeNull();
    const back = cardFor("Junior Analyst");
    expect(within(back).getByRole("heading", { level: 3 })).toHaveTextContent("4. Junior Analyst");
    expect(within(back).getByRole("button", { name: "Apply: Junior Analyst" })).toBeEnabled();
    // the list was not fetched again: the job was still in it, only hidden
    expect(service.getTalentMatches).toHaveBeenCalledTimes(1);
  });

  it("shows an undo that fails in its notice and keeps the job out", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: (body) =>
        body.type === "undo"
          ? Promise.reject(new ApiError(409, "nothing_to_undo", "Nothing to undo"))
          : Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));
    await user.click(within(card).getByRole("button", { name: /^Not interested/ }));

    await user.click(await screen.findByRole("button", { name: "Undo dismiss: Junior Analyst" }));

    const notice = screen.getByTestId("undo-dismiss");
    expect(await within(notice).findByRole("alert")).toHaveTextContent("Could not undo: Nothing to undo");
    expect(within(notice).getByRole("button", { name: "Undo dismiss: Junior Analyst" })).toBeEnabled();
    expect(cards()).toHaveLength(3);
  });

  it("undoes a dismissal made before the last load by asking for the list again", async () => {
    const user = userEvent.setup();
    let withLow = true;
    const service = fakeService({
      getTalentMatches: () => {
        const all = response();
        return Promise.resolve(withLow ? all : { ...all, matches: all.matches.filter((m) => m.id !== JOB_LOW) });
      },
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));
    await user.click(within(card).getByRole("button", { name: /^Not interested/ }));
    withLow = false; // the server leaves dismissed jobs out
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(service.getTalentMatches).toHaveBeenCalledTimes(2));
    withLow = true;

    await user.click(screen.getByRole("button", { name: "Undo dismiss: Junior Analyst" }));

    await waitFor(() => expect(service.getTalentMatches).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(cards()).toHaveLength(4));
  });

  it("shows dismissed jobs, marked and with an Undo, when asked to", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: (_id, _limit, _min, options) => {
        const all = response();
        all.matches[0] = { ...all.matches[0]!, decision: "dismissed" };
        return Promise.resolve(
          options?.includeDismissed ? all : { ...all, matches: all.matches.filter((m) => m.id !== JOB_LOW) },
        );
      },
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(3));

    await user.click(screen.getByRole("checkbox", { name: "Show dismissed jobs" }));

    expect(service.getTalentMatches).toHaveBeenLastCalledWith(TALENT_ID, 10, 0, { includeDismissed: true });
    await waitFor(() => expect(cards()).toHaveLength(4));
    const card = cardFor("Junior Analyst");
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Dismissed");
    expect(screen.queryByTestId("undo-dismiss")).toBeNull();

    await user.click(within(card).getByRole("button", { name: "Undo: Junior Analyst" }));

    await waitFor(() => expect(within(card).getByText("Decision undone")).toBeInTheDocument());
    expect(within(card).queryByTestId("decision-badge")).toBeNull();
    expect(within(card).getByRole("button", { name: "Not interested: Junior Analyst" })).toBeEnabled();
  });

  it("says when a decision was already recorded", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body, { created: false })),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Junior Analyst"));

    await user.click(within(card).getByRole("button", { name: /^Apply/ }));

    await waitFor(() => expect(within(card).getByText("Application sent (already recorded)")).toBeInTheDocument());
  });

  it("opens a job's details from its card and refreshes the applications after applying", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: () => Promise.resolve(response()),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
      getJobDetail: (jobId) =>
        Promise.resolve({
          id: jobId,
          title: "Senior Data Engineer",
          description: "Pipelines all day.",
          status: "open",
          seniority: "senior",
          min_years: 4,
          max_years: 8,
          location_name: "Berlin",
          timezone: null,
          remote_policy: "hybrid",
          salary_min: null,
          salary_max: null,
          currency: "EUR",
          skills: [],
          company: { id: "c", name: "Acme", industry: "Software", size: "small", work_style: "async" },
          created_at: "2026-01-01T00:00:00Z",
        }),
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    const card = await waitFor(() => cardFor("Senior Data Engineer"));
    expect(await screen.findByText("You have not applied to any job yet.")).toBeInTheDocument();

    await user.click(within(card).getByRole("button", { name: "Details: Senior Data Engineer" }));
    expect(await within(card).findByTestId("job-detail")).toHaveTextContent("Pipelines all day.");
    expect(service.getJobDetail).toHaveBeenCalledWith(JOB_TOP);

    await user.click(within(card).getByRole("button", { name: "Apply: Senior Data Engineer" }));
    await waitFor(() => expect(service.listTalentApplications).toHaveBeenCalledTimes(2));
  });

  it("switches the list to the compact layout", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getTalentMatches: () => Promise.resolve(response()) });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(4));
    expect(screen.getAllByRole("list", { name: "Top factors" })).toHaveLength(4);

    await user.click(screen.getByRole("radio", { name: "Compact" }));

    expect(cards().every((c) => c.classList.contains("match--compact"))).toBe(true);
    expect(screen.queryByRole("list", { name: "Top factors" })).toBeNull();
    expect(within(cardFor("Junior Analyst")).getByRole("button", { name: /^Apply/ })).toBeEnabled();
    window.localStorage.clear();
  });

  it("sends the filters on Refresh and pages on with the cursor and the same filters", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getTalentMatches: (_id, _limit, _min, options) => {
        const page = response();
        return Promise.resolve(
          options?.cursor
            ? { ...page, matches: [match({ id: "00000000-0000-4000-8000-000000000009", score: 30, title: "Page Two Job" })], next_cursor: null }
            : { ...page, next_cursor: "c1" },
        );
      },
    });
    render(<TalentDashboard service={service} me={talentMe} />);
    await waitFor(() => expect(cards()).toHaveLength(4));

    await user.click(screen.getByText("Filters"));
    await user.click(screen.getByRole("checkbox", { name: "remote" }));
    await user.type(screen.getByLabelText("Skills (all of, comma-separated)"), "Python");
    await user.click(screen.getByRole("button", { name: "Refresh" }));

    const filters = { remote: ["remote"], skills: ["Python"] };
    await waitFor(() =>
      expect(service.getTalentMatches).toHaveBeenLastCalledWith(TALENT_ID, 10, 0, { includeDismissed: false, filters }),
    );
    await user.click(await screen.findByRole("button", { name: "Load more jobs" }));

    expect(service.getTalentMatches).toHaveBeenLastCalledWith(TALENT_ID, 10, 0, {
      includeDismissed: false,
      filters,
      cursor: "c1",
    });
    await waitFor(() => expect(cards()).toHaveLength(5));
    expect(cardFor("Page Two Job")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more jobs" })).toBeNull();
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

    await waitFor(() => expect(service.getTalentMatches).toHaveBeenLastCalledWith(TALENT_ID, 50, 60, { includeDismissed: false }));
  });

  it("explains when the account has no talent profile", () => {
    const service = fakeService();
    render(<TalentDashboard service={service} me={{ ...talentMe, talent: null }} />);

    expect(screen.getByText(/No talent profile is linked/)).toBeInTheDocument();
    expect(service.getTalentMatches).not.toHaveBeenCalled();
  });
});
