/**
 * The handler against a real upstream HTTP server (Deno.serve on 127.0.0.1, port 0) that
 * answers 200 / 4xx / 5xx / hangs, and an in-memory data source for the fallback.
 */

import assert from "node:assert/strict";
import { TtlCache } from "./cache.ts";
import type { Config } from "./config.ts";
import { createHandler, type Handler } from "./handler.ts";
import {
  closedPort,
  MemoryDataSource,
  mintToken,
  mlResponse,
  startUpstream,
  testConfig,
  unsignedToken,
  type Upstream,
  type UpstreamMode,
  world,
} from "./testing.ts";
import type { MatchResponse } from "./types.ts";

interface Fixture {
  handler: Handler;
  upstream: Upstream;
  w: ReturnType<typeof world>;
  logs: Record<string, unknown>[];
  clock: { now: number };
}

async function withGateway(
  run: (f: Fixture) => Promise<void>,
  options: { config?: Partial<Config>; data?: MemoryDataSource | null } = {},
): Promise<void> {
  const upstream = startUpstream();
  const w = world();
  const logs: Record<string, unknown>[] = [];
  const clock = { now: Date.now() };
  const config = testConfig({ mlServiceUrl: upstream.url, ...options.config });
  const handler = createHandler({
    config,
    cache: new TtlCache(config.cacheTtlSeconds * 1000, 100, () => clock.now),
    data: options.data === undefined ? w.data : options.data,
    log: (record) => logs.push(record),
  });
  try {
    await run({ handler, upstream, w, logs, clock });
  } finally {
    await upstream.close();
  }
}

function post(body: unknown, token: string | null, headers: Record<string, string> = {}): Request {
  return new Request("http://gateway.test/functions/v1/ml-matching-gateway", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function talentToJobs(id: string, extra: Record<string, unknown> = {}) {
  return { type: "talent-to-jobs", talent_id: id, ...extra };
}

async function talentToken(f: Fixture, extra: Record<string, unknown> = {}): Promise<string> {
  return await mintToken({ sub: f.w.users.talentA, role: "talent", extra });
}

Deno.test("200 from the ML service passes through unchanged, with source ml, and is cached", async () => {
  await withGateway(async (f) => {
    const token = await talentToken(f);
    const res = await f.handler(
      post(talentToJobs(f.w.talentA.id, { limit: 5 }), token, { "x-request-id": "req-123" }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-cache"), "miss");
    assert.equal(res.headers.get("x-match-source"), "ml");
    assert.equal(res.headers.get("x-request-id"), "req-123");
    const body: MatchResponse = await res.json();
    assert.equal(body.matches[0].source, "ml");
    assert.equal(body.model_version, "matching-test");
    assert.deepEqual(
      { ...body, matches: body.matches.map((m) => ({ ...m, id: "x" })) },
      {
        ...mlResponse(),
        matches: mlResponse().matches.map((m) => ({ ...m, id: "x" })),
      },
    );

    assert.equal(f.upstream.requests.length, 1);
    const sent = f.upstream.requests[0];
    assert.equal(sent.path, "/api/v1/match/talent-to-jobs");
    assert.equal(sent.authorization, `Bearer ${token}`, "the token is forwarded unchanged");
    assert.equal(sent.requestId, "req-123");
    assert.deepEqual(sent.body, { talent_id: f.w.talentA.id, limit: 5, min_score: 0 });

    const again = await f.handler(post(talentToJobs(f.w.talentA.id, { limit: 5 }), token));
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("x-cache"), "hit");
    assert.equal(again.headers.get("x-match-source"), "ml");
    assert.deepEqual(await again.json(), body);
    assert.equal(f.upstream.requests.length, 1, "a hit does not call the ML service");
    assert.equal(f.w.data.calls, 0, "no fallback read");
  });
});

Deno.test("the cache is per token and never outlives the token", async () => {
  await withGateway(async (f) => {
    const first = await mintToken({ sub: f.w.users.talentA, expiresIn: 120 });
    const second = await mintToken({ sub: f.w.users.talentA, expiresIn: 120, extra: { n: 2 } });
    await (await f.handler(post(talentToJobs(f.w.talentA.id), first))).body?.cancel();
    const other = await f.handler(post(talentToJobs(f.w.talentA.id), second));
    assert.equal(other.headers.get("x-cache"), "miss", "another token never gets a hit");
    await other.body?.cancel();
    const changed = await f.handler(post(talentToJobs(f.w.talentA.id, { limit: 3 }), first));
    assert.equal(changed.headers.get("x-cache"), "miss", "other parameters, other entry");
    await changed.body?.cancel();
    assert.equal(f.upstream.requests.length, 3);

    const hit = await f.handler(post(talentToJobs(f.w.talentA.id), first));
    assert.equal(hit.headers.get("x-cache"), "hit");
    await hit.body?.cancel();
    f.clock.now += 121_000; // past the token's exp, well within the 1 h TTL
    const late = await f.handler(post(talentToJobs(f.w.talentA.id), first));
    assert.equal(late.headers.get("x-cache"), "miss");
    await late.body?.cancel();
    assert.equal(f.upstream.requests.length, 4);
  });
});

for (const mode of [401, 403, 404, 422, 429, 400] as UpstreamMode[]) {
  Deno.test(`${mode} from the ML service is passed through and never falls back`, async () => {
    await withGateway(async (f) => {
      f.upstream.mode = mode;
      const token = await talentToken(f);
      const res = await f.handler(post(talentToJobs(f.w.talentA.id), token));
      assert.equal(res.status, mode);
      assert.equal(res.headers.get("x-match-source"), "ml");
      assert.equal(res.headers.get("x-fallback-reason"), null);
      const body = await res.json();
      assert.equal(body.error.message, `upstream says ${mode}`, "the body is the service's");
      assert.equal(body.error.request_id, "upstream-request-id");
      if (mode === 429) assert.equal(res.headers.get("retry-after"), "17");
      assert.equal(f.w.data.calls, 0, "the fallback never ran");

      const again = await f.handler(post(talentToJobs(f.w.talentA.id), token));
      assert.equal(again.status, mode);
      assert.equal(again.headers.get("x-cache"), "miss", "refusals are not cached");
      await again.body?.cancel();
      assert.equal(f.upstream.requests.length, 2);
    });
  });
}

async function assertFallback(f: Fixture, res: Response, reason: string): Promise<void> {
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-match-source"), "fallback");
  assert.equal(res.headers.get("x-fallback-reason"), reason);
  const body: MatchResponse = await res.json();
  assert.equal(body.model_version, null);
  assert.ok(body.processing_time_ms >= 0);
  assert.ok(body.matches.length > 0);
  const open = new Set([f.w.jobA.id, f.w.jobB.id, f.w.jobC.id]);
  for (const m of body.matches) {
    assert.equal(m.source, "fallback");
    assert.equal(m.model_version, null);
    assert.ok(m.id !== null && open.has(m.id), "only open jobs");
    assert.equal(m.explanation?.top_factors.length, 3);
  }
  const scores = body.matches.map((m) => m.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
}

for (const mode of [500, 502, 503] as UpstreamMode[]) {
  Deno.test(`${mode} from the ML service falls back to rule-based matching`, async () => {
    await withGateway(async (f) => {
      f.upstream.mode = mode;
      const token = await talentToken(f);
      const res = await f.handler(post(talentToJobs(f.w.talentA.id), token));
      await assertFallback(f, res, "upstream_5xx");
      const again = await f.handler(post(talentToJobs(f.w.talentA.id), token));
      assert.equal(again.headers.get("x-cache"), "miss", "fallback answers are not cached");
      await again.body?.cancel();
      assert.equal(f.upstream.requests.length, 2);
    });
  });
}

Deno.test("a hanging ML service times out (AbortController) and falls back", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = "hang";
    const started = performance.now();
    const res = await f.handler(post(talentToJobs(f.w.talentA.id), await talentToken(f)));
    const elapsed = performance.now() - started;
    await assertFallback(f, res, "timeout");
    assert.ok(elapsed >= 200 && elapsed < 1500, `took ${elapsed} ms`);
    const line = f.logs.at(-1)!;
    assert.equal(line.source, "fallback");
    assert.equal(line.upstream_status, null);
    assert.match(String(line.reason), /^timeout/);
  }, { config: { mlTimeoutMs: 250 } });
});

Deno.test("a caller who goes away cancels the ML call and gets no fallback", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = "hang";
    const client = new AbortController();
    const request = new Request(post(talentToJobs(f.w.talentA.id), await talentToken(f)), {
      signal: client.signal,
    });
    const pending = f.handler(request);
    setTimeout(() => client.abort(), 100);
    const started = performance.now();
    const res = await pending;
    assert.equal(res.status, 499);
    await res.body?.cancel();
    assert.ok(performance.now() - started < 1500, "did not wait for the 5 s timeout");
    assert.equal(f.w.data.calls, 0);
  }, { config: { mlTimeoutMs: 5000 } });
});

Deno.test("a refused connection falls back", async () => {
  const port = await closedPort();
  await withGateway(async (f) => {
    const res = await f.handler(post(talentToJobs(f.w.talentA.id), await talentToken(f)));
    await assertFallback(f, res, "network_error");
    assert.equal(f.upstream.requests.length, 0);
  }, { config: { mlServiceUrl: `http://127.0.0.1:${port}` } });
});

Deno.test("the fallback verifies the token itself and applies ownership", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = 503;
    const { users, talentA, talentB, jobA, jobB } = f.w;
    const call = async (body: unknown, token: string) => {
      const res = await f.handler(post(body, token));
      const json = await res.json();
      return { status: res.status, json, headers: res.headers };
    };

    const expired = await mintToken({ sub: users.talentA, expiresIn: -600 });
    const forged = await mintToken({ sub: users.talentA, secret: "not-the-secret-0123456789ab" });
    const wrongAud = await mintToken({ sub: users.talentA, aud: "anon" });
    const none = unsignedToken({ alg: "none" }, {
      sub: users.talentA,
      aud: "authenticated",
      exp: Math.floor(Date.now() / 1000) + 600,
      app_metadata: { role: "admin" },
    });
    const refused = { expired, forged, wrongAud, none, garbage: "garbage" };
    for (const [name, token] of Object.entries(refused)) {
      const r = await call(talentToJobs(talentA.id), token);
      assert.equal(r.status, 401, name);
      assert.equal(r.json.error.code, "unauthorized");
      assert.ok(r.headers.get("www-authenticate"));
    }
    assert.equal(f.w.data.calls, 0, "nothing is read for an unverified caller");

    const own = await mintToken({ sub: users.talentA, role: "talent" });
    assert.equal((await call(talentToJobs(talentA.id), own)).status, 200);
    const other = await call(talentToJobs(talentB.id), own);
    assert.equal(other.status, 403);
    assert.equal(other.json.error.code, "forbidden");
    assert.equal((await call(talentToJobs(crypto.randomUUID()), own)).status, 403);

    const selfMade = await mintToken({
      sub: users.talentA,
      role: null,
      extra: { user_metadata: { role: "admin" } },
    });
    assert.equal((await call(talentToJobs(talentB.id), selfMade)).status, 403);

    const company = await mintToken({ sub: users.companyA, role: "company" });
    const mine = await call({ type: "job-to-talents", job_id: jobA.id }, company);
    assert.equal(mine.status, 200);
    assert.ok(mine.json.matches.every((m: { source: string }) => m.source === "fallback"));
    assert.equal((await call({ type: "job-to-talents", job_id: jobB.id }, company)).status, 403);
    assert.equal((await call(talentToJobs(talentA.id), company)).status, 403);

    const admin = await mintToken({ sub: users.admin, role: "admin" });
    assert.equal((await call(talentToJobs(talentB.id), admin)).status, 200);
    assert.equal((await call({ type: "job-to-talents", job_id: jobB.id }, admin)).status, 200);
    const unknown = await call(talentToJobs(crypto.randomUUID()), admin);
    assert.equal(unknown.status, 404);
  });
});

Deno.test("without a secret the fallback answers 503 instead of serving unverified callers", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = 500;
    const res = await f.handler(post(talentToJobs(f.w.talentA.id), await talentToken(f)));
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "service_unavailable");
    assert.equal(f.w.data.calls, 0);
  }, { config: { jwtSecret: null } });
});

Deno.test("the fallback limits each caller (token sub): 429 with Retry-After beyond the burst", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = 500;
    const token = await talentToken(f);
    const statuses: number[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await f.handler(post(talentToJobs(f.w.talentA.id), token));
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.body?.cancel();
    }
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    assert.ok(Number(refused!.headers.get("retry-after")) >= 1);
    assert.equal((await refused!.json()).error.code, "rate_limited");
    assert.equal(f.w.data.calls > 0, true);
    const callsBefore = f.w.data.calls;
    const other = await mintToken({ sub: f.w.users.talentB, role: "talent" });
    const res = await f.handler(post(talentToJobs(f.w.talentB.id), other));
    assert.equal(res.status, 200, "another caller has its own bucket");
    await res.body?.cancel();
    assert.ok(f.w.data.calls > callsBefore);
  }, { config: { fallbackRateLimitBurst: 2, fallbackRateLimitPerMinute: 1 } });
});

Deno.test("a database failure on the fallback path is a 503, not a 500", async () => {
  const data = new MemoryDataSource([], []);
  data.failWith = new Error("connection refused");
  await withGateway(async (f) => {
    f.upstream.mode = 500;
    const res = await f.handler(post(talentToJobs(f.w.talentA.id), await talentToken(f)));
    assert.equal(res.status, 503);
    await res.body?.cancel();
    assert.match(String(f.logs.at(-1)!.reason), /database: Error: connection refused/);
  }, { data });
});

Deno.test("a 200 that is not a MatchResponse is a 502 and neither cached nor a fallback", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = "bad-json";
    const token = await talentToken(f);
    const res = await f.handler(post(talentToJobs(f.w.talentA.id), token));
    assert.equal(res.status, 502);
    await res.body?.cancel();
    const again = await f.handler(post(talentToJobs(f.w.talentA.id), token));
    assert.equal(again.headers.get("x-cache"), "miss");
    await again.body?.cancel();
    assert.equal(f.w.data.calls, 0);
  });
});

Deno.test("requests are checked before the ML service is called", async () => {
  await withGateway(async (f) => {
    const token = await talentToken(f);
    const id = f.w.talentA.id;
    const cases: [Request, number, string | null][] = [
      [post(talentToJobs(id), null), 401, null],
      [post(talentToJobs(id), null, { authorization: `Basic ${token}` }), 401, null],
      [post("{not json", token), 400, null],
      [post(talentToJobs(id, { limit: 0 }), token), 422, "limit"],
      [post(talentToJobs(id, { min_score: 101 }), token), 422, "min_score"],
      [post(talentToJobs("nope"), token), 422, "talent_id"],
      [post(talentToJobs(id, { extra: 1 }), token), 422, "extra"],
      [post({ type: "x", talent_id: id }, token), 422, "type"],
      [post(talentToJobs(id), token, { "content-type": "text/plain" }), 415, null],
      [post(JSON.stringify({ pad: "x".repeat(70_000) }), token), 413, null],
      [new Request("http://gateway.test/", { method: "GET" }), 405, null],
    ];
    for (const [request, status, field] of cases) {
      const res = await f.handler(request);
      assert.equal(res.status, status, `${request.method} -> ${status}`);
      const body = await res.json();
      assert.equal(body.error.field, field);
      assert.ok(body.error.code && body.error.message && body.error.request_id);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
    }
    assert.equal(f.upstream.requests.length, 0);
  });
});

Deno.test("CORS preflight is answered without a token", async () => {
  await withGateway(async (f) => {
    const res = await f.handler(
      new Request("http://gateway.test/", {
        method: "OPTIONS",
        headers: {
          origin: "https://dashboard.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      }),
    );
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("access-control-allow-headers")!, /authorization/);
    assert.match(res.headers.get("access-control-allow-methods")!, /POST/);
    assert.match(res.headers.get("access-control-expose-headers")!, /x-cache/);
    assert.equal(f.upstream.requests.length, 0);
  });
});

Deno.test("CORS with a configured origin list echoes only listed origins", async () => {
  await withGateway(async (f) => {
    const preflight = (origin: string) =>
      f.handler(new Request("http://gateway.test/", { method: "OPTIONS", headers: { origin } }));
    const allowed = await preflight("https://dashboard.example");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://dashboard.example");
    assert.equal(allowed.headers.get("vary"), "Origin");
    const denied = await preflight("https://evil.example");
    assert.equal(denied.headers.get("access-control-allow-origin"), null);
  }, { config: { corsOrigins: ["https://dashboard.example"] } });
});

Deno.test("every call is logged as one JSON line, without the token", async () => {
  await withGateway(async (f) => {
    const token = await talentToken(f);
    await (await f.handler(post(talentToJobs(f.w.talentA.id), token))).body?.cancel();
    await (await f.handler(post(talentToJobs(f.w.talentA.id), token))).body?.cancel();
    f.upstream.mode = 500;
    await (await f.handler(post(talentToJobs(f.w.talentA.id, { limit: 2 }), token))).body
      ?.cancel();
    assert.equal(f.logs.length, 3);
    for (const line of f.logs) {
      for (const key of ["request_id", "route", "status", "ms", "source"]) {
        assert.ok(key in line, key);
      }
      assert.equal(line.route, "talent-to-jobs");
      assert.equal(typeof line.ms, "number");
      assert.ok(!JSON.stringify(line).includes(token), "no token in logs");
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(line)));
    }
    assert.deepEqual(f.logs.map((l) => [l.source, l.status, l.cache]), [
      ["ml", 200, "miss"],
      ["cache", 200, "hit"],
      ["fallback", 200, "miss"],
    ]);
    assert.equal(f.logs[2].upstream_status, 500);
  });
});

const FILTERS = { remote: ["remote"], radius_km: 50, skills: ["Python"] };
const CURSOR = "eyJ2IjoxfQ.AAAAAAAAAAAAAAAA";

Deno.test("filters, cursor and view are forwarded as sent and keyed apart in the cache", async () => {
  await withGateway(async (f) => {
    const token = await talentToken(f);
    const body = talentToJobs(f.w.talentA.id, {
      filters: FILTERS,
      cursor: CURSOR,
      view: "compact",
    });
    const res = await f.handler(post(body, token));
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.deepEqual(f.upstream.requests[0].body, {
      talent_id: f.w.talentA.id,
      limit: 10,
      min_score: 0,
      filters: FILTERS,
      cursor: CURSOR,
      view: "compact",
    });
    for (const other of [{ filters: { remote: ["hybrid"] } }, { view: "full" }]) {
      const miss = await f.handler(post(talentToJobs(f.w.talentA.id, other), token));
      assert.equal(miss.headers.get("x-cache"), "miss", JSON.stringify(other));
      await miss.body?.cancel();
    }
    for (const same of [body, talentToJobs(f.w.talentA.id)]) { // no view = the full view
      const hit = await f.handler(post(same, token));
      assert.equal(hit.headers.get("x-cache"), "hit", JSON.stringify(same));
      await hit.body?.cancel();
    }
  });
});

const REFUSED: [Record<string, unknown>, string][] = [
  [{ filters: FILTERS }, "filters"],
  [{ cursor: CURSOR }, "cursor"],
];
for (const [extra, field] of REFUSED) {
  Deno.test(`the fallback refuses ${field} with a 503 naming it, and reads nothing`, async () => {
    await withGateway(async (f) => {
      f.upstream.mode = 503;
      const res = await f.handler(post(talentToJobs(f.w.talentA.id, extra), await talentToken(f)));
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "5");
      const { error } = await res.json();
      assert.equal(error.code, "service_unavailable");
      assert.equal(error.field, field);
      assert.match(error.message, /needs the matching service/);
      assert.equal(f.w.data.calls, 0, "no candidate was read");
    });
  });
}

Deno.test("the fallback honours the compact view and never pages", async () => {
  await withGateway(async (f) => {
    f.upstream.mode = 500;
    const token = await talentToken(f);
    const res = await f.handler(
      post(talentToJobs(f.w.talentA.id, { view: "compact", filters: {} }), token),
    );
    assert.equal(res.status, 200);
    const body: MatchResponse = await res.json();
    assert.ok(body.matches.length > 0);
    assert.ok(body.matches.every((m) => m.explanation === null && m.title));
    assert.equal(body.next_cursor, null);
  });
});
