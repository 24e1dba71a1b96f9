import { useCallback, useEffect, useState } from "react";
import { formatDateTime } from "../format";
import type { MlMatchingService } from "../services/mlMatchingService";
import type { ApplicationStatus, TalentApplicationOut } from "../services/types";
import { useLatestRequest } from "../useLatestRequest";
import { ErrorNotice } from "./Notice";

export const PAGE_SIZE = 20;

/** How a talent reads each status of its application. */
export const STATUS_LABELS: Record<ApplicationStatus, string> = {
  submitted: "Submitted",
  contacted: "Contacted",
  interviewing: "Interviewing",
  hired: "Hired",
  not_selected: "Not selected",
};

export interface MyApplicationsProps {
  service: MlMatchingService;
  talentId: string;
  /** Changes whenever the talent applied or withdrew, so the list is fetched again. */
  refreshKey?: number;
}

/** "Your applications": the talent's standing applications and where each stands. */
export function MyApplications({ service, talentId, refreshKey = 0 }: MyApplicationsProps) {
  const [items, setItems] = useState<TalentApplicationOut[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { begin, isCurrent } = useLatestRequest();

  const load = useCallback(
    async (offset: number) => {
      const ticket = begin();
      setLoading(true);
      setError(null);
      try {
        const page = await service.listTalentApplications(talentId, { limit: PAGE_SIZE, offset });
        if (!isCurrent(ticket)) return;
        setItems((current) => (offset === 0 ? page.applications : [...current, ...page.applications]));
        setTotal(page.total);
      } catch (err) {
        if (isCurrent(ticket)) setError(err);
      } finally {
        if (isCurrent(ticket)) setLoading(false);
      }
    },
    [service, talentId, begin, isCurrent],
  );

  useEffect(() => {
    void load(0);
  }, [load, refreshKey]);

  return (
    <section className="card applications" aria-labelledby="my-applications-heading">
      <h3 id="my-applications-heading">
        Your applications{total !== null ? <span className="muted"> ({total})</span> : null}
      </h3>
      {error ? <ErrorNotice error={error} onRetry={() => void load(0)} /> : null}
      {total === 0 && !loading ? <p className="muted">You have not applied to any job yet.</p> : null}
      {items.length > 0 ? (
        <ul className="compact-list" aria-label="Your applications">
          {items.map((item) => (
            <li key={item.application_id} className="compact-row" data-testid="application" data-id={item.job_id}>
              <div className="compact-row__main">
                <span className="compact-row__title">{item.job_title}</span>
                <span className="muted">
                  {[item.company_name, item.location_name, item.remote_policy].filter(Boolean).join(" · ")}
                  {item.job_status === "closed" ? " · closed" : ""}
                </span>
              </div>
              <div className="compact-row__side">
                <span className={`pill pill--application-${item.status}`}>{STATUS_LABELS[item.status]}</span>
                <span className="muted compact-row__since">since {formatDateTime(item.status_since)}</span>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {total !== null && items.length < total ? (
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load(items.length)}
        >
          Show more applications
        </button>
      ) : null}
    </section>
  );
}
