import { describe, expect, it, vi } from "vitest";
import { ApiError, createMlMatchingService, errorMessage, NETWORK_ERROR, TIMEOUT_ERROR } from "./mlMatchingService";

function jsonResponse(status: number, body: unknown, statusText = ""): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { "Content-Type": "application/json" },
  });
}

function stubFetch(response: Response | (() => Promise<Response>)) {
  return vi.fn<typeof fetch>(() => (typeof response === "function" ? response() : Promise.resolve(response)));
}

function requestOf(fetchMock: ReturnType<typeof stubFetch>, call = 0) {
  const [url, init] = fetchMock.mock.calls[call]!;
  return {
    url: String(url),
    method: init?.method,
    headers: init?.headers as Record<string, string>,
    body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
  };
}

describe("mlMatchingService", () => {
  it("sends the bearer token and the match request body", async () => {
    const fetchMock = stubFetch(jsonResponse(200, { matches: [], processing_time_ms: 3, model_version: "v1" }));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "header.payload.sig" });

    const result = await service.getTalentMatches("t-1", 25, 40);

    expect(result.model_version).toBe("v1");
    const sent = requestOf(fetchMock);
    expect(sent.url).toBe("/api/v1/match/talent-to-jobs");
    expect(sent.method).toBe("POST");
    expect(sent.headers.Authorization).toBe("Bearer header.payload.sig");
    expect(sent.headers["Content-Type"]).toBe("application/json");
    expect(sent.body).toEqual({ talent_id: "t-1", limit: 25, min_score: 40 });
  });

  it("asks for dismissed jobs only when told to", async () => {
    const fetchMock = vi.fn<typeof fetch>(() =>
      Promise.resolve(jsonResponse(200, { matches: [], processing_time_ms: 1, model_version: null })),
    );
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    await service.getTalentMatches("t-1", 10, 0, { includeDismissed: true });
    await service.getTalentMatches("t-1", 10, 0, { includeDismissed: false });

    const bodies = fetchMock.mock.calls.map(([, init]) => JSON.parse(String(init?.body)));
    expect(bodies[0]).toEqual({ talent_id: "t-1", limit: 10, min_score: 0, include_dismissed: true });
    expect(bodies[1]).toEqual({ talent_id: "t-1", limit: 10, min_score: 0 });
  });

  it("sends filters and the cursor only when given", async () => {
    const fetchMock = vi.fn<typeof fetch>(() =>
      Promise.resolve(jsonResponse(200, { matches: [], processing_time_ms: 1, model_version: null, next_cursor: null })),
    );
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    await service.getTalentMatches("t-1", 10, 0, { filters: { remote: ["remote"] }, cursor: "abc" });
    await service.getJobMatches("j-1", 20, 5, { filters: { min_years: 2 } });
    await service.getJobMatches("j-1", 20, 5, { filters: null, cursor: null });

    const bodies = fetchMock.mock.calls.map(([, init]) => JSON.parse(String(init?.body)));
    expect(bodies).toEqual([
      { talent_id: "t-1", limit: 10, min_score: 0, filters: { remote: ["remote"] }, cursor: "abc" },
      { job_id: "j-1", limit: 20, min_score: 5, filters: { min_years: 2 } },
      { job_id: "j-1", limit: 20, min_score: 5 },
    ]);
  });

  it("posts undo feedback like any other decision", async () => {
    const fetchMock = stubFetch(
      jsonResponse(200, {
        id: "f1",
        talent_id: "t-1",
        job_id: "j-1",
        type: "undo",
        side: "talent",
        decision: null,
        created: true,
        created_at: "2026-01-01T00:00:00Z",
      }),
    );
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    const result = await service.sendFeedback({ talent_id: "t-1", job_id: "j-1", type: "undo" });

    expect(result.decision).toBeNull();
    const sent = requestOf(fetchMock);
    expect(sent.url).toBe("/api/v1/feedback");
    expect(sent.body).toEqual({ talent_id: "t-1", job_id: "j-1", type: "undo" });
  });

  it("calls the application and detail endpoints with encoded ids and only the set query options", async () => {
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, {})));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    await service.listJobApplications("j 1", { stage: "contacted", limit: 20, offset: 40 });
    await service.listJobApplications("j1");
    await service.moveApplicationStage("j1", "t1", "interviewing");
    await service.listTalentApplications("t1", { limit: 5 });
    await service.listTalentContacts("t 1", { limit: 20, offset: 20 });
    await service.listTalentContacts("t1");
    await service.getJobDetail("j1");
    await service.getCandidateDetail("t/1");

    const sent = fetchMock.mock.calls.map((_, i) => requestOf(fetchMock, i));
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/v1/jobs/j%201/applications?stage=contacted&limit=20&offset=40",
      "GET /api/v1/jobs/j1/applications",
      "POST /api/v1/jobs/j1/applications/t1/stage",
      "GET /api/v1/talents/t1/applications?limit=5",
      "GET /api/v1/talents/t%201/contacts?limit=20&offset=20",
      "GET /api/v1/talents/t1/contacts",
      "GET /api/v1/jobs/j1",
      "GET /api/v1/talents/t%2F1",
    ]);
    expect(sent[2]!.body).toEqual({ stage: "interviewing" });
  });

  it("uses the default limit and min score, and the job endpoint for job matches", async () => {
    const fetchMock = stubFetch(jsonResponse(200, { matches: [], processing_time_ms: 1, model_version: null }));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    await service.getJobMatches("j-1");

    const sent = requestOf(fetchMock);
    expect(sent.url).toBe("/api/v1/match/job-to-talents");
    expect(sent.body).toEqual({ job_id: "j-1", limit: 10, min_score: 0 });
  });

  it("reads the token on every request and omits the header without one", async () => {
    let token: string | null = null;
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { status: "ok" })));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => token });

    await service.getHealth();
    token = "x.y.z";
    await service.getHealth();

    expect(requestOf(fetchMock, 0).headers.Authorization).toBeUndefined();
    expect(requestOf(fetchMock, 1).headers.Authorization).toBe("Bearer x.y.z");
    expect(requestOf(fetchMock, 0).method).toBe("GET");
    expect(requestOf(fetchMock, 0).body).toBeUndefined();
  });

  it("turns an error envelope into an ApiError with status, code, message and field", async () => {
    const fetchMock = stubFetch(
      jsonResponse(422, {
        error: {
          code: "validation_error",
          message: "limit: Input should be less than or equal to 100",
          field: "limit",
          request_id: "req-123",
        },
      }),
    );
    const service = createMlMatchingService({ fetch: fetchMock });

    const error = await service.getTalentMatches("t-1", 500).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.code).toBe("validation_error");
    expect(apiError.message).toBe("limit: Input should be less than or equal to 100");
    expect(apiError.field).toBe("limit");
    expect(apiError.requestId).toBe("req-123");
    expect(apiError.isNetworkError).toBe(false);
    expect(errorMessage(apiError)).toContain("(field: limit)");
  });

  it("keeps field null when the envelope has none", async () => {
    const fetchMock = stubFetch(
      jsonResponse(404, { error: { code: "not_found", message: "talent not found", field: null, request_id: "r" } }),
    );
    const service = createMlMatchingService({ fetch: fetchMock });

    await expect(service.getTalentMatches("t-404")).rejects.toMatchObject({
      status: 404,
      code: "not_found",
      message: "talent not found",
      field: null,
    });
  });

  it("turns a non-envelope error body into an ApiError carrying the HTTP status", async () => {
    const fetchMock = stubFetch(new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const service = createMlMatchingService({ fetch: fetchMock });

    const error = (await service.getHealth().catch((e: unknown) => e)) as ApiError;

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.code).toBe("http_502");
    expect(error.message).toMatch(/HTTP 502 Bad Gateway/);
  });

  it("reports a network failure with a clear message and status 0", async () => {
    const fetchMock = vi.fn<typeof fetch>(() => Promise.reject(new TypeError("Failed to fetch")));
    const service = createMlMatchingService({ fetch: fetchMock });

    const error = (await service.getMe().catch((e: unknown) => e)) as ApiError;

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe(NETWORK_ERROR);
    expect(error.isNetworkError).toBe(true);
    expect(error.message).toMatch(/Cannot reach the talent-match API/);
    expect(error.message).toMatch(/Failed to fetch/);
  });

  it("uses the global fetch when none is passed in", async () => {
    const fetchMock = vi.fn<typeof fetch>(() =>
      Promise.resolve(jsonResponse(200, { sub: "s", role: "admin", talent: null, jobs: [] })),
    );
    vi.stubGlobal("fetch", fetchMock);
    const service = createMlMatchingService({ getToken: () => "g.l.obal" });

    const me = await service.getMe();

    expect(me.role).toBe("admin");
    expect(requestOf(fetchMock).url).toBe("/api/v1/me");
    expect(requestOf(fetchMock).headers.Authorization).toBe("Bearer g.l.obal");
  });

  it("gives up after the timeout with a timeout error", async () => {
    vi.useFakeTimers();
    try {
      const fetchMock = vi.fn<typeof fetch>(
        (_url, init) =>
          new Promise<Response>((_resolve, reject) => {
            init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
          }),
      );
      const service = createMlMatchingService({ fetch: fetchMock, timeoutMs: 5000 });

      const pending = service.getHealth().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5000);
      const error = (await pending) as ApiError;

      expect(error).toBeInstanceOf(ApiError);
      expect(error.code).toBe(TIMEOUT_ERROR);
      expect(error.status).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("calls onUnauthorized with the server's message on 401", async () => {
    const onUnauthorized = vi.fn();
    const fetchMock = stubFetch(
      jsonResponse(401, { error: { code: "unauthorized", message: "token expired", request_id: "r1" } }),
    );
    const service = createMlMatchingService({ fetch: fetchMock, onUnauthorized });

    await expect(service.getMe()).rejects.toMatchObject({ status: 401, message: "token expired" });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0]![0]).toBeInstanceOf(ApiError);
  });

  it("does not call onUnauthorized for a 403", async () => {
    const onUnauthorized = vi.fn();
    const fetchMock = stubFetch(
      jsonResponse(403, { error: { code: "forbidden", message: "admins only", request_id: "r2" } }),
    );
    const service = createMlMatchingService({ fetch: fetchMock, onUnauthorized });

    await expect(service.listModels()).rejects.toMatchObject({ status: 403, code: "forbidden" });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("posts feedback, training triggers and activations to the right paths", async () => {
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, {})));
    const service = createMlMatchingService({ fetch: fetchMock, baseUrl: "http://api.test/api/v1/" });

    await service.sendFeedback({ talent_id: "t", job_id: "j", type: "apply" });
    await service.triggerTraining(true);
    await service.triggerTraining();
    await service.activateModel("2024-01-01 v/2");
    await service.getTrainingRun("run-1");
    await service.getEvaluationResults();

    expect(requestOf(fetchMock, 0)).toMatchObject({
      url: "http://api.test/api/v1/feedback",
      method: "POST",
      body: { talent_id: "t", job_id: "j", type: "apply" },
    });
    expect(requestOf(fetchMock, 1)).toMatchObject({ url: "http://api.test/api/v1/train/trigger", body: { force: true } });
    expect(requestOf(fetchMock, 2).body).toEqual({ force: false });
    expect(requestOf(fetchMock, 3)).toMatchObject({
      url: "http://api.test/api/v1/models/2024-01-01%20v%2F2/activate",
      method: "POST",
    });
    expect(requestOf(fetchMock, 4)).toMatchObject({ url: "http://api.test/api/v1/train/runs/run-1", method: "GET" });
    expect(requestOf(fetchMock, 5).url).toBe("http://api.test/api/v1/evaluation/results");
  });

  it("rejects a 200 whose body is not JSON", async () => {
    const fetchMock = stubFetch(new Response("<!doctype html>", { status: 200 }));
    const service = createMlMatchingService({ fetch: fetchMock });

    await expect(service.getHealth()).rejects.toMatchObject({ code: "invalid_response" });
  });
});

describe("mlMatchingService drift routes", () => {
  it("lists drift runs and fetches a report as HTML text with the token", async () => {
    const fetchMock = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(jsonResponse(200, { runs: [] }))
      .mockResolvedValueOnce(new Response("<html>ALERT</html>", { status: 200, headers: { "Content-Type": "text/html" } }));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });

    expect(await service.listDriftRuns(5)).toEqual({ runs: [] });
    expect(requestOf(fetchMock, 0).url).toBe("/api/v1/drift/runs?limit=5");
    expect(await service.getDriftReport("r/1")).toBe("<html>ALERT</html>");
    const sent = requestOf(fetchMock, 1);
    expect(sent.url).toBe("/api/v1/drift/runs/r%2F1/report");
    expect(sent.headers.Accept).toBe("text/html");
    expect(sent.headers.Authorization).toBe("Bearer a.b.c");
  });

  it("turns a refused report into an ApiError", async () => {
    const fetchMock = stubFetch(jsonResponse(403, { error: { code: "forbidden", message: "Admins only." } }));
    const service = createMlMatchingService({ fetch: fetchMock, getToken: () => "a.b.c" });
    await expect(service.getDriftReport("x")).rejects.toBeInstanceOf(ApiError);
  });
});
