import assert from "node:assert/strict";
import {
  authorize,
  BASE_SCORE,
  CATEGORY_SCALE,
  contributions,
  describe,
  EMBEDDING_DIM,
  type JobRow,
  pairFeatures,
  pairView,
  rank,
  REMOTE_POLICIES,
  REMOTE_PREFERENCES,
  RULES,
  score,
  scorePair,
  SENIORITY_LEVELS,
  type TalentRow,
} from "./fallback.ts";
import { jobRow, mlResponse, skills, talentRow } from "./testing.ts";
import type { MatchRequest } from "./types.ts";

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)];
}

function maybe<T>(r: () => number, value: T): T | null {
  return r() < 0.2 ? null : value;
}

/** A unit vector at cosine `c` to `unit(1)` (first axis): float32, as the service stores. */
function unit(c: number, other = 1): Float32Array {
  const v = new Float32Array(EMBEDDING_DIM);
  v[0] = c;
  v[other] = Math.sqrt(1 - c * c);
  return v;
}

const CODES = ["15-1252.00", "15-1252.01", "15-1253.00", "15-2011.00", "29-1141.00", "15"];

function randomEmbedding(r: () => number): Float32Array | null {
  if (r() < 0.2) return null;
  const v = Float32Array.from({ length: EMBEDDING_DIM }, () => r() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function randomSkills(r: () => number, job: boolean) {
  const n = Math.floor(r() * 6);
  return skills(
    Array.from({ length: n }, () => {
      const id = 1 + Math.floor(r() * 8);
      return [id, `Skill${id}`, job ? r() < 0.6 : false] as [number, string, boolean];
    }),
  );
}

function randomTalent(r: () => number): TalentRow {
  const low = Math.floor(r() * 150_000);
  return talentRow({
    seniority: pick(r, SENIORITY_LEVELS),
    yearsExperience: Math.round(r() * 200) / 10,
    latitude: maybe(r, r() * 180 - 90),
    longitude: maybe(r, r() * 360 - 180),
    remotePreference: pick(r, REMOTE_PREFERENCES),
    salaryMin: maybe(r, low),
    salaryMax: maybe(r, low + Math.floor(r() * 50_000)),
    currency: pick(r, ["USD", "EUR"]),
    skills: randomSkills(r, false),
    occupationCode: maybe(r, pick(r, CODES)),
    embedding: randomEmbedding(r),
  });
}

function randomJob(r: () => number): JobRow {
  const low = Math.floor(r() * 150_000);
  return jobRow({
    seniority: pick(r, SENIORITY_LEVELS),
    minYears: Math.floor(r() * 10),
    latitude: maybe(r, r() * 180 - 90),
    longitude: maybe(r, r() * 360 - 180),
    remotePolicy: pick(r, REMOTE_POLICIES),
    salaryMin: maybe(r, low),
    salaryMax: maybe(r, low + Math.floor(r() * 50_000)),
    currency: pick(r, ["USD", "USD", "EUR"]),
    skills: randomSkills(r, true),
    occupationCode: maybe(r, pick(r, CODES)),
    embedding: randomEmbedding(r),
  });
}

/** Keys of every object level, so two responses can be compared by shape. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value === null) return "nullable";
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object).sort().map((k) => [
        k,
        k === "sub_scores" ? "record" : shape((value as Record<string, unknown>)[k]),
      ]),
    );
  }
  return typeof value;
}

Deno.test("the rule weights are the service's: a neutral pair scores 50, the range is 0-100", () => {
  assert.equal(BASE_SCORE, 50);
  const positive = RULES.filter((r) => r.weight > 0).reduce((s, r) => s + r.weight, 0);
  const negative = RULES.filter((r) => r.weight < 0).reduce((s, r) => s + r.weight, 0);
  // The experience rules subtract from their 12 points, so the constant is 12.
  assert.equal(Math.round(12 + positive), 100);
  assert.equal(Math.round(12 + negative), 0);
  assert.deepEqual(
    Object.fromEntries(RULES.map((r) => [r.feature, Math.round(r.weight * 10) / 10])),
    {
      shared_skills: 12,
      required_skill_coverage: 18,
      experience_level_distance: -6,
      underqualified_years: -6,
      occupation_match: 8,
      distance_km: 4.8,
      remote_compatibility: 7.2,
      salary_iou: 8,
      embedding_cosine: 30,
    },
  );
  // The text rule counts under "skills" but keeps its own category on the factor.
  const text = RULES.find((r) => r.feature === "embedding_cosine");
  assert.equal(text?.category, "text");
  assert.equal(text?.group, "skills");
  assert.deepEqual(
    Object.fromEntries(Object.entries(CATEGORY_SCALE).map(([k, v]) => [k, Math.round(v * 10)])),
    { skills: 300, experience: 100, location: 60, salary: 40, culture: 0 },
  );
});

Deno.test("a hand-computed pair scores exactly 75 with the expected sub-scores", () => {
  // Talent {Python, SQL}, job requires {Python, Kubernetes}: 1 shared skill (1/5 of the
  // overlap rule's full points), coverage 1/2; texts
  // at cosine 0.9375 (above 0.75: full marks); same seniority, 5 years for a 3-year minimum;
  // codes 15-1252.00 and 15-1253.00 share 3 of 5 levels; same place, both hybrid; salaries
  // 60-80k vs 65-85k overlap 15k of 25k = 0.6. Numbers from app/ml/fallback.py.
  const t = talentRow({ embedding: unit(1), occupationCode: "15-1252.00" });
  const j = jobRow({ embedding: unit(0.9375), occupationCode: "15-1253.00" });
  const pair = scorePair(t, j);
  assert.ok(Math.abs(pair.score - 75) < 1e-9, String(pair.score));
  assert.equal(pair.features.embedding_cosine, 0.9375);
  assert.equal(pair.features.occupation_match, 3);
  assert.deepEqual(pair.explanation.sub_scores, {
    skills: 69,
    experience: 84,
    location: 100,
    salary: 60,
    culture: 50,
  });
  // Contributions: text +15, shared skills -3.6, remote +3.6, level +3, years +3, distance
  // +2.4, occupation +0.8, salary +0.8, coverage 0; the top three by size, registry order on
  // ties.
  assert.deepEqual(pair.explanation.top_factors, [
    {
      factor: "embedding_cosine",
      category: "text",
      impact: 15,
      description: "Profile text is 94% similar to the job description",
    },
    {
      factor: "shared_skills",
      category: "skills",
      impact: -3.6,
      description: "Has only 1 of the 2 skills the job lists (Python)",
    },
    {
      factor: "remote_compatibility",
      category: "location",
      impact: 3.6,
      description: "Prefers hybrid work and the job is hybrid",
    },
  ]);
  assert.equal(
    pair.explanation.summary,
    "Strong match (75/100); profile text is 94% similar to the job description helps most.",
  );
  const byName = Object.fromEntries(
    RULES.map((r, i) => [r.feature, contributions(pairFeatures(t, j))[i]]),
  );
  assert.ok(Math.abs(byName.required_skill_coverage) < 1e-9, "coverage 0.5 is neutral");
  assert.ok(Math.abs(byName.occupation_match - 0.8) < 1e-9);
  assert.ok(byName.remote_compatibility > 0 && byName.distance_km > 0);
});

Deno.test("without texts the pair loses the text points; without codes occupation is neutral", () => {
  const pair = scorePair(talentRow(), jobRow());
  assert.ok(Math.abs(pair.score - 44.2) < 1e-9, String(pair.score));
  assert.deepEqual(pair.explanation.sub_scores, {
    skills: 19,
    experience: 80,
    location: 100,
    salary: 60,
    culture: 50,
  });
  assert.deepEqual(pair.explanation.top_factors[0], {
    factor: "embedding_cosine",
    category: "text",
    impact: -15,
    description: "No profile or job text to compare, which counts against it here",
  });
  assert.equal(
    pair.explanation.summary,
    "Fair match (44/100); no profile or job text to compare, which counts against it here weighs most against it.",
  );
  // One side's vector is not enough, and a zero or short vector is no vector.
  for (const embedding of [null, new Float32Array(EMBEDDING_DIM), new Float32Array([1, 0])]) {
    const half = scorePair(talentRow({ embedding: unit(1) }), jobRow({ embedding }));
    assert.equal(half.features.embedding_cosine, 0);
    assert.equal(half.score, pair.score);
  }
});

Deno.test("text goodness: cosine 0.15 -> 0, 0.75 -> 1, linear in between (the service's)", () => {
  // Scores of app/ml/fallback.py for the default pair at these cosines.
  const expected: [number, number][] = [
    [0.1, 44.2],
    [0.15, 44.20000029802322],
    [0.45, 59.19999940395355],
    [0.6, 66.70000119209288],
    [0.75, 74.2],
    [0.9, 74.2],
  ];
  for (const [cosine, score] of expected) {
    const pair = scorePair(talentRow({ embedding: unit(1) }), jobRow({ embedding: unit(cosine) }));
    assert.ok(Math.abs(pair.score - score) < 1e-9, `${cosine}: ${pair.score}`);
  }
  const opposite = pairFeatures(
    talentRow({ embedding: unit(1) }),
    jobRow({ embedding: unit(-0.5) }),
  );
  assert.equal(opposite.embedding_cosine, -0.5);
});

Deno.test("occupation: shared levels of the O*NET code, 0.5 when a code is unknown", () => {
  // Shared levels and scores of app/ml/fallback.py for the default pair.
  const cases: [string | null, string | null, number, number][] = [
    ["15-1252.00", "15-1252.00", 5, 48.2],
    ["15-1252.00", "15-1252.01", 4, 46.6],
    ["15-1252.00", "15-1253.00", 3, 45],
    ["15-1252.00", "15-2011.00", 1, 41.8],
    ["15-1252.00", "29-1141.00", 0, 40.2],
    ["15-1252.00", " 15-1252.00 ", 5, 48.2],
    ["15", "15-1252.00", 1, 41.8],
    [null, "15-1252.00", -1, 44.2],
    ["15-1252.00", "  ", -1, 44.2],
  ];
  for (const [talentCode, jobCode, levels, score] of cases) {
    const pair = scorePair(
      talentRow({ occupationCode: talentCode }),
      jobRow({ occupationCode: jobCode }),
    );
    assert.equal(pair.features.occupation_match, levels, `${talentCode} ${jobCode}`);
    assert.ok(Math.abs(pair.score - score) < 1e-9, `${talentCode} ${jobCode}: ${pair.score}`);
  }
});

Deno.test("a perfect pair scores 100 and the worst pair 0", () => {
  // Five shared skills earn the overlap rule its full points.
  const both = skills([
    [1, "Python", true],
    [2, "SQL", true],
    [3, "Docker", true],
    [4, "Go", false],
    [5, "AWS", false],
  ]);
  const same = { occupationCode: "15-1252.00", embedding: unit(1) };
  const perfect = scorePair(
    talentRow({
      skills: both,
      remotePreference: "any",
      salaryMin: 70_000,
      salaryMax: 90_000,
      ...same,
    }),
    jobRow({ skills: both, salaryMin: 70_000, salaryMax: 90_000, ...same }),
  );
  assert.equal(perfect.score, 100);
  assert.deepEqual(Object.values(perfect.explanation.sub_scores), [100, 100, 100, 100, 50]);
  assert.match(perfect.explanation.summary, /^Strong match \(100\/100\)/);

  const worst = scorePair(
    talentRow({
      seniority: "intern",
      yearsExperience: 0,
      skills: skills([[9, "Cobol"]]),
      remotePreference: "remote",
      latitude: -33.9,
      longitude: 151.2,
      salaryMin: 500_000,
      salaryMax: 600_000,
      occupationCode: "29-1141.00",
      embedding: unit(1),
    }),
    jobRow({
      occupationCode: "15-1252.00",
      embedding: unit(0, 2),
      seniority: "principal",
      minYears: 15,
      remotePolicy: "onsite",
      salaryMin: 10_000,
      salaryMax: 20_000,
    }),
  );
  assert.ok(worst.score < 0.5, String(worst.score));
  assert.match(worst.explanation.summary, /^Weak match/);
  const descriptions = worst.explanation.top_factors.map((f) => f.description);
  assert.ok(
    descriptions.includes("Covers none of the 2 required skills (missing: Kubernetes, Python)"),
  );
});

Deno.test("sentences use the raw inputs: salaries, distance, years short", () => {
  const t = talentRow({
    skills: skills([[1, "Python"]]),
    yearsExperience: 0.5,
    salaryMin: 70_000,
    salaryMax: 90_000,
  });
  const j = jobRow({
    remotePolicy: "onsite",
    latitude: 48.14,
    longitude: 11.58,
    salaryMin: 70_000,
  });
  const v = pairView(t, j);
  const f = pairFeatures(t, j);
  const say = (name: keyof typeof f, impact = 0) => describe(name, f[name], v, impact);
  assert.equal(
    say("salary_iou"),
    "Salary ranges overlap 75%: asks 70,000-90,000, offers 70,000-85,000 USD",
  );
  assert.equal(say("experience_level_distance"), "Seniority matches: mid");
  assert.match(say("distance_km"), /^Within 50\d km of the job location$/);
  assert.match(say("distance_km", -2.37), /^50\d km away from the job location$/);
  assert.equal(say("underqualified_years"), "2.5 years short of the 3-year minimum");
  // Python's {:.0%} rounds exact halves to even: 12.5% -> 12%, 37.5% -> 38%.
  assert.match(describe("salary_iou", 0.125, v, 0), /^Salary ranges overlap 12%/);
  assert.match(describe("salary_iou", 0.375, v, 0), /^Salary ranges overlap 38%/);
  assert.match(describe("salary_iou", 0.375, v, -1), /^Salary ranges overlap only 38%/);
  const pair = scorePair(t, j);
  assert.deepEqual(pair.explanation.top_factors.map((x) => [x.factor, x.impact]), [
    ["embedding_cosine", -15],
    ["shared_skills", -3.6], // one shared skill: a fifth of the overlap rule's full points
    ["experience_level_distance", 3],
  ]);
  const shortT = talentRow({ yearsExperience: 0.3 });
  const shortJ = jobRow({ minYears: 4.5 });
  const shortF = pairFeatures(shortT, shortJ);
  assert.equal(
    describe("underqualified_years", shortF.underqualified_years, pairView(shortT, shortJ), -1),
    "4.2 years short of the 4.5-year minimum",
  );
  const seniorT = talentRow({ seniority: "lead" });
  const seniorJ = jobRow({ seniority: "junior" });
  const gap = pairFeatures(seniorT, seniorJ).experience_level_distance;
  assert.equal(
    describe("experience_level_distance", gap, pairView(seniorT, seniorJ), -3),
    "Seniority lead for a junior role (3 levels above)",
  );
});

Deno.test("occupation and text sentences are the service's", () => {
  const occupation = (code: string | null, levels: number, impact = 0) =>
    describe(
      "occupation_match",
      levels,
      pairView(talentRow({ occupationCode: code }), jobRow({ occupationCode: "15-1252.00" })),
      impact,
    );
  assert.equal(occupation(null, -1), "Occupation unknown for the talent or the job");
  assert.equal(occupation("29-1141.00", 0), "Works in a different occupation field than the job");
  assert.equal(occupation("15-2011.00", 1), "Same major occupation group as the job");
  assert.equal(occupation("15-1299.00", 2), "Same minor occupation group as the job");
  assert.equal(occupation("15-1253.00", 3), "Same broad occupation as the job");
  assert.equal(occupation("15-1252.01", 4), "Same detailed occupation as the job");
  assert.equal(occupation("15-1252.00", 5), "Same occupation as the job");
  // The sign and the words agree: a negative impact never reads like a plus.
  assert.equal(
    occupation("15-2011.00", 1, -5.3),
    "Only the same major occupation group as the job (not the same occupation)",
  );
  assert.equal(
    occupation(null, -1, 2),
    "Occupation unknown for the talent or the job, which counts in its favour here",
  );

  const text = (t: Float32Array | null, j: Float32Array | null) => {
    const talent = talentRow({ embedding: t });
    const job = jobRow({ embedding: j });
    return describe(
      "embedding_cosine",
      pairFeatures(talent, job).embedding_cosine,
      pairView(talent, job),
      0,
    );
  };
  assert.equal(text(unit(1), unit(0.9375)), "Profile text is 94% similar to the job description");
  assert.equal(text(unit(1), unit(-0.3)), "Profile text is 0% similar to the job description");
  assert.equal(text(null, unit(1)), "No profile or job text to compare");
  assert.equal(text(unit(1), new Float32Array(EMBEDDING_DIM)), "No profile or job text to compare");
});

Deno.test("unknown inputs are neutral: no location, no salary, other currency", () => {
  const t = talentRow({ latitude: null, salaryMin: null, salaryMax: null });
  const f = pairFeatures(t, jobRow());
  assert.equal(f.distance_km, -1);
  assert.equal(f.salary_iou, -1);
  const c = contributions(f);
  assert.equal(c[RULES.findIndex((r) => r.feature === "distance_km")], 0);
  assert.equal(c[RULES.findIndex((r) => r.feature === "salary_iou")], 0);
  assert.equal(pairFeatures(talentRow({ currency: "EUR" }), jobRow()).salary_iou, -1);
  assert.equal(f.occupation_match, -1);
  assert.equal(c[RULES.findIndex((r) => r.feature === "occupation_match")], 0);
  // A missing text is not neutral: its cosine is 0, the worst text goodness (the service's).
  assert.equal(f.embedding_cosine, 0);
  assert.equal(c[RULES.findIndex((r) => r.feature === "embedding_cosine")], -15);
  // One open end of a range is read as the single known value.
  assert.equal(pairFeatures(talentRow({ salaryMax: null }), jobRow()).salary_iou, 0);
  assert.equal(
    pairFeatures(talentRow({ salaryMin: 70_000, salaryMax: null }), jobRow()).salary_iou,
    0,
  );
  const point = pairFeatures(
    talentRow({ salaryMin: 70_000, salaryMax: 70_000 }),
    jobRow({ salaryMin: 70_000, salaryMax: null }),
  );
  assert.equal(point.salary_iou, 1);
});

Deno.test("random pairs: scores, sub-scores and factors keep their invariants", () => {
  const r = rng(7);
  for (let i = 0; i < 2000; i++) {
    const t = randomTalent(r);
    const j = randomJob(r);
    const pair = scorePair(t, j);
    assert.ok(pair.score >= 0 && pair.score <= 100, `score ${pair.score}`);
    assert.equal(pair.score, score(pair.features));
    const total = contributions(pair.features).reduce((s, c) => s + c, BASE_SCORE);
    assert.ok(Math.abs(Math.min(Math.max(total, 0), 100) - pair.score) < 1e-9);
    const subs = pair.explanation.sub_scores;
    assert.deepEqual(Object.keys(subs), ["skills", "experience", "location", "salary", "culture"]);
    for (const value of Object.values(subs)) assert.ok(value >= 0 && value <= 100);
    const { embedding_cosine: cosine, occupation_match: levels } = pair.features;
    assert.ok(cosine >= -1 - 1e-6 && cosine <= 1 + 1e-6, `cosine ${cosine}`);
    if (t.embedding === null || j.embedding === null) assert.equal(cosine, 0);
    assert.ok([-1, 0, 1, 2, 3, 4, 5].includes(levels), `levels ${levels}`);
    assert.equal(levels === -1, t.occupationCode === null || j.occupationCode === null);
    const factors = pair.explanation.top_factors;
    assert.equal(factors.length, 3);
    for (let k = 1; k < factors.length; k++) {
      assert.ok(Math.abs(factors[k - 1].impact) >= Math.abs(factors[k].impact) - 0.01);
    }
    for (const f of factors) assert.ok(f.description.length > 0 && !f.description.includes("NaN"));
  }
});

Deno.test("rank sorts best first, honours min_score and limit, and has the ML shape", () => {
  const r = rng(11);
  const subject = randomTalent(r);
  const jobs = Array.from({ length: 200 }, () => randomJob(r));
  const request: MatchRequest = {
    type: "talent-to-jobs",
    subjectId: subject.id,
    limit: 25,
    minScore: 40,
  };
  const matches = rank(request, subject, jobs);
  assert.ok(matches.length > 0 && matches.length <= 25);
  for (let i = 1; i < matches.length; i++) assert.ok(matches[i - 1].score >= matches[i].score);
  for (const m of matches) {
    assert.ok(m.score >= 40 && m.score <= 100);
    assert.equal(m.source, "fallback");
    assert.equal(m.model_version, null);
    assert.ok(jobs.some((j) => j.id === m.id));
  }
  const all = rank({ ...request, limit: 100, minScore: 0 }, subject, jobs);
  assert.equal(all.length, 100);
  assert.equal(all.filter((m) => m.score >= 40).slice(0, 25).length, matches.length);
  assert.equal(rank({ ...request, minScore: 100.0 }, subject, jobs).length, 0);

  const reference = mlResponse().matches[0];
  const { id: _id, ...refRest } = reference;
  const { id: _mid, ...mRest } = matches[0];
  assert.deepEqual(
    shape({ ...mRest, model_version: null }),
    shape({ ...refRest, model_version: null }),
  );
});

Deno.test("job-to-talents scores each talent against the job", () => {
  const job = jobRow({ embedding: unit(1) });
  const good = talentRow({
    skills: skills([[1, "Python"], [3, "Kubernetes"]]),
    embedding: unit(0.8),
  });
  const poor = talentRow({ skills: skills([[7, "Excel"]]), seniority: "intern" });
  const matches = rank(
    { type: "job-to-talents", subjectId: job.id, limit: 10, minScore: 0 },
    job,
    [poor, good],
  );
  assert.deepEqual(matches.map((m) => m.id), [good.id, poor.id]);
  const [text, coverage] = matches[0].explanation.top_factors;
  assert.equal(text.description, "Profile text is 80% similar to the job description");
  assert.equal(coverage.factor, "required_skill_coverage");
  assert.equal(coverage.description, "Covers all 2 required skills");
  assert.equal(
    matches[1].explanation.top_factors[0].description,
    "No profile or job text to compare, which counts against it here",
  );
});

Deno.test("results carry the service's labels: title and subtitle", () => {
  const talent = talentRow({ yearsExperience: 1, locationName: null });
  const job = jobRow({ remotePolicy: "remote" });
  const [forTalent] = rank(
    { type: "talent-to-jobs", subjectId: talent.id, limit: 1, minScore: 0 },
    talent,
    [job],
  );
  assert.equal(forTalent.title, "Data Engineer");
  assert.equal(forTalent.subtitle, "Acme · Berlin · remote");
  const [forJob] = rank(
    { type: "job-to-talents", subjectId: job.id, limit: 1, minScore: 0 },
    job,
    [talent],
  );
  assert.equal(forJob.title, "Ada Lovelace");
  assert.equal(forJob.subtitle, "Backend developer · 1 year");
  const [unlabelled] = rank(
    { type: "job-to-talents", subjectId: job.id, limit: 1, minScore: 0 },
    job,
    [talentRow({ yearsExperience: 6.5, headline: "", fullName: null })],
  );
  assert.equal(unlabelled.title, null);
  assert.equal(unlabelled.subtitle, "Berlin · 6.5 years");
});

Deno.test("ownership: talents only themselves, companies only their jobs, admins anything", () => {
  const me = "11111111-1111-4111-8111-111111111111";
  const other = "22222222-2222-4222-8222-222222222222";
  const owned = { found: true, ownerUserId: me };
  const notMine = { found: true, ownerUserId: other };
  const missing = { found: false, ownerUserId: null };
  const unowned = { found: true, ownerUserId: null };
  const talent = { sub: me, role: "talent" as const };
  const company = { sub: me, role: "company" as const };
  const admin = { sub: me, role: "admin" as const };
  const nobody = { sub: me, role: null };

  assert.deepEqual(authorize(talent, "talent-to-jobs", owned), { allowed: true });
  assert.equal(
    authorize(talent, "talent-to-jobs", { ...owned, ownerUserId: me.toUpperCase() })
      .allowed,
    true,
  );
  for (const owner of [notMine, missing, unowned]) {
    const d = authorize(talent, "talent-to-jobs", owner);
    assert.ok(!d.allowed && d.status === 403, "no probing: unknown ids are 403 too");
  }
  assert.deepEqual(authorize(company, "job-to-talents", owned), { allowed: true });
  assert.ok(!authorize(company, "job-to-talents", notMine).allowed);
  // Wrong role for the route, even on one's own row.
  const wrong = authorize(company, "talent-to-jobs", owned);
  assert.ok(!wrong.allowed && wrong.status === 403);
  assert.ok(!authorize(talent, "job-to-talents", owned).allowed);
  assert.ok(!authorize(nobody, "talent-to-jobs", owned).allowed);
  // Admins: anything that exists; 404 for what does not.
  assert.deepEqual(authorize(admin, "talent-to-jobs", notMine), { allowed: true });
  assert.deepEqual(authorize(admin, "job-to-talents", unowned), { allowed: true });
  const gone = authorize(admin, "job-to-talents", missing);
  assert.ok(!gone.allowed && gone.status === 404);
});
