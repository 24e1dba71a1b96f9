import assert from "node:assert/strict";
import { upstreamBody, upstreamPath, validateMatchRequest } from "./validation.ts";

const TALENT = "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11";
const JOB = "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

function fieldOf(body: unknown): string | null {
  const result = validateMatchRequest(body);
  assert.equal(result.ok, false, `expected ${JSON.stringify(body)} to be rejected`);
  if (result.ok) throw new Error("unreachable");
  assert.equal(result.error.code, "validation_error");
  assert.ok(result.error.message.length > 0);
  return result.error.field;
}

Deno.test("a talent-to-jobs request gets the defaults and a lower-case id", () => {
  const result = validateMatchRequest({ type: "talent-to-jobs", talent_id: TALENT.toUpperCase() });
  assert.deepEqual(result, {
    ok: true,
    value: { type: "talent-to-jobs", subjectId: TALENT, limit: 10, minScore: 0 },
  });
});

Deno.test("a job-to-talents request keeps its limit and min_score", () => {
  const result = validateMatchRequest({
    type: "job-to-talents",
    job_id: JOB,
    limit: 100,
    min_score: 42.5,
  });
  assert.deepEqual(result, {
    ok: true,
    value: { type: "job-to-talents", subjectId: JOB, limit: 100, minScore: 42.5 },
  });
});

Deno.test("the body must be a JSON object", () => {
  for (const body of [null, [], "talent-to-jobs", 7, true]) assert.equal(fieldOf(body), null);
});

Deno.test("type is required and must be one of the two routes", () => {
  assert.equal(fieldOf({ talent_id: TALENT }), "type");
  assert.equal(fieldOf({ type: "talents-to-jobs", talent_id: TALENT }), "type");
  assert.equal(fieldOf({ type: null, talent_id: TALENT }), "type");
  assert.equal(fieldOf({ type: ["talent-to-jobs"], talent_id: TALENT }), "type");
});

Deno.test("the route's id is required and must be a UUID", () => {
  assert.equal(fieldOf({ type: "talent-to-jobs" }), "talent_id");
  assert.equal(fieldOf({ type: "job-to-talents" }), "job_id");
  for (const bad of ["", "not-a-uuid", TALENT + "0", TALENT.replaceAll("-", ""), 12, null]) {
    assert.equal(fieldOf({ type: "talent-to-jobs", talent_id: bad }), "talent_id");
    assert.equal(fieldOf({ type: "job-to-talents", job_id: bad }), "job_id");
  }
});

Deno.test("unknown fields are rejected by name, including the other route's id", () => {
  assert.equal(fieldOf({ type: "talent-to-jobs", talent_id: TALENT, job_id: JOB }), "job_id");
  assert.equal(fieldOf({ type: "job-to-talents", job_id: JOB, talent_id: TALENT }), "talent_id");
  assert.equal(fieldOf({ type: "talent-to-jobs", talent_id: TALENT, page: 2 }), "page");
  assert.equal(
    fieldOf(JSON.parse(`{"type": "talent-to-jobs", "talent_id": "${TALENT}", "__proto__": {}}`)),
    "__proto__",
  );
});

Deno.test("limit must be an integer from 1 to 100", () => {
  for (const bad of [0, -1, 101, 1.5, "10", true, null, Number.NaN]) {
    assert.equal(fieldOf({ type: "talent-to-jobs", talent_id: TALENT, limit: bad }), "limit");
  }
  for (const good of [1, 55, 100]) {
    const result = validateMatchRequest({ type: "talent-to-jobs", talent_id: TALENT, limit: good });
    assert.ok(result.ok && result.value.limit === good);
  }
});

Deno.test("min_score must be a number from 0 to 100", () => {
  for (const bad of [-0.01, 100.5, "50", false, null, Number.POSITIVE_INFINITY]) {
    assert.equal(
      fieldOf({ type: "job-to-talents", job_id: JOB, min_score: bad }),
      "min_score",
    );
  }
  for (const good of [0, 0.5, 100]) {
    const result = validateMatchRequest({ type: "job-to-talents", job_id: JOB, min_score: good });
    assert.ok(result.ok && result.value.minScore === good);
  }
});

Deno.test("the upstream body uses the service's field names and no type", () => {
  const request = { type: "job-to-talents" as const, subjectId: JOB, limit: 5, minScore: 10 };
  assert.deepEqual(upstreamBody(request), { job_id: JOB, limit: 5, min_score: 10 });
  assert.equal(upstreamPath("talent-to-jobs"), "/api/v1/match/talent-to-jobs");
  assert.equal(upstreamPath("job-to-talents"), "/api/v1/match/job-to-talents");
});

Deno.test("filters, cursor and view are kept as sent, in the route's fixed key order", () => {
  const result = validateMatchRequest({
    type: "job-to-talents",
    job_id: JOB,
    view: "compact",
    cursor: "eyJ2IjoxfQ.AAAAAAAAAAAAAAAA",
    filters: { min_years: 3, skills: ["Python"], remote: ["any"], salary_max: 90000 },
  });
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value.filters ?? {}), [
    "remote",
    "salary_max",
    "skills",
    "min_years",
  ]);
  assert.equal(result.value.view, "compact");
  assert.deepEqual(upstreamBody(result.value), {
    job_id: JOB,
    limit: 10,
    min_score: 0,
    filters: { remote: ["any"], salary_max: 90000, skills: ["Python"], min_years: 3 },
    cursor: "eyJ2IjoxfQ.AAAAAAAAAAAAAAAA",
    view: "compact",
  });
});

Deno.test("bad filters, cursors and views are rejected naming the field", () => {
  const t2j = (extra: Record<string, unknown>) => ({
    type: "talent-to-jobs",
    talent_id: TALENT,
    ...extra,
  });
  const j2t = (extra: Record<string, unknown>) => ({
    type: "job-to-talents",
    job_id: JOB,
    ...extra,
  });
  const cases: [unknown, string][] = [
    [t2j({ filters: [] }), "filters"],
    [t2j({ filters: { radius_km: -1 } }), "filters.radius_km"],
    [t2j({ filters: { radius_km: 0 } }), "filters.radius_km"],
    [t2j({ filters: { radius_km: "5" } }), "filters.radius_km"],
    [t2j({ filters: { salary_min: 10_000_001 } }), "filters.salary_min"],
    [t2j({ filters: { salary_min: 1.5 } }), "filters.salary_min"],
    [t2j({ filters: { salary_max: 1 } }), "filters.salary_max"],
    [t2j({ filters: { min_years: 1 } }), "filters.min_years"],
    [t2j({ filters: { remote: [] } }), "filters.remote"],
    [t2j({ filters: { remote: ["any"] } }), "filters.remote.0"],
    [t2j({ filters: { seniority: ["mid", "guru"] } }), "filters.seniority.1"],
    [t2j({ filters: { skills: "Python" } }), "filters.skills"],
    [t2j({ filters: { skills: ["Python", " "] } }), "filters.skills.1"],
    [t2j({ filters: { skills: Array(21).fill("Go") } }), "filters.skills"],
    [j2t({ filters: { salary_min: 1 } }), "filters.salary_min"],
    [j2t({ filters: { min_years: 71 } }), "filters.min_years"],
    [t2j({ cursor: "not a cursor" }), "cursor"],
    [t2j({ cursor: 7 }), "cursor"],
    [t2j({ view: "tiny" }), "view"],
  ];
  for (const [body, field] of cases) assert.equal(fieldOf(body), field, JSON.stringify(body));
});
