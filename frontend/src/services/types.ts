/**
 * Types for the talent-match HTTP API (all paths under /api/v1).
 *
 * They mirror the service's OpenAPI schema (components/schemas); the names in comments are the
 * schema names. `GET /me` and the match `title`/`subtitle` fields are newer than the schema
 * snapshot the first version of this file was written against, so they are typed from the
 * service's description. Enumerated values come from `../api/enums`, generated from the
 * service's `app/core/enums.py`.
 */

import type {
  FactorCategory,
  FeedbackType,
  JobStatus,
  MatchSource,
  ModelStatus,
  Role,
  RunOutcome,
  RunStage,
  RunStatus,
  StageState,
} from "../api/enums";

export type { FactorCategory, FeedbackType, JobStatus, MatchSource, ModelStatus, Role };

/** ErrorBody: every error response is `{"error": ErrorBody}` (ErrorEnvelope). */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string | null;
  request_id: string;
}

export interface ErrorEnvelope {
  error: ErrorBody;
}

// ---------------------------------------------------------------------------------------------
// GET /me

export interface MeTalent {
  id: string;
  full_name: string;
  headline: string | null;
  location_name: string | null;
}

export interface MeJob {
  id: string;
  title: string;
  status: JobStatus;
  company_name: string | null;
  location_name: string | null;
}

export interface MeResponse {
  sub: string;
  role: Role;
  /** The caller's own talent profile (talents only). */
  talent: MeTalent | null;
  /** The caller's own jobs (companies only; empty for talents and admins). */
  jobs: MeJob[];
}

// ---------------------------------------------------------------------------------------------
// Matching

/** The five categories the explanation scores, in display order. */
export const SUB_SCORE_CATEGORIES = [
  "skills",
  "experience",
  "location",
  "salary",
  "culture",
] as const satisfies readonly FactorCategory[];
export type SubScoreCategory = (typeof SUB_SCORE_CATEGORIES)[number];

/** FactorOut */
export interface FactorOut {
  factor: string;
  category: FactorCategory;
  /** Signed contribution to the score, in score points. */
  impact: number;
  description: string;
}

/** MatchExplanation */
export interface MatchExplanation {
  /** Score per category, 0-100. */
  sub_scores: Partial<Record<SubScoreCategory, number>> & Record<string, number>;
  top_factors: FactorOut[];
  summary: string;
}

/** MatchResultOut */
export interface MatchResultOut {
  /** The job (talent -> jobs) or the talent (job -> talents). */
  id: string | null;
  score: number;
  source: MatchSource;
  model_version: string | null;
  /** Job title, or talent name. */
  title?: string | null;
  /** "Company · City", or "headline · City · N years". */
  subtitle?: string | null;
  explanation: MatchExplanation;
}

/** MatchResponse */
export interface MatchResponse {
  matches: MatchResultOut[];
  processing_time_ms: number;
  model_version: string | null;
}

/** TalentToJobsRequest */
export interface TalentToJobsRequest {
  talent_id: string;
  /** 1-100, default 10. */
  limit?: number;
  /** 0-100, default 0. */
  min_score?: number;
}

/** JobToTalentsRequest */
export interface JobToTalentsRequest {
  job_id: string;
  limit?: number;
  min_score?: number;
}

// ---------------------------------------------------------------------------------------------
// Feedback

/** FeedbackRequest: apply/dismiss are sent by the talent, contact/reject by the job's company. */
export interface FeedbackRequest {
  talent_id: string;
  job_id: string;
  type: FeedbackType;
}

/** FeedbackResponse */
export interface FeedbackResponse {
  id: string;
  talent_id: string;
  job_id: string;
  type: FeedbackType;
  /** False when the same feedback had already been recorded. */
  created: boolean;
  created_at: string;
}

// ---------------------------------------------------------------------------------------------
// Admin

/** HealthResponse */
export interface HealthResponse {
  status: "ok" | "degraded";
  model_version: string | null;
  last_trained: string | null;
  uptime_seconds: number;
  database_reachable: boolean;
  fallback_active: boolean;
}

/** ModelVersionResponse */
export interface ModelVersionResponse {
  model_id: string;
  version: string;
  status: ModelStatus;
  is_active: boolean;
  /** The raw record; its layout differs between the initial model and pipeline runs. */
  metrics: Record<string, unknown>;
  /** ndcg_at_10, auc and calibration_error read by the server from `metrics`; null = not measured. */
  headline: Record<HeadlineMetric, number | null>;
  /** Whether POST /models/{version}/activate would make it live (the server's own rule). */
  activatable: boolean;
  /** Why it is not activatable; null when it is. */
  activation_blocked_reason: string | null;
  params: Record<string, unknown>;
  feature_list: string[];
  training_window_start: string | null;
  training_window_end: string | null;
  train_rows: number;
  valid_rows: number;
  data_hash: string | null;
  artifact_sha256: string;
  parent_version: string | null;
  created_by: string | null;
  trained_at: string;
}

export type HeadlineMetric = "ndcg_at_10" | "auc" | "calibration_error";

/** ModelListResponse */
export interface ModelListResponse {
  versions: ModelVersionResponse[];
}

/** TriggerRequest */
export interface TriggerRequest {
  /**
   * Train even if the weekly schedule is not due or too little new feedback arrived; a run still
   * needs enough labelled samples in total to fit and compare a model.
   */
  force?: boolean;
}

/** TriggerResponse (HTTP 202) */
export interface TriggerResponse {
  run_id: string;
  status?: "running";
}

export type TrainingRunStatus = RunStatus;

/** RunStageResponse: one of labels -> training -> evaluation -> gate, with what it counted. */
export interface RunStageResponse {
  stage: RunStage;
  state: StageState;
  numbers: Record<string, number | boolean | string | null>;
}

/** TrainingRunResponse */
export interface TrainingRunResponse {
  id: string;
  /** Whether the job ran to its end; see `outcome` for what it did to serving. */
  status: TrainingRunStatus;
  /** promoted | rejected (the candidate lost its gate) | skipped | failed | running. */
  outcome: RunOutcome;
  stages: RunStageResponse[];
  forced: boolean;
  triggered_by: string | null;
  candidate_version: string | null;
  promoted: boolean;
  message: string;
  metrics: Record<string, unknown>;
  started_at: string;
  finished_at: string | null;
}

/** EvaluationResultOut */
export interface EvaluationResultOut {
  id: string;
  model_id: string;
  model_version: string;
  strategies: string[];
  dataset_version: string;
  sample_count: number;
  gold_count: number;
  predicted_count: number;
  overall_precision: number;
  overall_recall: number;
  overall_f1: number;
  category_metrics: Record<string, unknown>;
  execution_time_seconds: number;
  is_ci_run: boolean;
  min_f1: number | null;
  threshold_passed: boolean | null;
  created_at: string;
}

/** EvaluationResultsResponse */
export interface EvaluationResultsResponse {
  results: EvaluationResultOut[];
}
