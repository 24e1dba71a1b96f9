/**
 * Types of the talent-match HTTP API (all paths under /api/v1), by the names the dashboard uses.
 *
 * Every type is the service's own OpenAPI schema: `../api/schema.ts` is generated from the
 * committed `docs/openapi.json` (`npm run api:types`; `make test` fails when either is stale),
 * so a field renamed on the server breaks `tsc` here instead of drifting. Only display helpers
 * (the sub-score order, the headline metric names) are written by hand.
 */

import type { components } from "../api/schema";
import type { FactorCategory } from "../api/enums";

type Schemas = components["schemas"];

export type {
  Decision,
  FactorCategory,
  FeedbackSide,
  FeedbackType,
  JobStatus,
  MatchSource,
  ModelStatus,
  Role,
} from "../api/enums";

/** Every error response is `{"error": ErrorBody}`. */
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorEnvelope = Schemas["ErrorEnvelope"];

// GET /me
export type MeResponse = Schemas["MeResponse"];
export type MeTalent = Schemas["TalentSummaryOut"];
export type MeJob = Schemas["JobSummaryOut"];

// Matching
export type FactorOut = Schemas["FactorOut"];
export type MatchExplanation = Schemas["MatchExplanation"];
export type MatchResultOut = Schemas["MatchResultOut"];
export type MatchResponse = Schemas["MatchResponse"];
export type TalentToJobsRequest = Schemas["TalentToJobsRequest"];
export type JobToTalentsRequest = Schemas["JobToTalentsRequest"];

/** The five categories the explanation scores, in display order. */
export const SUB_SCORE_CATEGORIES = [
  "skills",
  "experience",
  "location",
  "salary",
  "culture",
] as const satisfies readonly FactorCategory[];
export type SubScoreCategory = (typeof SUB_SCORE_CATEGORIES)[number];

// Feedback and decisions
export type FeedbackRequest = Schemas["FeedbackRequest"];
export type FeedbackResponse = Schemas["FeedbackResponse"];
export type DecisionOut = Schemas["DecisionOut"];
export type DecisionsResponse = Schemas["DecisionsResponse"];

// Admin
export type HealthResponse = Schemas["HealthResponse"];
export type ModelVersionResponse = Schemas["ModelVersionResponse"];
export type ModelListResponse = Schemas["ModelListResponse"];
/** The metrics the server reads into `ModelVersionResponse.headline`; null = not measured. */
export type HeadlineMetric = "ndcg_at_10" | "auc" | "calibration_error";
export type TriggerRequest = Schemas["TriggerRequest"];
export type TriggerResponse = Schemas["TriggerResponse"];
export type TrainingRunStatus = Schemas["RunStatus"];
export type RunStageResponse = Schemas["RunStageResponse"];
export type TrainingRunResponse = Schemas["TrainingRunResponse"];
export type EvaluationResultOut = Schemas["EvaluationResultOut"];
export type EvaluationResultsResponse = Schemas["EvaluationResultsResponse"];

// =============================================================================================
// Issue 14 (2, 3): applications and detail views, added by the dashboard (aliases of the
// generated schemas, like the rest of this file).
export type { ApplicationStage, ApplicationStatus } from "../api/enums";
export type ApplicantOut = Schemas["ApplicantOut"];
export type ApplicantsResponse = Schemas["ApplicantsResponse"];
export type StageMoveResponse = Schemas["StageMoveResponse"];
export type TalentApplicationOut = Schemas["TalentApplicationOut"];
export type TalentApplicationsResponse = Schemas["TalentApplicationsResponse"];
export type TalentContactOut = Schemas["TalentContactOut"];
export type TalentContactsResponse = Schemas["TalentContactsResponse"];
export type JobDetailResponse = Schemas["JobDetailResponse"];
export type CandidateDetailResponse = Schemas["CandidateDetailResponse"];


// Issue 15: drift runs (the admin dashboard's drift panel).
export type DriftRunResponse = Schemas["DriftRunResponse"];
export type DriftRunListResponse = Schemas["DriftRunListResponse"];
export type DriftFeatureSummary = Schemas["DriftFeatureSummary"];
