import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TalentApplicationOut, TalentApplicationsResponse } from "../services/types";
import { fakeService, JOB_A, JOB_B, TALENT_ID } from "../test/fixtures";
import { MyApplications } from "./MyApplications";

function item(jobId: string, title: string, status: TalentApplicationOut["status"]): TalentApplicationOut {
  return {
    application_id: `app-${jobId}`,
    job_id: jobId,
    job_title: title,
    company_name: "Acme",
    job_status: "open",
    location_name: "Berlin",
    remote_policy: "hybrid",
    applied_at: "2026-01-01T12:00:00Z",
    status,
    status_since: "2026-01-02T12:00:00Z",
  };
}

function page(applications: TalentApplicationOut[], total = applications.length, offset = 0): TalentApplicationsResponse {
  return { talent_id: TALENT_ID, total, limit: 20, offset, applications };
}

describe("MyApplications", () => {
  it("shows each application with where it stands, as the talent reads it", async () => {
    const service = fakeService({
      listTalentApplications: () =>
        Promise.resolve(page([item(JOB_A, "Data Engineer", "interviewing"), item(JOB_B, "ML Engineer", "not_selected")])),
    });
    render(<MyApplications service={service} talentId={TALENT_ID} />);

    const rows = await screen.findAllByTestId("application");
    expect(service.listTalentApplications).toHaveBeenCalledWith(TALENT_ID, { limit: 20, offset: 0 });
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText("Data Engineer")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Interviewing")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Acme · Berlin · hybrid")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Not selected")).toBeInTheDocument();
  });

  it("says when there are none, and fetches again when told to", async () => {
    const service = fakeService();
    const { rerender } = render(<MyApplications service={service} talentId={TALENT_ID} refreshKey={0} />);
    expect(await screen.findByText("You have not applied to any job yet.")).toBeInTheDocument();

    rerender(<MyApplications service={service} talentId={TALENT_ID} refreshKey={1} />);

    await waitFor(() => expect(service.listTalentApplications).toHaveBeenCalledTimes(2));
  });

  it("loads more when there are more than a page", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      listTalentApplications: (_id, options) =>
        Promise.resolve(
          options?.offset
            ? page([item(JOB_B, "ML Engineer", "submitted")], 2, 1)
            : page([item(JOB_A, "Data Engineer", "submitted")], 2),
        ),
    });
    render(<MyApplications service={service} talentId={TALENT_ID} />);
    await user.click(await screen.findByRole("button", { name: "Show more applications" }));

    await waitFor(() => expect(screen.getAllByTestId("application")).toHaveLength(2));
    expect(service.listTalentApplications).toHaveBeenLastCalledWith(TALENT_ID, { limit: 20, offset: 1 });
    expect(screen.queryByRole("button", { name: "Show more applications" })).toBeNull();
  });
});
