/**
 * Shapes shared by the gateway's modules: the validated request, the ML service's
 * `MatchResponse` (see the service's OpenAPI schema) and the error envelope.
 */

import type { components } from "./api_schema.ts";
import type { FactorCategory, Role } from "./enums.ts";

export type MatchType = "talent-to-jobs" | "job-to-talents";

export interface MatchRequest {
  type: MatchType;
  /** The talent (talent-to-jobs) or job (job-to-talents) id, lower-case UUID. */
  subjectId: string;
  limit: number;
  minScore: number;
  /** Sent on only when the caller sent them (checked by validation.ts). */
  filters?: MatchFilters;
  cursor?: string;
  view?: "full" | "compact";
}

/** The service's JobFilters (talent-to-jobs) or TalentFilters (job-to-talents). */
export type MatchFilters = Schemas["JobFilters"] | Schemas["TalentFilters"];

export type Category = FactorCategory;

/** The service's response shapes, generated from its OpenAPI document (`api_schema.ts`, by
 * `npm run api:types` in frontend/; `make test` fails when it is stale), so the fallback's
 * answers are typed as the service's own. */
type Schemas = components["schemas"];
export type Factor = Schemas["FactorOut"];
export type Explanation = Schemas["MatchExplanation"];
/** `decision`: the fallback path does not read decisions, so it is always null there (and
 * dismissed jobs are not filtered out). */
export type MatchResult = Schemas["MatchResultOut"];
/** `inferred` is always null for stored rows and the fallback (zero-shot scoring only). */
export type MatchResponse = Schemas["MatchResponse"];
export type ErrorBody = Schemas["ErrorBody"];
/** An error as validation finds it, before the handler adds the request id. */
export type ErrorDetail = Required<Omit<ErrorBody, "request_id">>;
/** A fallback result always names its row (the service's `id` is null only for `/score`) and, as
 * ranked, carries its explanation (the compact view drops it afterwards). */
export type RankedResult = MatchResult & { id: string; explanation: Explanation };

export type { Role };

/** The caller, as the fallback path knows it after verifying the token itself. */
export interface Principal {
  sub: string;
  role: Role | null;
}
