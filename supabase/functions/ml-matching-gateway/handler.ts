/**
 * The gateway's request -> response logic, with every dependency passed in (config, cache,
 * data source, fetch, logger, clock), so tests build it against a local upstream server.
 *
 * Order of work for a POST:
 *   1. `Authorization: Bearer <jwt>` is required (401 otherwise); the body is read with a size
 *      cap (413), parsed (400) and validated (422, naming the field).
 *   2. A cached ML response for the same parameters AND the same token is served (`x-cache:
 *      hit`).
 *   3. The ML service is called with the caller's Authorization header unchanged and a
 *      timeout (AbortController). A 200 is passed through and cached; any other answer below
 *      500 (401, 403, 404, 422, 429, ...) is passed through unchanged with its status and body
 *      and NEVER falls back: the service said no, and the fallback must not become a way
 *      around that.
 *   4. Only a timeout, a network error or a 5xx falls back to rule-based matching, which
 *      verifies the token itself (HS256, `SUPABASE_JWT_SECRET`) and applies the service's
 *      ownership rules before reading any candidate; without a secret it answers 503.
 *      A request with `filters` or a `cursor` is refused there (503 naming the field, with
 *      Retry-After): the fallback cannot apply filters over every candidate nor continue the
 *      service's ranking. The compact `view` it honours (no explanations).
 *      Each caller (token `sub`) gets FALLBACK_RATE_LIMIT_BURST fallback answers at once and
 *      FALLBACK_RATE_LIMIT_PER_MINUTE sustained (429 + Retry-After beyond), per isolate: during
 *      an outage the service's own limiter is not there to protect the database.
 * Every request is logged as one JSON line: request id, route, status, ms, source.
 */

import { bearerToken, unverifiedExpiry, verifyHs256 } from "./auth.ts";
import { type CacheEntry, cacheKey, TtlCache } from "./cache.ts";
import type { Config } from "./config.ts";
import { TokenBuckets } from "./ratelimit.ts";
import {
  authorize,
  type JobRow,
  type MatchDataSource,
  rank,
  roleDecision,
  type TalentRow,
} from "./fallback.ts";
import type { ErrorBody, MatchRequest, MatchResponse, MatchType, Principal } from "./types.ts";
import { upstreamBody, upstreamPath, validateMatchRequest } from "./validation.ts";

export type Logger = (record: Record<string, unknown>) => void;

/** Retry-After of a fallback that refuses filters or a cursor (the service's own 503s say 5). */
export const FALLBACK_RETRY_AFTER_SECONDS = 5;

/** The request field only the service can answer ("filters" or "cursor"), or null. */
export function serviceOnly(request: MatchRequest): "filters" | "cursor" | null {
  if (request.filters !== undefined && Object.keys(request.filters).length > 0) return "filters";
  if (request.cursor !== undefined) return "cursor";
  return null;
}

export interface HandlerDeps {
  config: Config;
  cache?: TtlCache;
  /** Where the fallback reads from; null: the fallback answers 503. */
  data: MatchDataSource | null;
  fetch?: typeof fetch;
  log?: Logger;
  /** Monotonic milliseconds, for durations. */
  now?: () => number;
  /** Per-caller buckets of the fallback path; built from the config when absent. */
  fallbackLimiter?: TokenBuckets;
}

export type Handler = (request: Request) => Promise<Response>;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PASS_THROUGH_HEADERS = [
  "content-type",
  "retry-after",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "www-authenticate",
];
const ALLOW_HEADERS = "authorization, x-client-info, apikey, content-type, x-request-id";
const EXPOSE_HEADERS = "x-cache, x-match-source, x-fallback-reason, x-request-id, retry-after";

type Upstream =
  | { kind: "response"; status: number; body: string; headers: Headers; ms: number }
  | { kind: "timeout"; ms: number }
  | { kind: "network_error"; ms: number; message: string };

type FallbackReason = "timeout" | "network_error" | "upstream_5xx";

/** What one request did, for its log line. */
interface Trace {
  route: MatchType | null;
  source: "ml" | "fallback" | "cache" | "gateway";
  cache: "hit" | "miss" | null;
  upstreamStatus: number | null;
  upstreamMs: number | null;
  reason: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
    /** What went wrong, for the log line only (never sent to the client). */
    readonly reason: string | null = null,
    /** Extra response headers (Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonLogger(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record));
}

function newRequestId(headers: Headers): string {
  const given = headers.get("x-request-id");
  if (given !== null && REQUEST_ID.test(given)) return given;
  return crypto.randomUUID().replaceAll("-", "");
}

async function readCapped(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`);
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new HttpError(400, "bad_request", "body is not valid UTF-8");
  }
}

function isMatchResponse(value: unknown): value is MatchResponse {
  return typeof value === "object" && value !== null &&
    Array.isArray((value as { matches?: unknown }).matches);
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HttpError(
            503,
            "service_unavailable",
            "matching is temporarily unavailable",
            null,
            `fallback took longer than ${ms} ms`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function createHandler(deps: HandlerDeps): Handler {
  const config = deps.config;
  const cache = deps.cache ?? new TtlCache(config.cacheTtlSeconds * 1000, config.cacheMaxEntries);
  const fetchImpl = deps.fetch ?? fetch;
  const log = deps.log ?? jsonLogger;
  const now = deps.now ?? (() => performance.now());
  const anyOrigin = config.corsOrigins.includes("*");
  const fallbackLimiter = deps.fallbackLimiter ??
    new TokenBuckets(config.fallbackRateLimitBurst, config.fallbackRateLimitPerMinute);

  function corsHeaders(origin: string | null): Headers {
    const headers = new Headers({
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-expose-headers": EXPOSE_HEADERS,
    });
    if (anyOrigin) {
      headers.set("access-control-allow-origin", "*");
    } else {
      headers.set("vary", "Origin");
      if (origin !== null && config.corsOrigins.includes(origin)) {
        headers.set("access-control-allow-origin", origin);
      }
    }
    return headers;
  }

  function json(status: number, body: unknown, headers: Headers): Response {
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(body), { status, headers });
  }

  function errorResponse(error: HttpError, requestId: string, headers: Headers): Response {
    const body: ErrorBody = {
      code: error.code,
      message: error.message,
      field: error.field,
      request_id: requestId,
    };
    if (error.status === 401) {
      headers.set("www-authenticate", 'Bearer realm="talent-match", error="invalid_token"');
    }
    for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
    return json(error.status, { error: body }, headers);
  }

  async function callMl(
    request: MatchRequest,
    authorization: string,
    requestId: string,
    clientSignal: AbortSignal,
  ): Promise<Upstream> {
    const started = now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.mlTimeoutMs);
    const ms = () => Math.round((now() - started) * 100) / 100;
    try {
      const response = await fetchImpl(`${config.mlServiceUrl}${upstreamPath(request.type)}`, {
        method: "POST",
        headers: {
          authorization,
          "content-type": "application/json",
          accept: "application/json",
          "x-request-id": requestId,
        },
        body: JSON.stringify(upstreamBody(request)),
        redirect: "manual",
        signal: AbortSignal.any([controller.signal, clientSignal]),
      });
      const body = await response.text(); // still under the timeout
      return {
        kind: "response",
        status: response.status,
        body,
        headers: response.headers,
        ms: ms(),
      };
    } catch (error) {
      if (controller.signal.aborted) return { kind: "timeout", ms: ms() };
      return { kind: "network_error", ms: ms(), message: String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function fallback(
    request: MatchRequest,
    token: string,
    started: number,
  ): Promise<MatchResponse> {
    if (config.jwtSecret === null || deps.data === null) {
      throw new HttpError(
        503,
        "service_unavailable",
        "the matching service is unavailable and no fallback is configured",
      );
    }
    const verified = await verifyHs256(token, {
      secret: config.jwtSecret,
      audience: config.jwtAudience,
      issuer: config.jwtIssuer,
      leewaySeconds: config.jwtLeewaySeconds,
    });
    if (!verified.ok) {
      throw new HttpError(
        401,
        "unauthorized",
        "invalid or missing bearer token",
        null,
        `fallback token check: ${verified.reason}`,
      );
    }
    const needs = serviceOnly(request);
    if (needs !== null) {
      // Filters must hold over every candidate and a cursor points into the service's own
      // ranking; the fallback reads a bounded sample and cannot promise either, so it says
      // so instead of answering a page that would look filtered and complete.
      throw new HttpError(
        503,
        "service_unavailable",
        `${needs} needs the matching service, which is unavailable; retry later, or ask ` +
          `without ${needs} for a rule-based answer`,
        needs,
        `fallback refused: ${needs}`,
        { "retry-after": String(FALLBACK_RETRY_AFTER_SECONDS) },
      );
    }
    const bucket = fallbackLimiter.take(verified.principal.sub);
    if (!bucket.allowed) {
      throw new HttpError(
        429,
        "rate_limited",
        "too many requests while the matching service is unavailable; retry later",
        null,
        "fallback rate limit",
        { "retry-after": String(bucket.retryAfterSeconds) },
      );
    }
    return await withDeadline(
      fallbackMatches(deps.data, request, verified.principal, started),
      config.fallbackTimeoutMs,
    );
  }

  async function fallbackMatches(
    data: MatchDataSource,
    request: MatchRequest,
    principal: Principal,
    started: number,
  ): Promise<MatchResponse> {
    const role = roleDecision(principal, request.type);
    if (!role.allowed) throw new HttpError(role.status, role.code, role.message); // nothing read
    let subject: TalentRow | JobRow | null;
    let candidates: (TalentRow | JobRow)[];
    try {
      subject = request.type === "talent-to-jobs"
        ? await data.talent(request.subjectId)
        : await data.job(request.subjectId);
    } catch (error) {
      throw dbError(error);
    }
    const decision = authorize(principal, request.type, {
      found: subject !== null,
      ownerUserId: subject?.ownerUserId ?? null,
    });
    if (!decision.allowed) throw new HttpError(decision.status, decision.code, decision.message);
    try {
      candidates = request.type === "talent-to-jobs"
        ? await data.candidateJobs(request.subjectId, config.fallbackMaxCandidates)
        : await data.candidateTalents(request.subjectId, config.fallbackMaxCandidates);
    } catch (error) {
      throw dbError(error);
    }
    const ranked = rank(request, subject as TalentRow | JobRow, candidates);
    const matches = request.view === "compact"
      ? ranked.map((m) => ({ ...m, explanation: null }))
      : ranked;
    return {
      matches,
      processing_time_ms: Math.round((now() - started) * 100) / 100,
      model_version: null,
      inferred: null,
      next_cursor: null, // the fallback answers one page: its bounded read is not a ranking
    };
  }

  function dbError(error: unknown): HttpError {
    return new HttpError(
      503,
      "service_unavailable",
      "matching is temporarily unavailable",
      null,
      `database: ${String(error)}`,
    );
  }

  async function handlePost(
    req: Request,
    requestId: string,
    headers: Headers,
    trace: Trace,
    started: number,
  ): Promise<Response> {
    const authorization = req.headers.get("authorization");
    const token = bearerToken(authorization);
    if (token === null || authorization === null) {
      throw new HttpError(401, "unauthorized", "an Authorization: Bearer token is required");
    }
    const contentType = req.headers.get("content-type");
    if (contentType !== null && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
      throw new HttpError(415, "unsupported_media_type", "body must be application/json");
    }
    const text = await readCapped(req, config.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, "bad_request", "body is not valid JSON");
    }
    const validated = validateMatchRequest(body);
    if (!validated.ok) {
      const e = validated.error;
      throw new HttpError(422, e.code, e.message, e.field);
    }
    const request = validated.value;
    trace.route = request.type;

    const key = await cacheKey(request, token);
    const hit = cache.get(key);
    if (hit !== undefined) {
      trace.source = "cache";
      trace.cache = "hit";
      headers.set("x-cache", "hit");
      headers.set("x-match-source", "ml");
      for (const [name, value] of Object.entries(hit.headers)) headers.set(name, value);
      return new Response(hit.body, { status: hit.status, headers });
    }
    trace.cache = "miss";
    headers.set("x-cache", "miss");

    const upstream = await callMl(request, authorization, requestId, req.signal);
    trace.upstreamMs = upstream.ms;
    if (req.signal.aborted) {
      // The caller went away (and the ML call with it): nobody to fall back for.
      throw new HttpError(499, "client_closed_request", "the client closed the request");
    }
    let reason: FallbackReason;
    if (upstream.kind === "response") {
      trace.upstreamStatus = upstream.status;
      if (upstream.status < 500) {
        trace.source = "ml";
        return mlResponse(upstream, key, token, headers, trace);
      }
      reason = "upstream_5xx";
    } else {
      reason = upstream.kind;
      if (upstream.kind === "network_error") trace.reason = upstream.message;
    }

    trace.source = "fallback";
    trace.reason = trace.reason ? `${reason}: ${trace.reason}` : reason;
    headers.set("x-fallback-reason", reason);
    const result = await fallback(request, token, started);
    headers.set("x-match-source", "fallback");
    return json(200, result, headers);
  }

  function mlResponse(
    upstream: Extract<Upstream, { kind: "response" }>,
    key: string,
    token: string,
    headers: Headers,
    trace: Trace,
  ): Response {
    const passed: Record<string, string> = {};
    for (const name of PASS_THROUGH_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    if (upstream.status === 200) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(upstream.body);
      } catch {
        parsed = undefined;
      }
      if (!isMatchResponse(parsed)) {
        trace.reason = "ML service sent a 200 that is not a MatchResponse";
        throw new HttpError(502, "bad_gateway", "the matching service sent an invalid response");
      }
      const entry: CacheEntry = {
        status: 200,
        body: upstream.body,
        headers: { "content-type": passed["content-type"] ?? "application/json" },
      };
      const exp = unverifiedExpiry(token);
      cache.set(key, entry, exp === null ? null : exp * 1000);
    } else if (upstream.status < 200 || (upstream.status >= 300 && upstream.status < 400)) {
      trace.reason = `unexpected upstream status ${upstream.status}`;
      throw new HttpError(502, "bad_gateway", "the matching service sent an unexpected response");
    }
    headers.set("x-match-source", "ml");
    for (const [name, value] of Object.entries(passed)) headers.set(name, value);
    // 401/403/404/422/429 and other refusals: the same status and body, no fallback.
    return new Response(upstream.body, { status: upstream.status, headers });
  }

  return async function handle(req: Request): Promise<Response> {
    const started = now();
    const requestId = newRequestId(req.headers);
    const headers = corsHeaders(req.headers.get("origin"));
    headers.set("x-request-id", requestId);
    const trace: Trace = {
      route: null,
      source: "gateway",
      cache: null,
      upstreamStatus: null,
      upstreamMs: null,
      reason: null,
    };
    let response: Response;
    try {
      if (req.method === "OPTIONS") {
        headers.set("access-control-max-age", "600");
        response = new Response(null, { status: 204, headers });
      } else if (req.method !== "POST") {
        headers.set("allow", "POST, OPTIONS");
        throw new HttpError(405, "method_not_allowed", "use POST");
      } else {
        response = await handlePost(req, requestId, headers, trace, started);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        const extra = error.reason;
        if (extra) trace.reason = trace.reason ? `${trace.reason}; ${extra}` : extra;
        response = errorResponse(error, requestId, headers);
      } else {
        trace.reason = `internal: ${String(error)}`;
        response = errorResponse(
          new HttpError(500, "internal_error", "internal error"),
          requestId,
          headers,
        );
      }
    }
    log({
      level: response.status >= 500 ? "error" : response.status >= 400 ? "warning" : "info",
      event: "ml_gateway_request",
      request_id: requestId,
      method: req.method,
      route: trace.route,
      status: response.status,
      ms: Math.round((now() - started) * 100) / 100,
      source: trace.source,
      cache: trace.cache,
      upstream_status: trace.upstreamStatus,
      upstream_ms: trace.upstreamMs,
      reason: trace.reason,
      timestamp: new Date().toISOString(),
    });
    return response;
  };
}
