import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, type MlMatchingService } from "../services/mlMatchingService";
import type { Decision, MatchResponse, MeResponse } from "../services/types";
import { useLatestRequest } from "../useLatestRequest";
import { DetailToggle, JobDetailView } from "./DetailPanel";
import { FeedbackButtons, type FeedbackOption } from "./FeedbackButtons";
import { LayoutToggle, useLayout } from "./LayoutToggle";
import { MatchFilters, NO_FILTERS, requestFilters, type FilterValues } from "./MatchFilters";
import { MyApplications } from "./MyApplications";
import { TalentContacts } from "./TalentContacts";
import { MatchCard } from "./MatchCard";
import { ErrorNotice, LiveStatus } from "./Notice";
import { MinScoreField } from "./MinScoreField";

const TALENT_FEEDBACK: FeedbackOption[] = [
  { type: "apply", label: "Apply", doneMessage: "Application sent", variant: "primary" },
  { type: "dismiss", label: "Not interested", doneMessage: "Marked as not interested" },
];

export const LIMIT_CHOICES = [10, 20, 50, 100];

export function sortByScore<T extends { score: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => b.score - a.score);
}

/** Sets the decision of one match (by id) in a response, leaving the others as they are. */
export function withDecision<T extends MatchResponse>(result: T, id: string, decision: Decision | null): T {
  return { ...result, matches: result.matches.map((m) => (m.id === id ? { ...m, decision } : m)) };
}

interface Dismissed {
  id: string;
  title: string;
}

/** A job dismissed in this visit: it left the list; Undo brings it back. */
function UndoDismiss({
  item,
  onUndo,
  autoFocus,
}: {
  item: Dismissed;
  onUndo: () => Promise<void>;
  autoFocus: boolean;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // the dismissed card (and the focused button on it) is gone: keep keyboard users here
    if (autoFocus) button.current?.focus();
  }, [autoFocus]);
  return (
    <li className="notice undo-notice" data-testid="undo-dismiss">
      <p>
        “{item.title}” dismissed: it no longer shows in your matches.
        {error ? (
          <span className="error" role="alert">
            {" "}
            Could not undo: {error}
          </span>
        ) : null}
      </p>
      <button
        ref={button}
        type="button"
        className="button button--secondary button--small"
        disabled={pending}
        aria-label={`Undo dismiss: ${item.title}`}
        onClick={() => {
          setPending(true);
          setError(null);
          onUndo().catch((err: unknown) => {
            setPending(false);
            setError(errorMessage(err));
          });
        }}
      >
        {pending ? "Undo…" : "Undo"}
      </button>
    </li>
  );
}

export interface TalentDashboardProps {
  service: MlMatchingService;
  me: MeResponse;
}

export function TalentDashboard({ service, me }: TalentDashboardProps) {
  const talent = me.talent;
  const [limit, setLimit] = useState(10);
  const [minScore, setMinScore] = useState(0);
  const [showDismissed, setShowDismissed] = useState(false);
  const [result, setResult] = useState<MatchResponse | null>(null);
  const [filters, setFilters] = useState<FilterValues>(NO_FILTERS);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  /** What the shown list was asked with: "Load more" must send the same with its cursor. */
  const lastQuery = useRef<{ limit: number; minScore: number; includeDismissed: boolean; filters: Record<string, unknown> | null } | null>(null);
  /** Jobs dismissed in this visit, newest first, each with an Undo. */
  const [dismissed, setDismissed] = useState<Dismissed[]>([]);
  /** Bumped by every decision, so "Your applications" and the contacts are fetched again. */
  const [decisions, setDecisions] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [layout, setLayout] = useLayout();
  const { begin, isCurrent } = useLatestRequest();

  const load = useCallback(
    async (nextLimit: number, nextMinScore: number, includeDismissed: boolean, cursor?: string) => {
      if (!talent) return;
      const query =
        cursor && lastQuery.current
          ? lastQuery.current
          : {
              limit: nextLimit,
              minScore: nextMinScore,
              includeDismissed,
              filters: requestFilters("jobs", filtersRef.current),
            };
      if (!cursor) lastQuery.current = query;
      const ticket = begin();
      setLoading(true);
      setError(null);
      try {
        const response = await service.getTalentMatches(talent.id, query.limit, query.minScore, {
          includeDismissed: query.includeDismissed,
          ...(query.filters ? { filters: query.filters } : {}),
          ...(cursor ? { cursor } : {}),
        });
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
    [service, talent, begin, isCurrent],
  );

  useEffect(() => {
    void load(10, 0, false);
  }, [load]);

  const decide = useCallback((id: string, title: string, decision: Decision | null) => {
    setDecisions((n) => n + 1);
    setResult((current) => (current ? withDecision(current, id, decision) : current));
    setDismissed((list) => {
      const rest = list.filter((d) => d.id !== id);
      return decision === "dismissed" ? [{ id, title }, ...rest] : rest;
    });
  }, []);

  if (!talent) {
    return (
      <section className="view" aria-labelledby="talent-heading">
        <h2 id="talent-heading">Your job matches</h2>
        <div className="notice" role="status">
          No talent profile is linked to this account ({me.sub}), so there are no matches to show.
        </div>
      </section>
    );
  }

  const matches = result
    ? sortByScore(result.matches).filter((m) => showDismissed || m.decision !== "dismissed")
    : [];
  // with "Show dismissed" on, dismissed cards stay in the list with their own Undo
  const undoable = showDismissed ? [] : dismissed;

  return (
    <section className="view" aria-labelledby="talent-heading">
      <div className="view__intro">
        <h2 id="talent-heading">Your job matches</h2>
        <p className="muted">
          {talent.full_name}
          {talent.headline ? ` · ${talent.headline}` : ""}
          {talent.location_name ? ` · ${talent.location_name}` : ""}
        </p>
      </div>

      <form
        className="toolbar"
        aria-label="Match options"
        onSubmit={(event) => {
          event.preventDefault();
          void load(limit, minScore, showDismissed);
        }}
      >
        <label className="field">
          <span>Show</span>
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMIT_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n} jobs
              </option>
            ))}
          </select>
        </label>
        <MinScoreField value={minScore} onChange={setMinScore} />
        <LayoutToggle value={layout} onChange={setLayout} />
        <label className="checkbox-field">
          <input
            type="checkbox"
            checked={showDismissed}
            onChange={(e) => {
              setShowDismissed(e.target.checked);
              void load(limit, minScore, e.target.checked);
            }}
          />
          <span>Show dismissed jobs</span>
        </label>
        <button type="submit" className="button button--secondary" disabled={loading}>
          Refresh
        </button>
        <MatchFilters kind="jobs" values={filters} onChange={setFilters} />
      </form>

      <LiveStatus>
        {loading
          ? "Loading matches…"
          : result
            ? `${matches.length} matching job${matches.length === 1 ? "" : "s"}` +
              (result.model_version ? ` · model ${result.model_version}` : " · rule-based scoring") +
              ` · ${Math.round(result.processing_time_ms)} ms`
            : ""}
      </LiveStatus>

      {error ? <ErrorNotice error={error} onRetry={() => void load(limit, minScore, showDismissed)} /> : null}

      {undoable.length > 0 ? (
        <ul className="undo-list" aria-label="Dismissed jobs">
          {undoable.map((item, index) => (
            <UndoDismiss
              key={item.id}
              item={item}
              autoFocus={index === 0}
              onUndo={async () => {
                const response = await service.sendFeedback({ talent_id: talent.id, job_id: item.id, type: "undo" });
                decide(item.id, item.title, response.decision ?? null);
                // dismissed before the last reload, so not in this list: ask for it again
                if (!result?.matches.some((m) => m.id === item.id)) void load(limit, minScore, showDismissed);
              }}
            />
          ))}
        </ul>
      ) : null}

      {result && matches.length === 0 && !loading ? (
        <p className="notice">No jobs match yet. Try a lower minimum score or fewer filters.</p>
      ) : null}

      <ol className={`match-list${layout === "compact" ? " match-list--compact" : ""}`} aria-label="Recommended jobs">
        {matches.map((match, index) => {
          const jobId = match.id;
          const title = match.title || `Job ${jobId ?? index + 1}`;
          return (
            <li key={jobId ?? index}>
              <MatchCard
                match={match}
                rank={index + 1}
                compact={layout === "compact"}
                fallbackTitle={title}
                actions={
                  <>
                    <FeedbackButtons
                      key={`${jobId}`}
                      subject={title}
                      options={TALENT_FEEDBACK}
                      decision={match.decision ?? null}
                      onSend={
                        jobId
                          ? (type) => service.sendFeedback({ talent_id: talent.id, job_id: jobId, type })
                          : null
                      }
                      onDecided={jobId ? (decision) => decide(jobId, title, decision) : undefined}
                    />
                    {jobId ? (
                      <DetailToggle
                        subject={title}
                        load={() => service.getJobDetail(jobId)}
                        render={(job) => <JobDetailView job={job} />}
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
          onClick={() => void load(limit, minScore, showDismissed, result.next_cursor ?? undefined)}
        >
          Load more jobs
        </button>
      ) : null}

      <TalentContacts service={service} talentId={talent.id} refreshKey={decisions} onDecided={decide} />
      <MyApplications service={service} talentId={talent.id} refreshKey={decisions} />
    </section>
  );
}
