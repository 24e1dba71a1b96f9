/**
 * Typed client for the talent-match API.
 *
 * Every call sends `Authorization: Bearer <token>` when a token is set, and every failure
 * becomes an `ApiError`: the server's error envelope (`{"error": {code, message, field,
 * request_id}}`), a response that is not an envelope (a proxy's 502 page), or no response at all
 * (network failure, timeout).
 */
import type {
  ApplicantsResponse,
  ApplicationStage,
  CandidateDetailResponse,
  DriftRunListResponse,
  ErrorBody,
  EvaluationResultsResponse,
  FeedbackRequest,
  FeedbackResponse,
  HealthResponse,
  JobDetailResponse,
  MatchResponse,
  MeResponse,
  ModelListResponse,
  ModelVersionResponse,
  StageMoveResponse,
  TalentApplicationsResponse,
  TalentContactsResponse,
  TrainingRunResponse,
  TriggerResponse,
} from "./types";

export const DEFAULT_BASE_URL = "/api/v1";
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Code of the ApiError raised when no response came back at all. */
export const NETWORK_ERROR = "network_error";
/** Code of the ApiError raised when the request took longer than the timeout. */
export const TIMEOUT_ERROR = "timeout";

export class ApiError extends Error {
  /** HTTP status; 0 when no response came back (network failure or timeout). */
  readonly status: number;
  /** The server's machine-readable code (`validation_error`, `not_found`, ...). */
  readonly code: string;
  /** The request field the error is about, when the server names one. */
  readonly field: string | null;
  /** The server's request id, for the logs. */
  readonly requestId: string | null;

  constructor(
    status: number,
    code: string,
    message: string,
    field: string | null = null,
    requestId: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

export interface ServiceOptions {
  /** Defaults to `/api/v1` (same origin: the Vite dev proxy, or the API serving /dashboard/). */
  baseUrl?: string;
  /** Read on every request, so a new sign-in takes effect at once. */
  getToken?: () => string | null;
  /** Defaults to the global `fetch`, looked up at call time (tests may stub it). */
  fetch?: typeof fetch;
  /** Called with the error when the server answers 401, before the error is thrown. */
  onUnauthorized?: (error: ApiError) => void;
  timeoutMs?: number;
}

/** Extra options of POST /match/job-to-talents and (with includeDismissed) talent-to-jobs. */
export interface MatchOptions {
  /** The request's `filters` (JobFilters / TalentFilters); null or absent: none. */
  filters?: Record<string, unknown> | null;
  /** A previous response's `next_cursor`: the page after it (same subject, min score, filters). */
  cursor?: string | null;
}

export interface TalentMatchOptions extends MatchOptions {
  /** Also return the jobs the talent dismissed (marked `decision: "dismissed"`). */
  includeDismissed?: boolean;
}

function matchExtras(options: MatchOptions): Record<string, unknown> {
  return {
    ...(options.filters ? { filters: options.filters } : {}),
    ...(options.cursor ? { cursor: options.cursor } : {}),
  };
}

export interface MlMatchingService {
  getMe(): Promise<MeResponse>;
  getTalentMatches(
    talentId: string,
    limit?: number,
    minScore?: number,
    options?: TalentMatchOptions,
  ): Promise<MatchResponse>;
  getJobMatches(jobId: string, limit?: number, minScore?: number, options?: MatchOptions): Promise<MatchResponse>;
  sendFeedback(feedback: FeedbackRequest): Promise<FeedbackResponse>;
  getHealth(): Promise<HealthResponse>;
  listModels(): Promise<ModelListResponse>;
  activateModel(version: string): Promise<ModelVersionResponse>;
  triggerTraining(force?: boolean): Promise<TriggerResponse>;
  getTrainingRun(runId: string): Promise<TrainingRunResponse>;
  getEvaluationResults(): Promise<EvaluationResultsResponse>;
  /** A job's applicants (the job's company or an admin), newest first; `stage` filters. */
  listJobApplications(jobId: string, options?: ApplicationPageOptions): Promise<ApplicantsResponse>;
  moveApplicationStage(jobId: string, talentId: string, stage: ApplicationStage): Promise<StageMoveResponse>;
  /** A talent's own applications and where each stands. */
  listTalentApplications(talentId: string, options?: PageOptions): Promise<TalentApplicationsResponse>;
  /** The jobs whose company contacted the talent (applied to or not), newest contact first. */
  listTalentContacts(talentId: string, options?: PageOptions): Promise<TalentContactsResponse>;
  getJobDetail(jobId: string): Promise<JobDetailResponse>;
  getCandidateDetail(talentId: string): Promise<CandidateDetailResponse>;
  /** Drift runs, newest first, with their score (admin). */
  listDriftRuns(limit?: number): Promise<DriftRunListResponse>;
  /** A drift run's self-contained HTML report (admin). */
  getDriftReport(runId: string): Promise<string>;
}

export interface PageOptions {
  limit?: number;
  offset?: number;
}

export interface ApplicationPageOptions extends PageOptions {
  stage?: ApplicationStage | null;
}

/** `?a=1&b=2` of the options that are set, or "". */
function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.code === "string" && typeof body.message === "string";
}

/** Turns a non-2xx response into an ApiError, whatever its body is. */
async function errorFromResponse(response: Response): Promise<ApiError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // the body could not be read; fall through to the generic message
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const envelope = (parsed as { error?: unknown } | null)?.error;
    if (isErrorBody(envelope)) {
      return new ApiError(
        response.status,
        envelope.code,
        envelope.message,
        typeof envelope.field === "string" ? envelope.field : null,
        typeof envelope.request_id === "string" ? envelope.request_id : null,
      );
    }
  } catch {
    // not JSON (an HTML error page from a proxy, an empty body)
  }
  const reason = response.statusText ? ` ${response.statusText}` : "";
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `The API answered HTTP ${response.status}${reason} without an error description.`,
  );
}

export function createMlMatchingService(options: ServiceOptions = {}): MlMatchingService {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** `html`: the body is a page, returned as text (the drift report). */
  async function request<T>(method: "GET" | "POST", path: string, body?: unknown, html = false): Promise<T> {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const headers: Record<string, string> = { Accept: html ? "text/html" : "application/json" };
    const token = options.getToken?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);

    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (cause) {
      clearTimeout(timer);
      if (timedOut) {
        throw new ApiError(
          0,
          TIMEOUT_ERROR,
          `The API did not answer within ${Math.round(timeoutMs / 1000)} s (${method} ${path}).`,
        );
      }
      const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : "";
      throw new ApiError(
        0,
        NETWORK_ERROR,
        `Cannot reach the talent-match API at ${baseUrl}${detail}. ` +
          "Check that the service is running (make demo) and try again.",
      );
    }

    try {
      if (!response.ok) {
        const error = await errorFromResponse(response);
        if (response.status === 401) options.onUnauthorized?.(error);
        throw error;
      }
      const text = await response.text();
      if (html) return text as T;
      try {
        return (text ? JSON.parse(text) : null) as T;
      } catch {
        throw new ApiError(
          response.status,
          "invalid_response",
          `The API sent a response that is not JSON (${method} ${path}).`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getMe: () => request<MeResponse>("GET", "/me"),
    getTalentMatches: (talentId, limit = 10, minScore = 0, matchOptions = {}) =>
      request<MatchResponse>("POST", "/match/talent-to-jobs", {
        talent_id: talentId,
        limit,
        min_score: minScore,
        ...(matchOptions.includeDismissed ? { include_dismissed: true } : {}),
        ...matchExtras(matchOptions),
      }),
    getJobMatches: (jobId, limit = 10, minScore = 0, matchOptions = {}) =>
      request<MatchResponse>("POST", "/match/job-to-talents", {
        job_id: jobId,
        limit,
        min_score: minScore,
        ...matchExtras(matchOptions),
      }),
    sendFeedback: (feedback) =>
      request<FeedbackResponse>("POST", "/feedback", {
        talent_id: feedback.talent_id,
        job_id: feedback.job_id,
        type: feedback.type,
      }),
    getHealth: () => request<HealthResponse>("GET", "/health"),
    listModels: () => request<ModelListResponse>("GET", "/models"),
    activateModel: (version) =>
      request<ModelVersionResponse>("POST", `/models/${encodeURIComponent(version)}/activate`),
    triggerTraining: (force = false) => request<TriggerResponse>("POST", "/train/trigger", { force }),
    getTrainingRun: (runId) =>
      request<TrainingRunResponse>("GET", `/train/runs/${encodeURIComponent(runId)}`),
    getEvaluationResults: () => request<EvaluationResultsResponse>("GET", "/evaluation/results"),
    listJobApplications: (jobId, page = {}) =>
      request<ApplicantsResponse>(
        "GET",
        `/jobs/${encodeURIComponent(jobId)}/applications${query({
          stage: page.stage,
          limit: page.limit,
          offset: page.offset,
        })}`,
      ),
    moveApplicationStage: (jobId, talentId, stage) =>
      request<StageMoveResponse>(
        "POST",
        `/jobs/${encodeURIComponent(jobId)}/applications/${encodeURIComponent(talentId)}/stage`,
        { stage },
      ),
    listTalentApplications: (talentId, page = {}) =>
      request<TalentApplicationsResponse>(
        "GET",
        `/talents/${encodeURIComponent(talentId)}/applications${query({ limit: page.limit, offset: page.offset })}`,
      ),
    listTalentContacts: (talentId, page = {}) =>
      request<TalentContactsResponse>(
        "GET",
        `/talents/${encodeURIComponent(talentId)}/contacts${query({ limit: page.limit, offset: page.offset })}`,
      ),
    getJobDetail: (jobId) => request<JobDetailResponse>("GET", `/jobs/${encodeURIComponent(jobId)}`),
    listDriftRuns: (limit = 20) => request<DriftRunListResponse>("GET", `/drift/runs${query({ limit })}`),
    getDriftReport: (runId) =>
      request<string>("GET", `/drift/runs/${encodeURIComponent(runId)}/report`, undefined, true),
    getCandidateDetail: (talentId) =>
      request<CandidateDetailResponse>("GET", `/talents/${encodeURIComponent(talentId)}`),
  };
}

/** A message for any error a call may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return error.field ? `${error.message} (field: ${error.field})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
