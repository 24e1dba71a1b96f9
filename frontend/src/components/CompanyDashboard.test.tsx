import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { FeedbackResponse, MatchResponse } from "../services/types";
import { companyMe, deferred, fakeService, feedbackResponse, JOB_A, JOB_B, match } from "../test/fixtures";
import { CompanyDashboard, rankTalents } from "./CompanyDashboard";

const T1 = "10000000-0000-4000-8000-000000000001";
const T2 = "10000000-0000-4000-8000-000000000002";
const T3 = "10000000-0000-4000-8000-000000000003";

function talents(): MatchResponse {
  return {
    model_version: "v3",
    processing_time_ms: 20,
    matches: [
      match({ id: T1, score: 64, title: "Carol Chen", subtitle: "Backend Engineer · Lyon · 6 years" }),
      match({ id: T2, score: 88, title: "bob Brown", subtitle: "Data Engineer · Berlin · 9 years" }),
      match({ id: T3, score: 35, title: "Alice Adams", subtitle: "Analyst · Remote · 2 years", source: "fallback" }),
    ],
  };
}

function names() {
  return screen
    .getAllByTestId("match-card")
    .map((card) => within(card).getByRole("heading", { level: 3 }).textContent?.replace(/^\d+\.\s*/, ""));
}

describe("CompanyDashboard", () => {
  it("loads talent for the first open job and ranks them by score", async () => {
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    render(<CompanyDashboard service={service} me={companyMe} />);

    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));
    expect(service.getJobMatches).toHaveBeenCalledWith(JOB_A, 20, 0);
    expect(names()).toEqual(["bob Brown", "Carol Chen", "Alice Adams"]);
    expect(screen.getByLabelText("Job")).toHaveValue(JOB_A);
  });

  it("skips closed jobs when choosing the default", async () => {
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    const me = {
      ...companyMe,
      jobs: [{ ...companyMe.jobs[0]!, status: "closed" as const }, companyMe.jobs[1]!],
    };
    render(<CompanyDashboard service={service} me={me} />);

    await waitFor(() => expect(service.getJobMatches).toHaveBeenCalledWith(JOB_B, 20, 0));
  });

  it("loads the talent of another job when it is picked", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    await user.selectOptions(screen.getByLabelText("Job"), JOB_B);

    await waitFor(() => expect(service.getJobMatches).toHaveBeenLastCalledWith(JOB_B, 20, 0));
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));
  });

  it("keeps the picked job in the address, so a reload opens it again", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    const first = render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));
    expect(new URLSearchParams(window.location.search).get("job")).toBe(JOB_A);

    await user.selectOptions(screen.getByLabelText("Job"), JOB_B);
    expect(new URLSearchParams(window.location.search).get("job")).toBe(JOB_B);
    first.unmount();

    render(<CompanyDashboard service={service} me={companyMe} />);
    expect(screen.getByLabelText("Job")).toHaveValue(JOB_B);
    await waitFor(() => expect(service.getJobMatches).toHaveBeenLastCalledWith(JOB_B, 20, 0));
  });

  it("ignores a job in the address that is not the company's", async () => {
    window.history.replaceState(null, "", "/?job=20000000-0000-4000-8000-00000000ffff");
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    render(<CompanyDashboard service={service} me={companyMe} />);

    expect(screen.getByLabelText("Job")).toHaveValue(JOB_A);
    await waitFor(() => expect(service.getJobMatches).toHaveBeenCalledWith(JOB_A, 20, 0));
  });

  it("sorts by name and back by score", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    await user.selectOptions(screen.getByLabelText("Sort by"), "name");
    expect(names()).toEqual(["Alice Adams", "bob Brown", "Carol Chen"]);
    // the rank stays the score rank
    expect(within(screen.getByRole("list", { name: "Ranked talent" })).getAllByRole("heading", { level: 3 })[0]).toHaveTextContent("3. Alice Adams");

    await user.selectOptions(screen.getByLabelText("Sort by"), "score");
    expect(names()).toEqual(["bob Brown", "Carol Chen", "Alice Adams"]);
  });

  it("hides talent below the minimum score", async () => {
    const user = userEvent.setup();
    const service = fakeService({ getJobMatches: () => Promise.resolve(talents()) });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    const minScore = screen.getByLabelText("Minimum score");
    await user.clear(minScore);
    await user.type(minScore, "64");
    expect(names()).toEqual(["bob Brown", "Carol Chen"]);
    expect(screen.getByText(/2 talents shown \(1 below 64\)/)).toBeInTheDocument();

    await user.clear(minScore);
    await user.type(minScore, "95");
    expect(screen.queryAllByTestId("match-card")).toHaveLength(0);
    expect(screen.getByText("No talent at or above a score of 95.")).toBeInTheDocument();
    // filtering happens here; the server is not asked again
    expect(service.getJobMatches).toHaveBeenCalledTimes(1);
  });

  it("posts contact feedback for the talent and job, disabling the buttons while pending", async () => {
    const user = userEvent.setup();
    const pending = deferred<FeedbackResponse>();
    const service = fakeService({
      getJobMatches: () => Promise.resolve(talents()),
      sendFeedback: () => pending.promise,
    });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    const card = screen.getAllByTestId("match-card")[0]!;
    await user.click(within(card).getByRole("button", { name: "Contact: bob Brown" }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: T2, job_id: JOB_A, type: "contact" });
    expect(within(card).getByRole("button", { name: "Contact: bob Brown" })).toBeDisabled();
    expect(within(card).getByRole("button", { name: "Reject: bob Brown" })).toBeDisabled();

    pending.resolve(feedbackResponse({ talent_id: T2, job_id: JOB_A, type: "contact" }));
    await waitFor(() => expect(within(card).getByText("Marked as contacted")).toBeInTheDocument());
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Contacted");
    expect(within(card).getByRole("button", { name: "Undo: bob Brown" })).toHaveFocus();
  });

  it("marks the company's standing decisions and undoes one", async () => {
    const user = userEvent.setup();
    const marked = talents();
    marked.matches = marked.matches.map((m) => (m.id === T2 ? { ...m, decision: "contacted" as const } : m));
    const service = fakeService({
      getJobMatches: () => Promise.resolve(marked),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));
    const card = screen.getAllByTestId("match-card")[0]!;
    expect(within(card).getByTestId("decision-badge")).toHaveTextContent("Contacted");
    expect(within(card).queryByRole("button", { name: "Contact: bob Brown" })).toBeNull();

    await user.click(within(card).getByRole("button", { name: "Undo: bob Brown" }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: T2, job_id: JOB_A, type: "undo" });
    await waitFor(() => expect(within(card).getByText("Decision undone")).toBeInTheDocument());
    expect(within(card).queryByTestId("decision-badge")).toBeNull();
    expect(within(card).getByRole("button", { name: "Contact: bob Brown" })).toBeEnabled();
  });

  it("posts reject feedback", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getJobMatches: () => Promise.resolve(talents()),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    await user.click(screen.getByRole("button", { name: "Reject: Alice Adams" }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: T3, job_id: JOB_A, type: "reject" });
    await waitFor(() => expect(screen.getByTestId("decision-badge")).toHaveTextContent("Rejected"));
    const card = screen.getAllByTestId("match-card").find((c) => c.dataset.decision === "rejected")!;
    expect(within(card).getByRole("status")).toHaveTextContent("Rejected");
    // a rejected talent stays in the list, marked
    expect(screen.getAllByTestId("match-card")).toHaveLength(3);
    expect(screen.getByTestId("decision-badge")).toHaveTextContent("Rejected");
  });

  it("shows the applicant inbox of the picked job above the ranked talent, refreshed after a decision", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getJobMatches: () => Promise.resolve(talents()),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));
    expect(screen.getByRole("heading", { name: /Applicants/ })).toBeInTheDocument();
    expect(service.listJobApplications).toHaveBeenCalledWith(JOB_A, { stage: null, limit: 20, offset: 0 });

    await user.click(screen.getByRole("button", { name: "Contact: bob Brown" }));
    await waitFor(() => expect(service.listJobApplications).toHaveBeenCalledTimes(2));

    await user.selectOptions(screen.getByLabelText("Job"), JOB_B);
    await waitFor(() => expect(service.listJobApplications).toHaveBeenLastCalledWith(JOB_B, expect.anything()));
  });

  it("filters talent on the server and loads the next page with the cursor", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      getJobMatches: (_id, _limit, _min, options) =>
        Promise.resolve(
          options?.cursor
            ? { ...talents(), matches: [match({ id: "10000000-0000-4000-8000-000000000009", score: 20, title: "Dan Page" })], next_cursor: null }
            : { ...talents(), next_cursor: "next" },
        ),
    });
    render(<CompanyDashboard service={service} me={companyMe} />);
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(3));

    await user.click(screen.getByText("Filters"));
    await user.type(screen.getByLabelText("Years at least"), "3");
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() =>
      expect(service.getJobMatches).toHaveBeenLastCalledWith(JOB_A, 20, 0, { filters: { min_years: 3 } }),
    );
    await user.click(await screen.findByRole("button", { name: "Load more talent" }));

    expect(service.getJobMatches).toHaveBeenLastCalledWith(JOB_A, 20, 0, { filters: { min_years: 3 }, cursor: "next" });
    await waitFor(() => expect(screen.getAllByTestId("match-card")).toHaveLength(4));
  });

  it("explains when the company has no jobs", () => {
    const service = fakeService();
    render(<CompanyDashboard service={service} me={{ ...companyMe, jobs: [] }} />);

    expect(screen.getByText(/no job postings yet/)).toBeInTheDocument();
    expect(service.getJobMatches).not.toHaveBeenCalled();
  });
});

describe("rankTalents", () => {
  it("filters inclusively and sorts names case-insensitively, ties by score", () => {
    const list = [
      match({ id: "a", score: 50, title: "zed" }),
      match({ id: "b", score: 70, title: "Amy" }),
      match({ id: "c", score: 90, title: "amy" }),
      match({ id: "d", score: 49.9, title: "Bo" }),
    ];
    expect(rankTalents(list, "name", 50).map((m) => m.id)).toEqual(["c", "b", "a"]);
    expect(rankTalents(list, "score", 0).map((m) => m.id)).toEqual(["c", "b", "a", "d"]);
  });
});
