/**
 * Shapes shared by the gateway's modules: the validated request, the ML service's
 * `MatchResponse` (see the service's OpenAPI schema) and the error envelope.
 */

import type { Decision, FactorCategory, MatchSource, Role } from "./enums.ts";

export type MatchType = "talent-to-jobs" | "job-to-talents";

export interface MatchRequest {
  type: MatchType;
  /** The talent (talent-to-jobs) or job (job-to-talents) id, lower-case UUID. */
  subjectId: string;
  limit: number;
  minScore: number;
}

export type Category = FactorCategory;

export interface Factor {
  factor: string;
  category: Category;
  /** Signed contribution to the score, in score points. */
  impact: number;
  description: string;
}

export interface Explanation {
  sub_scores: Record<string, number>;
  top_factors: Factor[];
  summary: string;
}

export interface MatchResult {
  id: string;
  score: number;
  source: MatchSource;
  model_version: string | null;
  /** Job title, or the talent's name (the service's `title`). */
  title?: string | null;
  /** "Company · location · remote policy", or "headline · location · N years". */
  subtitle?: string | null;
  /** The caller's side's current decision on the pair; the fallback path does not read
   * decisions, so it is always null there (and dismissed jobs are not filtered out). */
  decision: Decision | null;
  explanation: Explanation;
}

export interface MatchResponse {
  matches: MatchResult[];
  processing_time_ms: number;
  model_version: string | null;
  /** Zero-shot scoring from raw text only; always null for stored rows and the fallback. */
  inferred: Record<string, unknown> | null;
}

export interface ErrorBody {
  code: string;
  message: string;
  field: string | null;
  request_id?: string;
}

export type { Role };

/** The caller, as the fallback path knows it after verifying the token itself. */
export interface Principal {
  sub: string;
  role: Role | null;
}
