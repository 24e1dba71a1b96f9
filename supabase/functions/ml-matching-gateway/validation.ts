/**
 * Request validation: the same rules as the ML service's TalentToJobsRequest /
 * JobToTalentsRequest (`additionalProperties: false`, limit 1-100 default 10, min_score
 * 0-100 default 0), plus the gateway's own `type` discriminator. Strict JSON types: a string
 * "10" is not a limit, `true` is not a number. Every error names the field it is about.
 */

import type { ErrorDetail, MatchRequest, MatchType } from "./types.ts";

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 10;
export const DEFAULT_MIN_SCORE = 0;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ID_FIELD: Record<MatchType, "talent_id" | "job_id"> = {
  "talent-to-jobs": "talent_id",
  "job-to-talents": "job_id",
};

export type Validated =
  | { ok: true; value: MatchRequest }
  | { ok: false; error: ErrorDetail };

function invalid(field: string | null, message: string): Validated {
  return { ok: false, error: { code: "validation_error", message, field } };
}

function isMatchType(value: unknown): value is MatchType {
  return value === "talent-to-jobs" || value === "job-to-talents";
}

/** Validate a parsed JSON body; the result is normalised (lower-case id, defaults filled). */
export function validateMatchRequest(body: unknown): Validated {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid(null, "body must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  if (!("type" in record)) return invalid("type", "type is required");
  const type = record.type;
  if (!isMatchType(type)) {
    return invalid("type", 'type must be "talent-to-jobs" or "job-to-talents"');
  }
  const idField = ID_FIELD[type];
  const allowed = new Set(["type", idField, "limit", "min_score"]);
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) return invalid(key, `${key}: unknown field for ${type}`);
  }

  const id = record[idField];
  if (id === undefined) return invalid(idField, `${idField} is required`);
  if (typeof id !== "string" || !UUID.test(id)) {
    return invalid(idField, `${idField} must be a UUID`);
  }

  let limit = DEFAULT_LIMIT;
  if (record.limit !== undefined) {
    const value = record.limit;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return invalid("limit", "limit must be an integer");
    }
    if (value < 1 || value > MAX_LIMIT) {
      return invalid("limit", `limit must be between 1 and ${MAX_LIMIT}`);
    }
    limit = value;
  }

  let minScore = DEFAULT_MIN_SCORE;
  if (record.min_score !== undefined) {
    const value = record.min_score;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return invalid("min_score", "min_score must be a number");
    }
    if (value < 0 || value > 100) {
      return invalid("min_score", "min_score must be between 0 and 100");
    }
    minScore = value;
  }

  return { ok: true, value: { type, subjectId: id.toLowerCase(), limit, minScore } };
}

/** The body the ML service expects for this request (its field names, no `type`). */
export function upstreamBody(request: MatchRequest): Record<string, string | number> {
  return {
    [ID_FIELD[request.type]]: request.subjectId,
    limit: request.limit,
    min_score: request.minScore,
  };
}

/** The ML service path for this request. */
export function upstreamPath(type: MatchType): string {
  return `/api/v1/match/${type}`;
}
