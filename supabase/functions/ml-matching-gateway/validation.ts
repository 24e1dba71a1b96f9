/**
 * Request validation: the same rules as the ML service's TalentToJobsRequest /
 * JobToTalentsRequest (`additionalProperties: false`, limit 1-100 default 10, min_score
 * 0-100 default 0), plus the gateway's own `type` discriminator. Strict JSON types: a string
 * "10" is not a limit, `true` is not a number. Every error names the field it is about.
 *
 * `filters`, `cursor` and `view` are checked for shape here (the route's filter keys, types,
 * ranges, the cursor's alphabet) and forwarded; what needs the service's data (whether a
 * skill exists, whether the subject has a location, whether a cursor is this request's) is
 * the service's to say, and its 422 is passed through.
 */

import { REMOTE_POLICIES, REMOTE_PREFERENCES, SENIORITY_LEVELS } from "./enums.ts";
import type { ErrorDetail, MatchFilters, MatchRequest, MatchType } from "./types.ts";

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 10;
export const DEFAULT_MIN_SCORE = 0;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ID_FIELD: Record<MatchType, "talent_id" | "job_id"> = {
  "talent-to-jobs": "talent_id",
  "job-to-talents": "job_id",
};

export const MAX_SALARY = 10_000_000;
export const MAX_RADIUS_KM = 20_000;
export const MAX_FILTER_SKILLS = 20;
const CURSOR = /^[A-Za-z0-9_-]{1,480}\.[A-Za-z0-9_-]{16}$/;
const VIEWS = ["full", "compact"] as const;

type FilterRule =
  | { kind: "values"; values: readonly string[] }
  | { kind: "number"; min: number; max: number; minExclusive?: boolean; integer?: boolean }
  | { kind: "skills" };

const SENIORITY: FilterRule = { kind: "values", values: SENIORITY_LEVELS };
const RADIUS: FilterRule = { kind: "number", min: 0, max: MAX_RADIUS_KM, minExclusive: true };
const SALARY: FilterRule = { kind: "number", min: 0, max: MAX_SALARY, integer: true };

/** The service's JobFilters (on jobs) and TalentFilters (on talents), key by key. */
const FILTER_RULES: Record<MatchType, Record<string, FilterRule>> = {
  "talent-to-jobs": {
    remote: { kind: "values", values: REMOTE_POLICIES },
    radius_km: RADIUS,
    salary_min: SALARY,
    seniority: SENIORITY,
    skills: { kind: "skills" },
  },
  "job-to-talents": {
    remote: { kind: "values", values: REMOTE_PREFERENCES },
    radius_km: RADIUS,
    salary_max: SALARY,
    seniority: SENIORITY,
    skills: { kind: "skills" },
    min_years: { kind: "number", min: 0, max: 70 },
  },
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
  const allowed = new Set(["type", idField, "limit", "min_score", "filters", "cursor", "view"]);
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

  const value: MatchRequest = { type, subjectId: id.toLowerCase(), limit, minScore };
  if (record.filters !== undefined && record.filters !== null) {
    const filters = validateFilters(type, record.filters);
    if ("error" in filters) return { ok: false, error: filters.error };
    value.filters = filters.value;
  }
  if (record.cursor !== undefined && record.cursor !== null) {
    if (typeof record.cursor !== "string" || !CURSOR.test(record.cursor)) {
      return invalid("cursor", "cursor must be a next_cursor the service returned");
    }
    value.cursor = record.cursor;
  }
  if (record.view !== undefined) {
    const view = record.view;
    if (view !== "full" && view !== "compact") {
      return invalid("view", `view must be one of ${VIEWS.join(", ")}`);
    }
    value.view = view;
  }
  return { ok: true, value };
}

/** Why `value` breaks `rule`, as [the field it is about, a message]; null when it does not. */
function checkFilter(field: string, rule: FilterRule, value: unknown): [string, string] | null {
  if (rule.kind === "number") {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return [field, `${field} must be a number`];
    }
    if (rule.integer && !Number.isInteger(value)) return [field, `${field} must be an integer`];
    const low = rule.minExclusive ? value <= rule.min : value < rule.min;
    if (low || value > rule.max) {
      const from = rule.minExclusive ? `above ${rule.min}` : `at least ${rule.min}`;
      return [field, `${field} must be ${from} and at most ${rule.max}`];
    }
    return null;
  }
  if (!Array.isArray(value)) return [field, `${field} must be a list`];
  if (rule.kind === "values") {
    if (value.length < 1 || value.length > rule.values.length) {
      return [field, `${field} must list 1 to ${rule.values.length} values`];
    }
    const bad = value.findIndex((v) => typeof v !== "string" || !rule.values.includes(v));
    return bad < 0
      ? null
      : [`${field}.${bad}`, `${field}.${bad} must be one of ${rule.values.join(", ")}`];
  }
  if (value.length > MAX_FILTER_SKILLS) {
    return [field, `${field} must list at most ${MAX_FILTER_SKILLS} skills`];
  }
  const bad = value.findIndex((v) => typeof v !== "string" || !v.trim() || v.length > 120);
  return bad < 0
    ? null
    : [`${field}.${bad}`, `${field}.${bad} must be a skill name of 1 to 120 characters`];
}

/** The route's filters, in a fixed key order (so equal filters make equal cache keys). */
function validateFilters(
  type: MatchType,
  given: unknown,
): { value: MatchFilters } | { error: ErrorDetail } {
  const fail = (field: string, message: string) => ({
    error: { code: "validation_error", message, field },
  });
  if (typeof given !== "object" || Array.isArray(given) || given === null) {
    return fail("filters", "filters must be an object");
  }
  const record = given as Record<string, unknown>;
  const rules = FILTER_RULES[type];
  for (const key of Object.keys(record)) {
    if (!(key in rules)) {
      return fail(`filters.${key}`, `filters.${key}: unknown filter for ${type}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    const problem = checkFilter(`filters.${key}`, rule, value);
    if (problem !== null) return fail(...problem);
    out[key] = value;
  }
  return { value: out as MatchFilters };
}

/** The body the ML service expects for this request (its field names, no `type`). */
export function upstreamBody(request: MatchRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    [ID_FIELD[request.type]]: request.subjectId,
    limit: request.limit,
    min_score: request.minScore,
  };
  if (request.filters !== undefined) body.filters = request.filters;
  if (request.cursor !== undefined) body.cursor = request.cursor;
  if (request.view !== undefined) body.view = request.view;
  return body;
}

/** The ML service path for this request. */
export function upstreamPath(type: MatchType): string {
  return `/api/v1/match/${type}`;
}
