import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MlMatchingService } from "../services/mlMatchingService";
import type { MatchResponse, MatchResultOut, MeResponse } from "../services/types";
import { withDecision } from "./TalentDashboard";
import { useLatestRequest } from "../useLatestRequest";
import { ApplicantInbox } from "./ApplicantInbox";
import { CandidateDetailView, DetailToggle } from "./DetailPanel";
import { FeedbackButtons, type FeedbackOption } from "./FeedbackButtons";
import { LayoutToggle, useLayout } from "./LayoutToggle";
import { MatchFilters, NO_FILTERS, requestFilters, type FilterValues } from "./MatchFilters";
import { MatchCard } from "./MatchCard";
import { ErrorNotice, LiveStatus } from "./Notice";
import { LIMIT_CHOICES } from "./TalentDashboard";
import { MinScoreField } from "./MinScoreField";

const COMPANY_FEEDBACK: FeedbackOption[] = [
  { type: "contact", label: "Contact", doneMessage: "Marked as contacted", variant: "primary" },
  { type: "reject", label: "Reject", doneMessage: "Rejected" },
];

export type SortKey = "score" | "name";

function displayName(match: MatchResultOut): string {
  return match.title || match.id || "";
}

/** Filters by minimum score, then sorts: score high to low, or name A to Z (ties by score). */
export function rankTalents(matches: MatchResultOut[], sortKey: SortKey, minScore: number): MatchResultOut[] {
  const kept = matches.filter((m) => m.score >= minScore);
  if (sortKey === "name") {
    return kept.sort(
      (a, b) =>
        displayName(a).localeCompare(displayName(b), undefined, { sensitivity: "base" }) || b.score - a.score,
    );
  }
  return kept.sort((a, b) => b.score - a.score);
}

const JOB_PARAM = "job";

/** The job named in the address (`?job=`), if it is one of the company's: a reload or a shared
 * link opens the same job instead of the first open one. */
export function jobFromAddress(jobs: MeResponse["jobs"]): string | undefined {
  const id = new URLSearchParams(window.location.search).get(JOB_PARAM);
  return jobs.find((j) => j.id === id)?.id;
}

function keepJobInAddress(jobId: string): void {
  const url = new URL(window.location.href);
  url.searchParams.set(JOB_PARAM, jobId);
  window.history.replaceState(window.history.state, "", url);
}

export interface CompanyDashboardProps {
  service: MlMatchingService;
  me: MeResponse;
}

export function CompanyDashboard({ service, me }: CompanyDashboardProps) {
  const jobs = me.jobs;
  const firstJob = jobs.find((j) => j.status === "open") ?? jobs[0];
  const [jobId, setJobId] = useState<string>(() => jobFromAddress(jobs) ?? firstJob?.id ?? "");
  useEffect(() => {
    if (jobId) keepJobInAddress(jobId);
  }, [jobId]);
  const [limit, setLimit] = useState(20);
  const [sortKey, setSortKey] = useState<SortKey>("score");
  const [minScore, setMinScore] = useState(0);
  const [result, setResult] = useState<MatchResponse | null>(null);
  const [filters, setFilters] = useState<FilterValues>(NO_FILTERS);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  /** The filters the shown list was asked with: "Load more" sends them with its cursor. */
  const shownFilters = useRef<Record<string, unknown> | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** Bumped by every decision on a card, so the inbox shows the stage it implies. */
  const [decisions, setDecisions] = useState(0);
  const [layout, setLayout] = useLayout();
  const { begin, isCurrent } = useLatestRequest();

  const load = useCallback(
    async (id: string, count: number, cursor?: string) => {
      if (!id) return;
      if (!cursor) shownFilters.current = requestFilters("talents", filtersRef.current);
      const chosen = shownFilters.current;
      const ticket = begin();
      setLoading(true);
      setError(null);
      if (!cursor) setResult(null);
      try {
        const response =
          chosen || cursor
            ? await service.getJobMatches(id, count, 0, {
                ...(chosen ? { filters: chosen } : {}),
                ...(cursor ? { cursor } : {}),
              })
            : await service.getJobMatches(id, count, 0);
        if (isCurrent(ticket))
          setResult((previous) =>
            cursor && previous ? { ...response, matches: [...previous.matches, ...response.matches] } : response,
          );
      } catch (err) {
        if (isCurrent(ticket)) setError(err);
      } finally {
        if (isCurrent(ticket)) setLoading(false);
      }
    },
    [service, begin, isCurrent],
  );

  useEffect(() => {
    void load(jobId, limit);
  }, [load, jobId, limit]);

  const ranked = useMemo(
    () => (result ? rankTalents(result.matches, sortKey, minScore) : []),
    [result, sortKey, minScore],
  );
  /** A talent's rank by score among everyone returned, whatever the display order. */
  const scoreRank = useMemo(() => {
    const byScore = result ? [...result.matches].sort((a, b) => b.score - a.score) : [];
    return new Map(byScore.map((m, i) => [m, i + 1]));
  }, [result]);

  if (jobs.length === 0) {
    return (
      <section className="view" aria-labelledby="company-heading">
        <h2 id="company-heading">Talent for your jobs</h2>
        <div className="notice" role="status">
          This account has no job postings yet, so there is no one to rank.
        </div>
      </section>
    );
  }

  const job = jobs.find((j) => j.id === jobId);
  const hidden = result ? result.matches.length - ranked.length : 0;

  return (
    <section className="view" aria-labelledby="company-heading">
      <div className="view__intro">
        <h2 id="company-heading">Talent for your jobs</h2>
        {job ? (
          <p className="muted">
            {[job.company_name, job.location_name, job.status === "closed" ? "closed" : null]
              .filter(Boolean)
              .join(" · ")}
          </p>
        ) : null}
      </div>

      <div className="toolbar" role="group" aria-label="Talent list options">
        <label className="field field--wide">
          <span>Job</span>
          <select value={jobId} onChange={(e) => setJobId(e.target.value)}>
            {jobs.map((j) => (
              <option key={j.id} value={j.id}>
                {j.title}
                {j.status === "closed" ? " (closed)" : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Candidates</span>
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMIT_CHOICES.map((n) => (
              <option key={n} value={n}>
                top {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Sort by</span>
          <select value={sortKey} onChange={(e) => setSortKey(e.target.value as SortKey)}>
            <option value="score">Score (high to low)</option>
            <option value="name">Name (A to Z)</option>
          </select>
        </label>
        <MinScoreField value={minScore} onChange={setMinScore} />
        <LayoutToggle value={layout} onChange={setLayout} />
        <button
          type="button"
          className="button button--secondary"
          disabled={loading}
          onClick={() => void load(jobId, limit)}
        >
          Refresh
        </button>
        <MatchFilters kind="talents" values={filters} onChange={setFilters} />
      </div>

      <ApplicantInbox key={jobId} service={service} jobId={jobId} refreshKey={decisions} />

      <LiveStatus>
        {loading
          ? "Loading talent…"
          : result
            ? `${ranked.length} talent${ranked.length === 1 ? "" : "s"} shown` +
              (hidden > 0 ? ` (${hidden} below ${minScore})` : "") +
              (result.model_version ? ` · model ${result.model_version}` : " · rule-based scoring")
            : ""}
      </LiveStatus>

      {error ? <ErrorNotice error={error} onRetry={() => void load(jobId, limit)} /> : null}

      {result && ranked.length === 0 && !loading ? (
        <p className="notice">No talent at or above a score of {minScore}.</p>
      ) : null}

      <ol className={`match-list${layout === "compact" ? " match-list--compact" : ""}`} aria-label="Ranked talent">
        {ranked.map((match, index) => {
          const talentId = match.id;
          const name = match.title || `Talent ${talentId ?? index + 1}`;
          return (
            <li key={`${jobId}-${talentId ?? index}`}>
              <MatchCard
                match={match}
                rank={scoreRank.get(match) ?? index + 1}
                compact={layout === "compact"}
                fallbackTitle={name}
                actions={
                  <>
                    <FeedbackButtons
                      subject={name}
                      options={COMPANY_FEEDBACK}
                      decision={match.decision ?? null}
                      onSend={
                        talentId
                          ? (type) => service.sendFeedback({ talent_id: talentId, job_id: jobId, type })
                          : null
                      }
                      onDecided={
                        talentId
                          ? (decision) => {
                              setDecisions((n) => n + 1);
                              setResult((current) => (current ? withDecision(current, talentId, decision) : current));
                            }
                          : undefined
                      }
                    />
                    {talentId ? (
                      <DetailToggle
                        subject={name}
                        load={() => service.getCandidateDetail(talentId)}
                        render={(candidate) => <CandidateDetailView candidate={candidate} />}
                      />
                    ) : null}
                  </>
                }
              />
            </li>
          );
        })}
      </ol>

      {result?.next_cursor ? (
        <button
          type="button"
          className="button button--secondary load-more"
          disabled={loading}
          onClick={() => void load(jobId, limit, result.next_cursor ?? undefined)}
        >
          Load more talent
        </button>
      ) : null}
    </section>
  );
}
