import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { TalentContactOut, TalentContactsResponse } from "../services/types";
import { fakeService, feedbackResponse, JOB_A, JOB_B, TALENT_ID } from "../test/fixtures";
import { TalentContacts } from "./TalentContacts";

function contact(jobId: string, title: string, overrides: Partial<TalentContactOut> = {}): TalentContactOut {
  return {
    job_id: jobId,
    job_title: title,
    company_name: "Acme",
    job_status: "open",
    location_name: "Berlin",
    remote_policy: "hybrid",
    contacted_at: "2026-01-02T12:00:00Z",
    decision: null,
    application_id: null,
    application_status: null,
    ...overrides,
  };
}

function page(contacts: TalentContactOut[], total = contacts.length, offset = 0): TalentContactsResponse {
  return { talent_id: TALENT_ID, total, limit: 20, offset, contacts };
}

describe("TalentContacts", () => {
  it("lists each contact with its company and location, the count, and Apply where not applied", async () => {
    const service = fakeService({
      listTalentContacts: () =>
        Promise.resolve(
          page([
            contact(JOB_A, "Data Engineer"),
            contact(JOB_B, "ML Engineer", {
              decision: "applied",
              application_id: "app-b",
              application_status: "interviewing",
            }),
          ]),
        ),
    });
    render(<TalentContacts service={service} talentId={TALENT_ID} />);

    const rows = await screen.findAllByTestId("contact");
    expect(service.listTalentContacts).toHaveBeenCalledWith(TALENT_ID, { limit: 20, offset: 0 });
    expect(screen.getByRole("heading", { name: /^Companies that contacted you/ })).toHaveTextContent(
      "Companies that contacted you (2)",
    );
    expect(within(rows[0]!).getByText("Data Engineer")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Acme · Berlin · hybrid")).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("button", { name: "Apply: Data Engineer" })).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("button", { name: "Details: Data Engineer" })).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Interviewing")).toBeInTheDocument();
    expect(within(rows[1]!).queryByRole("button", { name: /^Apply/ })).toBeNull();
  });

  it("applies from a contact and tells the dashboard", async () => {
    const user = userEvent.setup();
    const onDecided = vi.fn();
    const service = fakeService({
      listTalentContacts: () => Promise.resolve(page([contact(JOB_A, "Data Engineer", { decision: "dismissed" })])),
      sendFeedback: (body) => Promise.resolve(feedbackResponse(body)),
    });
    render(<TalentContacts service={service} talentId={TALENT_ID} onDecided={onDecided} />);
    const row = await screen.findByTestId("contact");
    expect(within(row).getByText("Not interested")).toBeInTheDocument();

    await user.click(within(row).getByRole("button", { name: "Apply: Data Engineer" }));

    expect(service.sendFeedback).toHaveBeenCalledWith({ talent_id: TALENT_ID, job_id: JOB_A, type: "apply" });
    await waitFor(() => expect(onDecided).toHaveBeenCalledWith(JOB_A, "Data Engineer", "applied"));
  });

  it("offers no Apply on a closed job", async () => {
    const service = fakeService({
      listTalentContacts: () => Promise.resolve(page([contact(JOB_A, "Data Engineer", { job_status: "closed" })])),
    });
    render(<TalentContacts service={service} talentId={TALENT_ID} />);
    const row = await screen.findByTestId("contact");
    expect(within(row).getByText("Acme · Berlin · hybrid · closed")).toBeInTheDocument();
    expect(within(row).queryByRole("button", { name: /^Apply/ })).toBeNull();
  });

  it("says when there are none, and fetches again when told to", async () => {
    const service = fakeService();
    const { rerender } = render(<TalentContacts service={service} talentId={TALENT_ID} refreshKey={0} />);
    expect(await screen.findByText("No company has contacted you yet.")).toBeInTheDocument();

    rerender(<TalentContacts service={service} talentId={TALENT_ID} refreshKey={1} />);

    await waitFor(() => expect(service.listTalentContacts).toHaveBeenCalledTimes(2));
  });

  it("loads more when there are more than a page", async () => {
    const user = userEvent.setup();
    const service = fakeService({
      listTalentContacts: (_id, options) =>
        Promise.resolve(
          options?.offset ? page([contact(JOB_B, "ML Engineer")], 2, 1) : page([contact(JOB_A, "Data Engineer")], 2),
        ),
    });
    render(<TalentContacts service={service} talentId={TALENT_ID} />);
    await user.click(await screen.findByRole("button", { name: "Show more contacts" }));

    await waitFor(() => expect(screen.getAllByTestId("contact")).toHaveLength(2));
    expect(service.listTalentContacts).toHaveBeenLastCalledWith(TALENT_ID, { limit: 20, offset: 1 });
  });
});
