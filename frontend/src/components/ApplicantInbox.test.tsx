import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type { ApplicantOut, ApplicantsResponse, ApplicationStage, CandidateDetailResponse } from "../services/types";
import { emptyInbox, fakeService, JOB_A } from "../test/fixtures";
import { ApplicantInbox } from "./ApplicantInbox";

const ADA = "20000000-0000-4000-8000-000000000001";
const BOB = "20000000-0000-4000-8000-000000000002";

function applicant(talentId: string, title: string, stage: ApplicationStage, score = 72.4): ApplicantOut {
  return {
    application_id: `app-${talentId}`,
    talent_id: talentId,
    job_id: JOB_A,
    title,
    subtitle: "Backend developer · London · 6 years",
    applied_at: "2026-01-01T12:00:00Z",
    stage,
    stage_since: "2026-01-02T09:30:00Z",
    score,
    source: "ml",
    model_version: "v1",
    explanation: { sub_scores: {}, top_factors: [], summary: `Summary of ${title}.` },
  };
}

function inbox(applications: ApplicantOut[], total = applications.length): ApplicantsResponse {
  const counts = { new: 0, contacted: 0, interviewing: 0, hired: 0, rejected: 0 };
  for (const a of applications) counts[a.stage] += 1;
  return { ...emptyInbox(JOB_A), total, stage_counts: counts, applications };
}

function rowOf(name: string) {
  const row = screen.getAllByTestId("applicant").find((r) => within(r).queryByText(name));
  if (!row) throw new Error(`no applicant ${name}`);
  return row;
}

describe("ApplicantInbox", () => {
  it("lists who applied with score, summary and stage, and the moves each stage allows", async () => {
    const service = fakeService({
      listJobApplications: () =>
        Promise.resolve(inbox([applicant(ADA, "Ada Lovelace", "new", 84.2), applicant(BOB, "Bob Brown", "interviewing")])),
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);

    const ada = await waitFor(() => rowOf("Ada Lovelace"));
    expect(service.listJobApplications).toHaveBeenCalledWith(JOB_A, { stage: null, limit: 20, offset: 0 });
    expect(screen.getByRole("heading", { level: 3 })).toHaveTextContent("Applicants (2)");
    expect(within(ada).getByLabelText("Match score 84 out of 100")).toBeInTheDocument();
    expect(within(ada).getByText("Summary of Ada Lovelace.")).toBeInTheDocument();
    expect(within(ada).getByTestId("stage")).toHaveTextContent("New");
    expect(within(ada).getByRole("button", { name: "Contact: Ada Lovelace" })).toBeEnabled();
    expect(within(ada).getByRole("button", { name: "Reject: Ada Lovelace" })).toBeEnabled();
    const bob = rowOf("Bob Brown");
    expect(within(bob).getByRole("button", { name: "Hire: Bob Brown" })).toBeEnabled();
    expect(within(bob).queryByRole("button", { name: /^Contact/ })).toBeNull();
  });

  it("moves an application to its next stage and shows the stage the server reports", async () => {
    const user = userEvent.setup();
    let stage: ApplicationStage = "new";
    const service = fakeService({
      listJobApplications: () => Promise.resolve(inbox([applicant(ADA, "Ada Lovelace", stage)])),
      moveApplicationStage: (jobId, talentId, next) => {
        stage = next;
        return Promise.resolve({
          application_id: "a",
          talent_id: talentId,
          job_id: jobId,
          stage: next,
          stage_since: "2026-01-03T00:00:00Z",
          created: true,
          history: [],
        });
      },
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    await user.click(await screen.findByRole("button", { name: "Contact: Ada Lovelace" }));

    expect(service.moveApplicationStage).toHaveBeenCalledWith(JOB_A, ADA, "contacted");
    await waitFor(() => expect(within(rowOf("Ada Lovelace")).getByTestId("stage")).toHaveTextContent("Contacted"));
    await user.click(screen.getByRole("button", { name: "Interview: Ada Lovelace" }));
    await waitFor(() => expect(within(rowOf("Ada Lovelace")).getByTestId("stage")).toHaveTextContent("Interviewing"));
    await user.click(screen.getByRole("button", { name: "Hire: Ada Lovelace" }));
    await waitFor(() => expect(within(rowOf("Ada Lovelace")).getByTestId("stage")).toHaveTextContent("Hired"));
    expect(within(rowOf("Ada Lovelace")).queryByRole("button", { name: /Reject/ })).toBeNull();
  });

  it("shows a refused move on its applicant", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      listJobApplications: () => Promise.resolve(inbox([applicant(ADA, "Ada Lovelace", "new")])),
      moveApplicationStage: () => Promise.reject(new ApiError(409, "job_closed", "The job is closed")),
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    await user.click(await screen.findByRole("button", { name: "Reject: Ada Lovelace" }));

    expect(await within(rowOf("Ada Lovelace")).findByRole("alert")).toHaveTextContent("The job is closed");
    expect(within(rowOf("Ada Lovelace")).getByRole("button", { name: "Reject: Ada Lovelace" })).toBeEnabled();
  });

  it("filters by stage with the counts of every stage", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      listJobApplications: (_job, options) => {
        const all = [applicant(ADA, "Ada Lovelace", "new"), applicant(BOB, "Bob Brown", "contacted")];
        const page = inbox(all);
        return Promise.resolve({
          ...page,
          applications: all.filter((a) => !options?.stage || a.stage === options.stage),
        });
      },
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    await waitFor(() => expect(screen.getAllByTestId("applicant")).toHaveLength(2));

    const select = screen.getByLabelText("Stage");
    expect(within(select).getByRole("option", { name: "Contacted (1)" })).toBeInTheDocument();
    await user.selectOptions(select, "contacted");

    await waitFor(() => expect(screen.getAllByTestId("applicant")).toHaveLength(1));
    expect(service.listJobApplications).toHaveBeenLastCalledWith(JOB_A, { stage: "contacted", limit: 20, offset: 0 });
    expect(rowOf("Bob Brown")).toBeInTheDocument();
  });

  it("pages through a long inbox", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      listJobApplications: () => Promise.resolve(inbox([applicant(ADA, "Ada Lovelace", "new")], 45)),
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    expect(await screen.findByText("1–20 of 45")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await user.click(screen.getByRole("button", { name: "Next" }));

    await waitFor(() =>
      expect(service.listJobApplications).toHaveBeenLastCalledWith(JOB_A, { stage: null, limit: 20, offset: 20 }),
    );
    expect(await screen.findByText("21–40 of 45")).toBeInTheDocument();
  });

  it("says when no one has applied", async () => {
    const service = fakeService();
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    expect(await screen.findByText("No one has applied yet.")).toBeInTheDocument();
  });

  it("opens the candidate's details one click from the applicant", async () => {
    const user = userEvent.setup();
    const candidate: CandidateDetailResponse = {
      id: ADA,
      full_name: "Ada Lovelace",
      headline: "Backend developer",
      seniority: "senior",
      years_experience: 6,
      location_name: "London",
      timezone: "Europe/London",
      remote_preference: "hybrid",
      preferred_company_size: null,
      preferred_work_style: null,
      preferred_industries: ["Software"],
      skills: [{ name: "Python", proficiency: 5, years: 6 }],
      disclosed: true,
      bio: "Builds data platforms.",
      resume_text: null,
      salary_min: 70000,
      salary_max: 90000,
      currency: "GBP",
    };
    const service = fakeService({
      listJobApplications: () => Promise.resolve(inbox([applicant(ADA, "Ada Lovelace", "new")])),
      getCandidateDetail: () => Promise.resolve(candidate),
    });
    render(<ApplicantInbox service={service} jobId={JOB_A} />);
    await user.click(await screen.findByRole("button", { name: "Details: Ada Lovelace" }));

    const detail = await screen.findByTestId("candidate-detail");
    expect(service.getCandidateDetail).toHaveBeenCalledWith(ADA);
    expect(detail).toHaveTextContent("Python (5/5, 6 years)");
    expect(detail).toHaveTextContent("70,000–90,000 GBP");
    expect(detail).toHaveTextContent("Builds data platforms.");
  });
});
