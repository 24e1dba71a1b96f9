import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../services/mlMatchingService";
import type { DriftRunResponse } from "../services/types";
import { DriftPanel } from "./DriftPanel";

function run(extra: Partial<DriftRunResponse> = {}): DriftRunResponse {
  return {
    id: "01a24d70-6f24-7c58-ae7b-137304467199",
    status: "succeeded",
    triggered_by: "app drift report",
    model_version: "v1.3",
    window_start: "2026-11-29T04:41:00Z",
    window_end: "2026-12-06T04:41:00Z",
    reference_rows: 5000,
    current_rows: 1200,
    overall_score: 0.312,
    overall_metric: "psi:years_ratio",
    threshold: 0.15,
    alerted: true,
    alert_delivered: true,
    top_features: [
      { name: "years_ratio", status: "drift", psi: 0.312 },
      { name: "skill_jaccard", status: "ok", psi: 0.02 },
    ],
    report_url: "/api/v1/drift/runs/01a24d70-6f24-7c58-ae7b-137304467199/report",
    message: "overall drift 0.312 (psi:years_ratio); ALERT at threshold 0.15",
    started_at: "2026-12-06T04:41:00Z",
    finished_at: "2026-12-06T04:41:09Z",
    ...extra,
  };
}

function service(runs: DriftRunResponse[], report = "<html><body><svg></svg>ALERT</body></html>") {
  return {
    listDriftRuns: vi.fn(() => Promise.resolve({ runs })),
    getDriftReport: vi.fn(() => Promise.resolve(report)),
  };
}

describe("DriftPanel", () => {
  it("lists runs with score against threshold, what set it and the drifting features", async () => {
    const quiet = run({
      id: "b",
      overall_score: 0.03,
      alerted: false,
      overall_metric: "psi:salary_iou",
      top_features: [{ name: "salary_iou", status: "ok", psi: 0.03 }],
    });
    render(<DriftPanel service={service([run(), quiet])} />);
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByText("0.312 / 0.15 alert")).toBeInTheDocument();
    expect(within(rows[1]).getByText("years_ratio (0.312)")).toBeInTheDocument();
    expect(within(rows[2]).getByText("0.030 / 0.15")).toBeInTheDocument();
    expect(within(rows[2]).getByText("none")).toBeInTheDocument();
  });

  it("shows a skipped run's status instead of a score", async () => {
    const skipped = run({ status: "skipped", overall_score: null, overall_metric: null, report_url: null });
    render(<DriftPanel service={service([skipped])} />);
    expect(await screen.findByText("skipped")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Report" })).not.toBeInTheDocument();
  });

  it("fetches the report with the service and shows it in a sandboxed frame", async () => {
    const fake = service([run()]);
    render(<DriftPanel service={fake} />);
    await userEvent.click(await screen.findByRole("button", { name: "Report" }));
    const frame = await screen.findByTitle("Drift report");
    expect(fake.getDriftReport).toHaveBeenCalledWith(run().id);
    expect(frame).toHaveAttribute("sandbox", "");
    expect(frame.getAttribute("srcdoc")).toContain("ALERT");
    await userEvent.click(screen.getByRole("button", { name: "Close report" }));
    expect(screen.queryByTitle("Drift report")).not.toBeInTheDocument();
  });

  it("says when there are no runs, and shows errors", async () => {
    const { unmount } = render(<DriftPanel service={service([])} />);
    expect(await screen.findByText(/No drift runs yet/)).toBeInTheDocument();
    unmount();
    const failing = {
      listDriftRuns: vi.fn(() => Promise.reject(new ApiError(403, "forbidden", "Admins only."))),
      getDriftReport: vi.fn(),
    };
    render(<DriftPanel service={failing} />);
    expect(await screen.findByText(/Admins only/)).toBeInTheDocument();
  });
});
