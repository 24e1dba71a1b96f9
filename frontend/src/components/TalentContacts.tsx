import { useCallback, useEffect, useState } from "react";
import { formatDateTime } from "../format";
import type { MlMatchingService } from "../services/mlMatchingService";
import type { Decision, TalentContactOut } from "../services/types";
import { useLatestRequest } from "../useLatestRequest";
import { DetailToggle, JobDetailView } from "./DetailPanel";
import { FeedbackButtons, type FeedbackOption } from "./FeedbackButtons";
import { PAGE_SIZE, STATUS_LABELS } from "./MyApplications";
import { ErrorNotice } from "./Notice";

const APPLY: FeedbackOption[] = [{ type: "apply", label: "Apply", doneMessage: "Application sent", variant: "primary" }];

export interface TalentContactsProps {
  service: MlMatchingService;
  talentId: string;
  /** Changes whenever the talent decided on a job, so the list is fetched again. */
  refreshKey?: number;
  /** Told when the talent applied from this list, so the other lists follow. */
  onDecided?: (jobId: string, title: string, decision: Decision | null) => void;
}

/** Where the talent stands on a contact: its application's status, or that it dismissed the job. */
function Answer({ contact }: { contact: TalentContactOut }) {
  if (contact.application_status)
    return (
      <span className={`pill pill--application-${contact.application_status}`}>
        {STATUS_LABELS[contact.application_status]}
      </span>
    );
  if (contact.decision === "dismissed") return <span className="pill">Not interested</span>;
  return null;
}

/**
 * "Companies that contacted you": the jobs whose company stands at `contact` on the talent,
 * newest first, so a contact reaches the talent even when it never applied; Apply answers it.
 */
export function TalentContacts({ service, talentId, refreshKey = 0, onDecided }: TalentContactsProps) {
  const [items, setItems] = useState<TalentContactOut[]>([]);
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
        const page = await service.listTalentContacts(talentId, { limit: PAGE_SIZE, offset });
        if (!isCurrent(ticket)) return;
        setItems((current) => (offset === 0 ? page.contacts : [...current, ...page.contacts]));
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
    <section className="card applications" aria-labelledby="talent-contacts-heading">
      <h3 id="talent-contacts-heading">
        Companies that contacted you{total !== null ? <span className="muted"> ({total})</span> : null}
      </h3>
      {error ? <ErrorNotice error={error} onRetry={() => void load(0)} /> : null}
      {total === 0 && !loading ? <p className="muted">No company has contacted you yet.</p> : null}
      {items.length > 0 ? (
        <ul className="compact-list" aria-label="Companies that contacted you">
          {items.map((item) => {
            const canApply = !item.application_status && item.job_status === "open";
            return (
              <li key={item.job_id} className="compact-row" data-testid="contact" data-id={item.job_id}>
                <div className="compact-row__main">
                  <span className="compact-row__title">{item.job_title}</span>
                  <span className="muted">
                    {[item.company_name, item.location_name, item.remote_policy].filter(Boolean).join(" · ")}
                    {item.job_status === "closed" ? " · closed" : ""}
                  </span>
                </div>
                <div className="compact-row__side">
                  <Answer contact={item} />
                  <span className="muted compact-row__since">contacted {formatDateTime(item.contacted_at)}</span>
                </div>
                <div className="compact-row__actions">
                  {canApply ? (
                    <FeedbackButtons
                      subject={item.job_title}
                      options={APPLY}
                      decision={null}
                      onSend={(type) => service.sendFeedback({ talent_id: talentId, job_id: item.job_id, type })}
                      onDecided={(decision) => onDecided?.(item.job_id, item.job_title, decision)}
                    />
                  ) : null}
                  <DetailToggle
                    subject={item.job_title}
                    load={() => service.getJobDetail(item.job_id)}
                    render={(job) => <JobDetailView job={job} />}
                  />
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
      {total !== null && items.length < total ? (
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={loading}
          onClick={() => void load(items.length)}
        >
          Show more contacts
        </button>
      ) : null}
    </section>
  );
}
