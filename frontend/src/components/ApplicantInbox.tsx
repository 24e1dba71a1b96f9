import { useCallback, useEffect, useId, useState } from "react";
import { formatDateTime, formatScore } from "../format";
import { errorMessage, type MlMatchingService } from "../services/mlMatchingService";
import type { ApplicantOut, ApplicantsResponse, ApplicationStage } from "../services/types";
import { APPLICATION_STAGES } from "../api/enums";
import { useLatestRequest } from "../useLatestRequest";
import { CandidateDetailView, DetailToggle } from "./DetailPanel";
import { ErrorNotice, LiveStatus } from "./Notice";

export const INBOX_PAGE_SIZE = 20;

export const STAGE_LABELS: Record<ApplicationStage, string> = {
  new: "New",
  contacted: "Contacted",
  interviewing: "Interviewing",
  hired: "Hired",
  rejected: "Rejected",
};

/** The moves a company can make from each stage (the server's stage machine), as buttons. */
export const NEXT_MOVES: Record<ApplicationStage, { stage: ApplicationStage; label: string }[]> = {
  new: [
    { stage: "contacted", label: "Contact" },
    { stage: "rejected", label: "Reject" },
  ],
  contacted: [
    { stage: "interviewing", label: "Interview" },
    { stage: "rejected", label: "Reject" },
  ],
  interviewing: [
    { stage: "hired", label: "Hire" },
    { stage: "rejected", label: "Reject" },
  ],
  hired: [],
  rejected: [],
};

function Applicant({
  applicant,
  service,
  onMoved,
}: {
  applicant: ApplicantOut;
  service: MlMatchingService;
  onMoved: () => void;
}) {
  const [pending, setPending] = useState<ApplicationStage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const name = applicant.title || "Unnamed candidate";

  async function move(stage: ApplicationStage) {
    setPending(stage);
    setError(null);
    try {
      await service.moveApplicationStage(applicant.job_id, applicant.talent_id, stage);
      onMoved();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPending(null);
    }
  }

  return (
    <li className="compact-row applicant" data-testid="applicant" data-id={applicant.talent_id} data-stage={applicant.stage}>
      <div className="compact-row__main">
        <span className="compact-row__title">{name}</span>
        {applicant.subtitle ? <span className="muted">{applicant.subtitle}</span> : null}
        {applicant.explanation?.summary ? <span className="applicant__summary">{applicant.explanation.summary}</span> : null}
        <span className="muted compact-row__since">
          applied {formatDateTime(applicant.applied_at)} · {STAGE_LABELS[applicant.stage].toLowerCase()} since{" "}
          {formatDateTime(applicant.stage_since)}
        </span>
      </div>
      <div className="compact-row__side">
        {applicant.score !== null ? (
          <span className="compact-row__score" aria-label={`Match score ${formatScore(applicant.score)} out of 100`}>
            {formatScore(applicant.score)}
          </span>
        ) : null}
        <span className={`pill pill--stage-${applicant.stage}`} data-testid="stage">
          {STAGE_LABELS[applicant.stage]}
        </span>
      </div>
      <div className="compact-row__actions">
        {NEXT_MOVES[applicant.stage].map((next) => (
          <button
            key={next.stage}
            type="button"
            className={`button button--small button--${next.stage === "rejected" ? "secondary" : "primary"}`}
            disabled={pending !== null}
            aria-label={`${next.label}: ${name}`}
            onClick={() => void move(next.stage)}
          >
            {pending === next.stage ? `${next.label}…` : next.label}
          </button>
        ))}
        <DetailToggle
          subject={name}
          load={() => service.getCandidateDetail(applicant.talent_id)}
          render={(candidate) => <CandidateDetailView candidate={candidate} />}
        />
        {error ? (
          <p className="error" role="alert">
            Could not move {name}: {error}
          </p>
        ) : null}
      </div>
    </li>
  );
}

export interface ApplicantInboxProps {
  service: MlMatchingService;
  jobId: string;
  /** Changes when the company decided something elsewhere (Contact / Reject on a match card). */
  refreshKey?: number;
}

/** "Applicants": who applied to the job, with score, explanation and stage, newest first. */
export function ApplicantInbox({ service, jobId, refreshKey = 0 }: ApplicantInboxProps) {
  const [stage, setStage] = useState<ApplicationStage | "">("");
  const [offset, setOffset] = useState(0);
  const [result, setResult] = useState<ApplicantsResponse | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [moves, setMoves] = useState(0);
  const { begin, isCurrent } = useLatestRequest();
  const stageId = useId();

  const load = useCallback(async () => {
    if (!jobId) return;
    const ticket = begin();
    setLoading(true);
    setError(null);
    try {
      const page = await service.listJobApplications(jobId, {
        stage: stage || null,
        limit: INBOX_PAGE_SIZE,
        offset,
      });
      if (isCurrent(ticket)) setResult(page);
    } catch (err) {
      if (isCurrent(ticket)) setError(err);
    } finally {
      if (isCurrent(ticket)) setLoading(false);
    }
  }, [service, jobId, stage, offset, begin, isCurrent]);

  useEffect(() => {
    void load();
  }, [load, refreshKey, moves]);

  useEffect(() => {
    setOffset(0);
  }, [jobId, stage]);

  const counts = result?.stage_counts;
  const all = counts ? Object.values(counts).reduce((a, b) => a + (b ?? 0), 0) : null;
  const applicants = result?.applications ?? [];
  const total = result?.total ?? 0;

  return (
    <section className="card applications" aria-labelledby="inbox-heading">
      <div className="card__heading">
        <h3 id="inbox-heading">
          Applicants{all !== null ? <span className="muted"> ({all})</span> : null}
        </h3>
        <div className="field field--inline">
          <label htmlFor={stageId}>Stage</label>
          <select id={stageId} value={stage} onChange={(e) => setStage(e.target.value as ApplicationStage | "")}>
            <option value="">All{all !== null ? ` (${all})` : ""}</option>
            {APPLICATION_STAGES.map((s) => (
              <option key={s} value={s}>
                {STAGE_LABELS[s]}
                {counts ? ` (${counts[s] ?? 0})` : ""}
              </option>
            ))}
          </select>
        </div>
      </div>
      <LiveStatus>{loading ? "Loading applicants…" : ""}</LiveStatus>
      {error ? <ErrorNotice error={error} onRetry={() => void load()} /> : null}
      {result && applicants.length === 0 && !loading ? (
        <p className="muted">{stage ? `No applicants at stage ${STAGE_LABELS[stage]}.` : "No one has applied yet."}</p>
      ) : null}
      {applicants.length > 0 ? (
        <ul className="compact-list" aria-label="Applicants">
          {applicants.map((applicant) => (
            <Applicant
              key={applicant.application_id}
              applicant={applicant}
              service={service}
              onMoved={() => setMoves((n) => n + 1)}
            />
          ))}
        </ul>
      ) : null}
      {total > INBOX_PAGE_SIZE ? (
        <nav className="pager" aria-label="Applicant pages">
          <button
            type="button"
            className="button button--small"
            disabled={loading || offset === 0}
            onClick={() => setOffset(Math.max(0, offset - INBOX_PAGE_SIZE))}
          >
            Previous
          </button>
          <span className="muted">
            {offset + 1}–{Math.min(offset + INBOX_PAGE_SIZE, total)} of {total}
          </span>
          <button
            type="button"
            className="button button--small"
            disabled={loading || offset + INBOX_PAGE_SIZE >= total}
            onClick={() => setOffset(offset + INBOX_PAGE_SIZE)}
          >
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}
