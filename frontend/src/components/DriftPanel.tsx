import { useCallback, useEffect, useState } from "react";
import type { MlMatchingService } from "../services/mlMatchingService";
import type { DriftRunResponse } from "../services/types";
import { formatDateTime, formatMetric } from "../format";
import { useLatestRequest } from "../useLatestRequest";
import { ErrorNotice } from "./Notice";

/** What the report page may contain (app/drift/report.py writes only these). */
const REPORT_TAGS = new Set([
  "h1", "h2", "h3", "p", "b", "big", "small", "ul", "li", "br",
  "table", "tbody", "tr", "td", "svg", "rect", "text", "title",
]);
const REPORT_ATTRIBUTES = new Set([
  "width", "height", "x", "y", "fill", "font-size", "role", "aria-label",
  "bgcolor", "valign", "cellpadding", "cellspacing", "border",
]);

/** The report's body with only the elements and attributes the report generator writes: it is
 * shown inline because a frame would inherit the dashboard's CSP and show nothing, and the
 * allowlist keeps anything else (scripts, handlers, links, styles) out of the page. */
export function reportBody(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  for (const element of Array.from(doc.body.querySelectorAll("*"))) {
    if (!REPORT_TAGS.has(element.tagName.toLowerCase())) {
      element.remove();
      continue;
    }
    for (const attribute of Array.from(element.attributes)) {
      if (!REPORT_ATTRIBUTES.has(attribute.name.toLowerCase())) element.removeAttribute(attribute.name);
    }
  }
  return doc.body.innerHTML;
}

export interface DriftPanelProps {
  service: Pick<MlMatchingService, "listDriftRuns" | "getDriftReport">;
}

/** The weekly drift runs (newest first): the overall score against its threshold, what set it,
 * the drifting features, and the run's HTML report, fetched with the admin's token and shown
 * inline, reduced to what the report generator writes (`reportBody`). */
export function DriftPanel({ service }: DriftPanelProps) {
  const [runs, setRuns] = useState<DriftRunResponse[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<{ runId: string; html: string } | null>(null);
  const { begin, isCurrent } = useLatestRequest();

  const reload = useCallback(async () => {
    const ticket = begin();
    setError(null);
    try {
      const body = await service.listDriftRuns(20);
      if (isCurrent(ticket)) setRuns(body.runs);
    } catch (cause) {
      if (isCurrent(ticket)) setError(cause);
    }
  }, [service, begin, isCurrent]);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function openReport(runId: string) {
    setError(null);
    try {
      setReport({ runId, html: await service.getDriftReport(runId) });
    } catch (cause) {
      setError(cause);
    }
  }

  return (
    <section className="card admin-card admin-card--wide" aria-labelledby="drift-heading">
      <div className="card__heading">
        <h3 id="drift-heading">Drift</h3>
        <button type="button" className="button button--small" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      {runs === null && !error ? <p className="muted">Loading…</p> : null}
      {runs && runs.length === 0 ? (
        <p className="muted">No drift runs yet (the weekly job runs `app drift report`).</p>
      ) : null}
      {runs && runs.length > 0 ? (
        <div className="table-wrap table-wrap--stack" tabIndex={0} role="region" aria-labelledby="drift-heading">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Model</th>
                <th scope="col">Score</th>
                <th scope="col">Set by</th>
                <th scope="col">Drifting features</th>
                <th scope="col">
                  <span className="visually-hidden">Report</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id}>
                  <th scope="row" data-label="Run">
                    {formatDateTime(run.started_at)}
                  </th>
                  <td data-label="Model" className="mono">
                    {run.model_version ?? "—"}
                  </td>
                  <td data-label="Score">
                    {run.status === "succeeded" ? (
                      <span className={`pill pill--${run.alerted ? "bad" : "good"}`}>
                        {formatMetric(run.overall_score)} / {formatMetric(run.threshold, 2)}
                        {run.alerted ? " alert" : ""}
                      </span>
                    ) : (
                      <span className="muted" title={run.message}>
                        {run.status}
                      </span>
                    )}
                  </td>
                  <td data-label="Set by" className="mono">
                    {run.overall_metric ?? "—"}
                  </td>
                  <td data-label="Drifting features">
                    {run.top_features
                      .filter((f) => f.status === "drift")
                      .map((f) => `${f.name} (${formatMetric(f.psi)})`)
                      .join(", ") || "none"}
                  </td>
                  <td className="cell--action">
                    {run.report_url ? (
                      <button type="button" className="button button--small" onClick={() => void openReport(run.id)}>
                        Report
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {report ? (
        <div className="drift-report">
          <div className="card__heading">
            <span className="muted">Report of run {report.runId}</span>
            <button type="button" className="button button--small" onClick={() => setReport(null)}>
              Close report
            </button>
          </div>
          <div className="drift-report__body" role="document" aria-label="Drift report" dangerouslySetInnerHTML={{ __html: reportBody(report.html) }} />
        </div>
      ) : null}
    </section>
  );
}
