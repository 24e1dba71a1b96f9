import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type { CandidateDetailResponse, JobDetailResponse } from "../services/types";
import { CandidateDetailView, DetailToggle, JobDetailView } from "./DetailPanel";

const JOB: JobDetailResponse = {
  id: "j1",
  title: "Data Engineer",
  description: "Build pipelines.",
  status: "open",
  seniority: "senior",
  min_years: 5,
  max_years: null,
  location_name: "Berlin",
  timezone: "Europe/Berlin",
  remote_policy: "hybrid",
  salary_min: 70000,
  salary_max: 90000,
  currency: "EUR",
  skills: [
    { name: "Python", required: true, min_proficiency: 4 },
    { name: "Kubernetes", required: false, min_proficiency: 2 },
  ],
  company: { id: "c1", name: "Acme", industry: "Software", size: "medium", work_style: "async" },
  created_at: "2026-01-01T00:00:00Z",
};

describe("DetailToggle", () => {
  it("fetches on first open only, and hides and shows the panel", async () => {
    const user = userEvent.setup();
    const load = vi.fn(() => Promise.resolve(JOB));
    render(<DetailToggle subject="Data Engineer" load={load} render={(job) => <JobDetailView job={job} />} />);

    const button = screen.getByRole("button", { name: "Details: Data Engineer" });
    expect(button).toHaveAttribute("aria-expanded", "false");
    await user.click(button);

    const detail = await screen.findByTestId("job-detail");
    expect(screen.getByRole("button", { name: "Hide details: Data Engineer" })).toHaveAttribute("aria-expanded", "true");
    expect(detail).toHaveTextContent("Acme · Software · medium");
    expect(detail).toHaveTextContent("Required: Python (4/5)");
    expect(detail).toHaveTextContent("Nice to have: Kubernetes");
    expect(detail).toHaveTextContent("70,000–90,000 EUR");
    expect(detail).toHaveTextContent("senior, 5 years+");
    expect(detail).toHaveTextContent("Build pipelines.");

    await user.click(screen.getByRole("button", { name: "Hide details: Data Engineer" }));
    expect(screen.queryByTestId("job-detail")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Details: Data Engineer" }));
    expect(screen.getByTestId("job-detail")).toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("shows a failure with a retry", async () => {
    const user = userEvent.setup();
    const load = vi
      .fn<() => Promise<JobDetailResponse>>()
      .mockRejectedValueOnce(new ApiError(404, "not_found", "No such job"))
      .mockResolvedValueOnce(JOB);
    render(<DetailToggle subject="Data Engineer" load={load} render={(job) => <JobDetailView job={job} />} />);
    await user.click(screen.getByRole("button", { name: "Details: Data Engineer" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("No such job");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.getByTestId("job-detail")).toBeInTheDocument());
  });
});

describe("CandidateDetailView", () => {
  it("says what shows once the candidate is disclosed", () => {
    const candidate: CandidateDetailResponse = {
      id: "t1",
      full_name: "Ada",
      headline: "Backend developer",
      seniority: "mid",
      years_experience: 1,
      location_name: null,
      timezone: null,
      remote_preference: "remote",
      preferred_company_size: null,
      preferred_work_style: null,
      preferred_industries: [],
      skills: [],
      disclosed: false,
      bio: null,
      resume_text: null,
      salary_min: null,
      salary_max: null,
      currency: null,
    };
    render(<CandidateDetailView candidate={candidate} />);
    expect(screen.getByTestId("candidate-detail")).toHaveTextContent("mid, 1 year");
    expect(screen.getByText(/show once the candidate applies or you contact them/)).toBeInTheDocument();
  });
});
