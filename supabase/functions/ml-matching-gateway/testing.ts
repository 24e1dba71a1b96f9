/**
 * Test helpers (not shipped logic): a config, tokens minted with an independent library
 * (npm:jose, never the code under test), an in-memory data source, row builders and a real
 * local upstream HTTP server that answers like the ML service would.
 */

import { SignJWT } from "jose";
import { type Config, DEFAULT_EMBEDDING_MODEL_ID } from "./config.ts";
import type { JobRow, MatchDataSource, SkillEntry, TalentRow } from "./fallback.ts";
import type { MatchResponse } from "./types.ts";

export const SECRET = "test-legacy-hs256-secret-that-is-long-enough-0123456789";
export const AUDIENCE = "authenticated";

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    mlServiceUrl: "http://127.0.0.1:9",
    mlTimeoutMs: 2000,
    cacheTtlSeconds: 3600,
    cacheMaxEntries: 100,
    jwtSecret: SECRET,
    jwtAudience: AUDIENCE,
    jwtIssuer: null,
    jwtLeewaySeconds: 0,
    databaseUrl: null,
    embeddingModelId: DEFAULT_EMBEDDING_MODEL_ID,
    fallbackMaxCandidates: 500,
    fallbackTimeoutMs: 5000,
    fallbackRateLimitPerMinute: 10_000,
    fallbackRateLimitBurst: 10_000,
    maxBodyBytes: 64 * 1024,
    corsOrigins: ["*"],
    port: null,
    hostname: "127.0.0.1",
    ...overrides,
  };
}

export interface TokenOptions {
  sub: string;
  role?: string | null;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number | null;
  aud?: string | string[] | null;
  nbfIn?: number;
  secret?: string;
  extra?: Record<string, unknown>;
}

/** An HS256 token signed by jose, shaped like a Supabase access token. */
export async function mintToken(options: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { role: "authenticated", ...options.extra };
  if (options.role !== null) claims.app_metadata = { role: options.role ?? "talent" };
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.sub).setIssuedAt(now);
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.aud !== null) jwt.setAudience(options.aud ?? AUDIENCE);
  if (options.nbfIn !== undefined) jwt.setNotBefore(now + options.nbfIn);
  return await jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function b64url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** A token with an arbitrary header and no valid signature (alg none, RS256 claims, ...). */
export function unsignedToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature = "",
): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${signature}`;
}

/** Skill entries from [id, name, required?] triples. */
export function skills(entries: [number, string, boolean?][]): SkillEntry[] {
  return entries.map(([id, name, required]) => ({ id, name, required: required ?? false }));
}

export function talentRow(overrides: Partial<TalentRow> = {}): TalentRow {
  return {
    id: crypto.randomUUID(),
    ownerUserId: null,
    seniority: "mid",
    yearsExperience: 5,
    latitude: 52.52,
    longitude: 13.4,
    remotePreference: "hybrid",
    salaryMin: 60_000,
    salaryMax: 80_000,
    currency: "USD",
    skills: skills([[1, "Python"], [2, "SQL"]]),
    occupationCode: null,
    embedding: null,
    fullName: "Ada Lovelace",
    headline: "Backend developer",
    locationName: "Berlin",
    ...overrides,
  };
}

export function jobRow(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: crypto.randomUUID(),
    ownerUserId: null,
    status: "open",
    seniority: "mid",
    minYears: 3,
    latitude: 52.52,
    longitude: 13.4,
    remotePolicy: "hybrid",
    salaryMin: 65_000,
    salaryMax: 85_000,
    currency: "USD",
    skills: skills([[1, "Python", true], [3, "Kubernetes", true]]),
    occupationCode: null,
    embedding: null,
    title: "Data Engineer",
    companyName: "Acme",
    locationName: "Berlin",
    ...overrides,
  };
}

function shared(a: SkillEntry[], b: SkillEntry[]): number {
  const ids = new Set(a.map((s) => s.id));
  return b.filter((s) => ids.has(s.id)).length;
}

/** The MatchDataSource contract in memory, counting every call. */
export class MemoryDataSource implements MatchDataSource {
  calls = 0;
  failWith: Error | null = null;

  constructor(readonly talents: TalentRow[], readonly jobs: JobRow[]) {}

  #enter(): void {
    this.calls += 1;
    if (this.failWith) throw this.failWith;
  }

  talent(id: string): Promise<TalentRow | null> {
    this.#enter();
    return Promise.resolve(this.talents.find((t) => t.id === id) ?? null);
  }

  job(id: string): Promise<JobRow | null> {
    this.#enter();
    return Promise.resolve(this.jobs.find((j) => j.id === id) ?? null);
  }

  candidateJobs(talentId: string, limit: number): Promise<JobRow[]> {
    this.#enter();
    const talent = this.talents.find((t) => t.id === talentId);
    const open = this.jobs.filter((j) => j.status === "open");
    const mine = talent?.skills ?? [];
    open.sort((a, b) => shared(mine, b.skills) - shared(mine, a.skills));
    return Promise.resolve(open.slice(0, limit));
  }

  candidateTalents(jobId: string, limit: number): Promise<TalentRow[]> {
    this.#enter();
    const wanted = this.jobs.find((j) => j.id === jobId)?.skills ?? [];
    const all = [...this.talents];
    all.sort((a, b) => shared(wanted, b.skills) - shared(wanted, a.skills));
    return Promise.resolve(all.slice(0, limit));
  }
}

/** A small world: two talents and two companies' jobs (one closed), with owners. */
export function world() {
  const users = {
    talentA: crypto.randomUUID(),
    talentB: crypto.randomUUID(),
    companyA: crypto.randomUUID(),
    companyB: crypto.randomUUID(),
    admin: crypto.randomUUID(),
  };
  const talentA = talentRow({ ownerUserId: users.talentA });
  const talentB = talentRow({
    ownerUserId: users.talentB,
    seniority: "senior",
    skills: skills([[2, "SQL"], [4, "Go"]]),
    remotePreference: "remote",
  });
  const talentC = talentRow({ ownerUserId: null, latitude: null, longitude: null });
  const jobA = jobRow({ ownerUserId: users.companyA });
  const jobB = jobRow({
    ownerUserId: users.companyB,
    seniority: "senior",
    minYears: 8,
    skills: skills([[4, "Go", true], [2, "SQL", false]]),
    remotePolicy: "onsite",
  });
  const jobC = jobRow({ ownerUserId: users.companyB, salaryMin: null, salaryMax: null });
  const closed = jobRow({ ownerUserId: users.companyA, status: "closed" });
  return {
    users,
    talentA,
    talentB,
    talentC,
    jobA,
    jobB,
    jobC,
    closed,
    data: new MemoryDataSource([talentA, talentB, talentC], [jobA, jobB, jobC, closed]),
  };
}

export type UpstreamMode =
  | "ok"
  | "bad-json"
  | "hang"
  | 400
  | 401
  | 403
  | 404
  | 422
  | 429
  | 500
  | 502
  | 503;

export interface UpstreamRequest {
  path: string;
  authorization: string | null;
  requestId: string | null;
  body: unknown;
}

export interface Upstream {
  url: string;
  mode: UpstreamMode;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

export function mlResponse(id = crypto.randomUUID()): MatchResponse {
  return {
    matches: [{
      id,
      score: 84.2,
      source: "ml",
      model_version: "matching-test",
      title: "Data Engineer",
      subtitle: "Acme · Berlin · hybrid",
      decision: null,
      explanation: {
        sub_scores: {
          skills: 88,
          experience: 75,
          location: 100,
          salary: 80,
          culture: 60,
        },
        top_factors: [{
          factor: "required_skill_coverage",
          category: "skills",
          impact: 12.5,
          description: "Covers 4 of 5 required skills (missing: Kubernetes)",
        }],
        summary: "Strong match (84/100); covers 4 of 5 required skills helps most.",
      },
    }],
    processing_time_ms: 41.7,
    model_version: "matching-test",
    inferred: null,
  };
}

/** A real HTTP server on 127.0.0.1:<free port> that answers like the ML service. */
export function startUpstream(): Upstream {
  const pending = new Set<() => void>();
  const state: Upstream = {
    url: "",
    mode: "ok",
    requests: [],
    close: async () => {},
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json().catch(() => null);
    state.requests.push({
      path: new URL(req.url).pathname,
      authorization: req.headers.get("authorization"),
      requestId: req.headers.get("x-request-id"),
      body,
    });
    const mode = state.mode;
    if (mode === "hang") {
      // Held until close(): the gateway must give up on its own (its timeout).
      await new Promise<void>((resolve) => pending.add(resolve));
      return new Response("too late", { status: 200 });
    }
    if (mode === "ok") return Response.json(mlResponse());
    if (mode === "bad-json") return new Response("<html>oops</html>", { status: 200 });
    const codes: Record<number, string> = {
      400: "bad_request",
      401: "unauthorized",
      403: "forbidden",
      404: "not_found",
      422: "validation_error",
      429: "rate_limited",
      500: "internal_error",
      502: "bad_gateway",
      503: "service_unavailable",
    };
    const headers: Record<string, string> = {};
    if (mode === 429) headers["retry-after"] = "17";
    if (mode === 401) headers["www-authenticate"] = 'Bearer error="invalid_token"';
    return Response.json({
      error: {
        code: codes[mode],
        message: `upstream says ${mode}`,
        field: null,
        request_id: "upstream-request-id",
      },
    }, { status: mode, headers });
  });
  state.url = `http://127.0.0.1:${server.addr.port}`;
  state.close = async () => {
    for (const release of pending) release();
    await server.shutdown();
  };
  return state;
}

/** A loopback port with nothing listening (bound, then closed). */
export async function closedPort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  return port;
}
