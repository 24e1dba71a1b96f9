import { useId, type ReactNode } from "react";
import {
  SUB_SCORE_CATEGORIES,
  type FactorOut,
  type MatchExplanation,
  type MatchResultOut,
} from "../services/types";
import { clampScore, formatImpact, formatScore } from "../format";
import { DECISION_LABELS } from "./FeedbackButtons";

/** Scores strictly above this get the "Highly Recommended" badge. */
export const HIGHLY_RECOMMENDED_THRESHOLD = 80;
/** How many explanation factors a card shows. */
export const MAX_FACTORS = 3;

const CATEGORY_LABELS: Record<string, string> = {
  skills: "Skills",
  experience: "Experience",
  location: "Location",
  salary: "Salary",
  culture: "Culture",
  text: "Profile text",
};

function scoreLevel(score: number): "high" | "medium" | "low" {
  if (score > HIGHLY_RECOMMENDED_THRESHOLD) return "high";
  if (score >= 50) return "medium";
  return "low";
}

export function ScoreBar({ score, label }: { score: number; label: string }) {
  const value = clampScore(score);
  return (
    <div
      className={`bar bar--${scoreLevel(value)}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
      aria-valuetext={`${formatScore(value)} out of 100`}
    >
      <div className="bar__fill" style={{ width: `${value}%` }} />
    </div>
  );
}

/** The factors with the largest effect first, at most MAX_FACTORS. */
export function topFactors(factors: FactorOut[], max = MAX_FACTORS): FactorOut[] {
  return [...factors].sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact)).slice(0, max);
}

export function TopFactors({ factors }: { factors: FactorOut[] }) {
  const shown = topFactors(factors);
  if (shown.length === 0) return null;
  return (
    <ul className="factors" aria-label="Top factors">
      {shown.map((factor, index) => {
        const direction = factor.impact > 0 ? "positive" : factor.impact < 0 ? "negative" : "neutral";
        return (
          <li key={`${factor.factor}-${index}`} className={`factor factor--${direction}`}>
            <span
              className="factor__impact"
              aria-label={
                direction === "neutral"
                  ? "does not change the score"
                  : `${direction === "negative" ? "lowers" : "raises"} the score by ${Math.abs(factor.impact).toFixed(
                      1,
                    )} points`
              }
            >
              {formatImpact(factor.impact)}
            </span>
            <span className="factor__description">{factor.description}</span>
            <span className="factor__category">{CATEGORY_LABELS[factor.category] ?? factor.category}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** Says what the factor colours and numbers mean, so "-5.3" is read as points taken off. */
export function FactorLegend() {
  return (
    <p className="legend" data-testid="factor-legend">
      <span className="legend__item legend__item--positive">
        <span className="legend__swatch" aria-hidden="true" />+ raises the score
      </span>
      <span className="legend__item legend__item--negative">
        <span className="legend__swatch" aria-hidden="true" />− lowers the score
      </span>
      <span className="legend__note">in points of the 0-100 score</span>
    </p>
  );
}

/** Says what the breakdown bars measure: 50 is the effect a category has on an average match. */
export function SubScoreLegend() {
  return (
    <p className="legend" data-testid="subscore-legend">
      0-100 per category: 50 = as much as for an average match, higher helps, lower hurts
    </p>
  );
}

export function SubScores({ subScores }: { subScores: MatchExplanation["sub_scores"] }) {
  return (
    <dl className="subscores" aria-label="Score breakdown">
      {SUB_SCORE_CATEGORIES.map((category) => {
        const value = subScores[category];
        const label = CATEGORY_LABELS[category];
        return (
          <div className="subscore" key={category}>
            <dt>{label}</dt>
            <dd>
              {typeof value === "number" ? (
                <>
                  <ScoreBar score={value} label={`${label} score`} />
                  <span className="subscore__value">{formatScore(value)}</span>
                </>
              ) : (
                <span className="subscore__value muted">n/a</span>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

export interface MatchCardProps {
  match: MatchResultOut;
  rank: number;
  /** Shown when the match has no title (older API versions). */
  fallbackTitle?: string;
  actions?: ReactNode;
  /** 3 under a view heading; 4 inside an admin card. Inner headings go one level deeper. */
  headingLevel?: 3 | 4;
  /** One dense row: title, subtitle, score, badges, summary and actions; no factors or bars. */
  compact?: boolean;
}

export function MatchCard({ match, rank, fallbackTitle, actions, headingLevel = 3, compact = false }: MatchCardProps) {
  const Heading = headingLevel === 3 ? "h3" : "h4";
  const SubHeading = headingLevel === 3 ? "h4" : "h5";
  const headingId = useId();
  const title = match.title || fallbackTitle || match.id || "Untitled match";
  const highlyRecommended = match.score > HIGHLY_RECOMMENDED_THRESHOLD;
  const ruleBased = match.source === "fallback";
  const decision = match.decision ?? null;
  // null in the server's compact view: the card shows no factors and no bars
  const explanation = match.explanation ?? null;
  return (
    <article
      className={`card match${compact ? " match--compact" : ""}${decision ? ` match--decided match--${decision}` : ""}`}
      aria-labelledby={headingId}
      data-testid="match-card"
      data-id={match.id ?? undefined}
      data-decision={decision ?? undefined}
    >
      <header className="match__header">
        <div className="match__title">
          <Heading id={headingId}>
            <span className="match__rank">{rank}.</span> {title}
          </Heading>
          {match.subtitle ? <p className="match__subtitle">{match.subtitle}</p> : null}
          <div className="badges">
            {decision ? (
              <span className={`badge badge--decision badge--${decision}`} data-testid="decision-badge">
                {DECISION_LABELS[decision]}
              </span>
            ) : null}
            {highlyRecommended ? <span className="badge badge--top">Highly Recommended</span> : null}
            {ruleBased ? (
              <span
                className="badge badge--fallback"
                title="Scored by the rule-based fallback because the ML model was unavailable"
              >
                rule-based
              </span>
            ) : null}
          </div>
        </div>
        <div className="match__score">
          <span className="match__score-value" aria-label={`Match score ${formatScore(match.score)} out of 100`}>
            {formatScore(match.score)}
          </span>
          <ScoreBar score={match.score} label="Match score" />
        </div>
      </header>
      {explanation?.summary ? (
        <p className="match__summary" title={compact ? explanation.summary : undefined}>
          {explanation.summary}
        </p>
      ) : null}
      {compact || !explanation ? null : (
        <div className="match__details">
          <div className="match__factors">
            <SubHeading>Top factors</SubHeading>
            <TopFactors factors={explanation.top_factors} />
            {explanation.top_factors.length > 0 ? <FactorLegend /> : null}
          </div>
          <div className="match__breakdown">
            <SubHeading>Breakdown</SubHeading>
            <SubScores subScores={explanation.sub_scores} />
            <SubScoreLegend />
          </div>
        </div>
      )}
      {actions ? <footer className="match__actions">{actions}</footer> : null}
    </article>
  );
}
