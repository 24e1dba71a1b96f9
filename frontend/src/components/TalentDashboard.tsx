import { useCallback, useEffect, useState } from "react";
import type { MlMatchingService } from "../services/mlMatchingService";
import type { MatchResponse, MeResponse } from "../services/types";
import { useLatestRequest } from "../useLatestRequest";
import { FeedbackButtons, type FeedbackOption } from "./FeedbackButtons";
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

export interface TalentDashboardProps {
  service: MlMatchingService;
  me: MeResponse;
}

export function TalentDashboard({ service, me }: TalentDashboardProps) {
  const talent = me.talent;
  const [limit, setLimit] = useState(10);
  const [minScore, setMinScore] = useState(0);
  const [result, setResult] = useState<MatchResponse | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { begin, isCurrent } = useLatestRequest();

  const load = useCallback(
    async (nextLimit: number, nextMinScore: number) => {
      if (!talent) return;
      const ticket = begin();
      setLoading(true);
      setError(null);
      try {
        const response = await service.getTalentMatches(talent.id, nextLimit, nextMinScore);
        if (isCurrent(ticket)) setResult(response);
      } catch (err) {
        if (isCurrent(ticket)) setError(err);
      } finally {
        if (isCurrent(ticket)) setLoading(false);
      }
    },
    [service, talent, begin, isCurrent],
  );

  useEffect(() => {
    void load(10, 0);
  }, [load]);

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

  const matches = result ? sortByScore(result.matches) : [];

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
          void load(limit, minScore);
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
        <button type="submit" className="button button--secondary" disabled={loading}>
          Refresh
        </button>
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

      {error ? <ErrorNotice error={error} onRetry={() => void load(limit, minScore)} /> : null}

      {result && matches.length === 0 && !loading ? (
        <p className="notice">No jobs match yet. Try a lower minimum score.</p>
      ) : null}

      <ol className="match-list" aria-label="Recommended jobs">
        {matches.map((match, index) => {
          const jobId = match.id;
          const title = match.title || `Job ${jobId ?? index + 1}`;
          return (
            <li key={jobId ?? index}>
              <MatchCard
                match={match}
                rank={index + 1}
                fallbackTitle={title}
                actions={
                  <FeedbackButtons
                    key={`${jobId}`}
                    subject={title}
                    options={TALENT_FEEDBACK}
                    onSend={
                      jobId
                        ? (type) => service.sendFeedback({ talent_id: talent.id, job_id: jobId, type })
                        : null
                    }
                  />
                }
              />
            </li>
          );
        })}
      </ol>
    </section>
  );
}
