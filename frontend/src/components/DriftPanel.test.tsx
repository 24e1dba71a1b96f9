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
      { name: "shared_skills", status: "ok", psi: 0.02 },
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

  it("fetches the report with the service and shows it inline, reduced to the report's markup", async () => {
    const page =
      '<html><head><title>t</title><style>body{}</style></head><body><h1>Drift of v1.3</h1>' +
      '<table><tr><td bgcolor="#fbe3dc" onclick="alert(1)"><b>ALERT</b></td></tr></table>' +
      '<svg width="10" height="10"><rect width="5" height="5" fill="#e07b39"></rect></svg>' +
      '<script>window.hacked = true</script><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a>' +
      "</body></html>";
    const fake = service([run()], page);
    render(<DriftPanel service={fake} />);
    await userEvent.click(await screen.findByRole("button", { name: "Report" }));
    const shown = await screen.findByRole("document", { name: "Drift report" });
    expect(fake.getDriftReport).toHaveBeenCalledWith(run().id);
    expect(within(shown).getByText("ALERT")).toBeInTheDocument();
    expect(within(shown).getByRole("heading", { name: "Drift of v1.3" })).toBeInTheDocument();
    expect(shown.querySelector("rect")?.getAttribute("fill")).toBe("#e07b39");
    expect(shown.querySelector("td")?.getAttribute("bgcolor")).toBe("#fbe3dc");
    expect(shown.innerHTML).not.toMatch(/script|onclick|onerror|<img|<a |javascript|<style/);
    await userEvent.click(screen.getByRole("button", { name: "Close report" }));
    expect(screen.queryByRole("document", { name: "Drift report" })).not.toBeInTheDocument();
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
