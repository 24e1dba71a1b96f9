/**
 * The gateway's one configuration object, read from the environment once (in index.ts).
 * `loadConfig` takes a lookup function instead of reading `Deno.env` itself, so tests can
 * build a config from a plain object. A bad value fails start-up instead of a request.
 */

export interface Config {
  /** Base URL of the ML service, without a trailing slash. */
  mlServiceUrl: string;
  mlTimeoutMs: number;
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  /** Supabase legacy HS256 secret; null disables the fallback (it answers 503). */
  jwtSecret: string | null;
  jwtAudience: string;
  jwtIssuer: string | null;
  jwtLeewaySeconds: number;
  databaseUrl: string | null;
  /** The service's EMBEDDING_MODEL_ID: whose stored text vectors the fallback compares. */
  embeddingModelId: string;
  fallbackMaxCandidates: number;
  fallbackTimeoutMs: number;
  /** Fallback answers per caller (token `sub`) per minute, sustained; and the burst. */
  fallbackRateLimitPerMinute: number;
  fallbackRateLimitBurst: number;
  maxBodyBytes: number;
  /** Origins allowed by CORS; ["*"] allows any (bearer tokens, no cookies). */
  corsOrigins: string[];
  /** Local runs only (`deno run`); the Supabase runtime picks its own port. */
  port: number | null;
  hostname: string;
}

/** The service's default `embedding_model_id`. */
export const DEFAULT_EMBEDDING_MODEL_ID = "all-MiniLM-L6-v2";

export class ConfigError extends Error {}

type Lookup = (name: string) => string | undefined;

function integer(get: Lookup, name: string, fallback: number, min: number, max: number): number {
  const raw = get(name);
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function text(get: Lookup, name: string): string | null {
  const raw = get(name);
  return raw === undefined || raw.trim() === "" ? null : raw.trim();
}

export function loadConfig(get: Lookup): Config {
  const mlServiceUrl = text(get, "ML_SERVICE_URL");
  if (mlServiceUrl === null) throw new ConfigError("ML_SERVICE_URL is required");
  try {
    const url = new URL(mlServiceUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new ConfigError(`ML_SERVICE_URL must be an http(s) URL, got ${mlServiceUrl}`);
  }
  const port = get("PORT");
  return {
    mlServiceUrl: mlServiceUrl.replace(/\/+$/, ""),
    mlTimeoutMs: integer(get, "ML_TIMEOUT_MS", 5000, 1, 60_000),
    cacheTtlSeconds: integer(get, "CACHE_TTL_SECONDS", 3600, 0, 86_400),
    cacheMaxEntries: integer(get, "CACHE_MAX_ENTRIES", 1000, 1, 100_000),
    // `supabase secrets set` may refuse SUPABASE_-prefixed names: JWT_SECRET is accepted too.
    jwtSecret: text(get, "SUPABASE_JWT_SECRET") ?? text(get, "JWT_SECRET"),
    jwtAudience: text(get, "JWT_AUDIENCE") ?? "authenticated",
    jwtIssuer: text(get, "JWT_ISSUER"),
    jwtLeewaySeconds: integer(get, "JWT_LEEWAY_SECONDS", 30, 0, 300),
    // SUPABASE_DB_URL is set by the Supabase runtime itself.
    databaseUrl: text(get, "DATABASE_URL") ?? text(get, "SUPABASE_DB_URL"),
    embeddingModelId: text(get, "EMBEDDING_MODEL_ID") ?? DEFAULT_EMBEDDING_MODEL_ID,
    fallbackMaxCandidates: integer(get, "FALLBACK_MAX_CANDIDATES", 500, 1, 10_000),
    fallbackTimeoutMs: integer(get, "FALLBACK_TIMEOUT_MS", 5000, 1, 60_000),
    fallbackRateLimitPerMinute: integer(get, "FALLBACK_RATE_LIMIT_PER_MINUTE", 30, 1, 100_000),
    fallbackRateLimitBurst: integer(get, "FALLBACK_RATE_LIMIT_BURST", 10, 1, 100_000),
    maxBodyBytes: integer(get, "MAX_BODY_BYTES", 64 * 1024, 256, 1024 * 1024),
    corsOrigins: (text(get, "CORS_ALLOWED_ORIGINS") ?? "*").split(",").map((o) => o.trim())
      .filter((o) => o !== ""),
    port: port === undefined || port.trim() === "" ? null : integer(get, "PORT", 0, 0, 65_535),
    hostname: text(get, "LISTEN_HOST") ?? "127.0.0.1",
  };
}
