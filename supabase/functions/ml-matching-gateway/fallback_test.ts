import assert from "node:assert/strict";
import {
  authorize,
  BASE_SCORE,
  CATEGORY_SCALE,
  contributions,
  type JobRow,
  pairFeatures,
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
  assert.equal(Math.round(25 + positive), 100);
  assert.equal(Math.round(25 + negative), 0);
  assert.deepEqual(
    Object.fromEntries(Object.entries(CATEGORY_SCALE).map(([k, v]) => [k, Math.round(v * 10)])),
    { skills: 225, experience: 125, location: 75, salary: 75, culture: 0 },
  );
});

Deno.test("a hand-computed pair scores exactly 68.5 with the expected sub-scores", () => {
  // Talent {Python, SQL}, job requires {Python, Kubernetes}: Jaccard 1/3, coverage 1/2; same
  // seniority, 5 years for a 3-year minimum; same place, both hybrid; salaries 60-80k vs
  // 65-85k overlap 15k of 25k = 0.6.
  const pair = scorePair(talentRow(), jobRow());
  assert.ok(Math.abs(pair.score - 68.5) < 1e-9, String(pair.score));
  assert.deepEqual(pair.explanation.sub_scores, {
    skills: 43.3,
    experience: 100,
    location: 100,
    salary: 60,
    culture: 50,
  });
  // Contributions: level +6.25, years +6.25, remote +4.5, distance +3, salary +1.5,
  // coverage 0, Jaccard -3; the top three by size, in the service's registry order on ties.
  assert.deepEqual(pair.explanation.top_factors, [
    {
      factor: "experience_level_distance",
      category: "experience",
      impact: 6.25,
      description: "Seniority matches: mid",
    },
    {
      factor: "underqualified_years",
      category: "experience",
      impact: 6.25,
      description: "Meets the 3-year experience minimum (5 years)",
    },
    {
      factor: "remote_compatibility",
      category: "location",
      impact: 4.5,
      description: "Prefers hybrid work; the job is hybrid",
    },
  ]);
  assert.equal(
    pair.explanation.summary,
    "Good match (69/100); seniority matches: mid helps most.",
  );
  const byName = Object.fromEntries(
    RULES.map((r, i) => [r.feature, contributions(pairFeatures(talentRow(), jobRow()))[i]]),
  );
  assert.ok(Math.abs(byName.required_skill_coverage) < 1e-9, "coverage 0.5 is neutral");
  assert.ok(byName.remote_compatibility > 0 && byName.distance_km > 0);
});

Deno.test("a perfect pair scores 100 and the worst pair 0", () => {
  const both = skills([[1, "Python", true], [2, "SQL", true]]);
  const perfect = scorePair(
    talentRow({ skills: both, remotePreference: "any", salaryMin: 70_000, salaryMax: 90_000 }),
    jobRow({ skills: both, salaryMin: 70_000, salaryMax: 90_000 }),
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
    }),
    jobRow({
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
  assert.ok(descriptions.includes("Covers 0 of 2 required skills (missing: Kubernetes, Python)"));
});

Deno.test("sentences use the raw inputs: salaries, distance, years short", () => {
  const pair = scorePair(
    talentRow({
      skills: skills([[1, "Python"]]),
      yearsExperience: 0.5,
      salaryMin: 70_000,
      salaryMax: 90_000,
    }),
    jobRow({ remotePolicy: "onsite", latitude: 48.14, longitude: 11.58, salaryMin: 70_000 }),
  );
  const [level, salary, distance] = pair.explanation.top_factors;
  assert.deepEqual(salary, {
    factor: "salary_iou",
    category: "salary",
    impact: 3.75,
    description: "Salary ranges overlap 75%: asks 70,000-90,000, offers 70,000-85,000 USD",
  });
  assert.equal(level.description, "Seniority matches: mid");
  assert.equal(distance.factor, "distance_km");
  assert.match(distance.description, /^50\d km from the job location$/);
  const short = scorePair(talentRow({ yearsExperience: 0.3 }), jobRow({ minYears: 4.5 }));
  const years = short.explanation.top_factors.find((f) => f.factor === "underqualified_years");
  assert.equal(years?.description, "4.2 years short of the 4.5-year minimum");
  const senior = scorePair(talentRow({ seniority: "lead" }), jobRow({ seniority: "junior" }));
  assert.ok(
    senior.explanation.top_factors.some((f) =>
      f.description === "Seniority lead for a junior role (3 levels above)"
    ),
  );
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
  const job = jobRow();
  const good = talentRow({ skills: skills([[1, "Python"], [3, "Kubernetes"]]) });
  const poor = talentRow({ skills: skills([[7, "Excel"]]), seniority: "intern" });
  const matches = rank(
    { type: "job-to-talents", subjectId: job.id, limit: 10, minScore: 0 },
    job,
    [poor, good],
  );
  assert.deepEqual(matches.map((m) => m.id), [good.id, poor.id]);
  assert.equal(matches[0].explanation.top_factors[0].factor, "required_skill_coverage");
  assert.equal(
    matches[0].explanation.top_factors[0].description,
    "Covers all 2 required skills",
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
