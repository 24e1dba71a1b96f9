/**
 * db.ts against the REAL Postgres (TEST_DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/test): a scratch schema with the columns the queries
 * use (types as in the service's migration), a few rows, the real queries, the fallback end
 * to end through the handler, then the schema is dropped. Never skipped: no database, no pass.
 * Text vectors are written as the service writes them (little-endian float32 bytes, one row
 * per owner and model id), some under another model id that must not be read.
 */

import assert from "node:assert/strict";
import { connect, decodeVector, PostgresDataSource } from "./db.ts";
import { EMBEDDING_DIM } from "./fallback.ts";
import { createHandler } from "./handler.ts";
import { closedPort, mintToken, testConfig } from "./testing.ts";
import type { MatchResponse } from "./types.ts";

const URL = Deno.env.get("TEST_DATABASE_URL") ?? "postgresql://postgres@127.0.0.1:5432/test";

const SCHEMA_SQL = `
CREATE TABLE companies (id uuid PRIMARY KEY, owner_user_id uuid, name varchar(200) NOT NULL);
CREATE TABLE skills (id serial PRIMARY KEY, name varchar(120) NOT NULL UNIQUE);
CREATE TABLE talents (
  id uuid PRIMARY KEY, owner_user_id uuid UNIQUE, seniority varchar(20) NOT NULL,
  years_experience double precision NOT NULL, latitude double precision,
  longitude double precision, remote_preference varchar(10) NOT NULL,
  salary_min integer, salary_max integer, currency varchar(3) NOT NULL,
  occupation_code varchar(12),
  full_name varchar(200) NOT NULL DEFAULT 'Someone', headline varchar(200) NOT NULL DEFAULT '',
  location_name varchar(120));
CREATE TABLE jobs (
  id uuid PRIMARY KEY, company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
  status varchar(10) NOT NULL, seniority varchar(20) NOT NULL,
  min_years double precision NOT NULL, latitude double precision, longitude double precision,
  remote_policy varchar(10) NOT NULL, salary_min integer, salary_max integer,
  currency varchar(3) NOT NULL, title varchar(200) NOT NULL DEFAULT 'A job',
  location_name varchar(120), occupation_code varchar(12));
CREATE TABLE talent_skills (
  talent_id uuid REFERENCES talents(id) ON DELETE CASCADE, skill_id integer REFERENCES skills(id),
  proficiency integer NOT NULL, years double precision NOT NULL,
  PRIMARY KEY (talent_id, skill_id));
CREATE TABLE job_skills (
  job_id uuid REFERENCES jobs(id) ON DELETE CASCADE, skill_id integer REFERENCES skills(id),
  required boolean NOT NULL, min_proficiency integer NOT NULL,
  PRIMARY KEY (job_id, skill_id));
CREATE TABLE embeddings (
  id serial PRIMARY KEY, owner_kind varchar(10) NOT NULL, owner_id uuid NOT NULL,
  content_hash varchar(64) NOT NULL, model_id varchar(64) NOT NULL, dim integer NOT NULL,
  vector bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_embedding_owner_model UNIQUE (owner_kind, owner_id, model_id));
`;

const MODEL = "all-MiniLM-L6-v2";

/** A unit vector at cosine `c` to the first axis, as the hex of its float32 LE bytes. */
function vectorHex(c: number): string {
  const bytes = new Uint8Array(EMBEDDING_DIM * 4);
  const view = new DataView(bytes.buffer);
  view.setFloat32(0, c, true);
  view.setFloat32(4, Math.sqrt(1 - c * c), true);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const id = () => crypto.randomUUID();

Deno.test("db.ts queries and the fallback against a real Postgres", async (t) => {
  const schema = `gw_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = connect(URL, { max: 1 });
  const queries: string[] = [];
  const sql = connect(URL, {
    max: 2,
    connection: { search_path: schema },
    debug: (_connection, query) => queries.push(query),
  });
  const data = new PostgresDataSource(sql);
  const users = { talent: id(), other: id(), company: id() };
  const rows = {
    companyA: id(),
    companyB: id(),
    talentA: id(),
    talentB: id(),
    talentC: id(),
    jobPy: id(),
    jobGo: id(),
    jobNone: id(),
    jobClosed: id(),
  };
  try {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    await sql.unsafe(SCHEMA_SQL);
    await sql`INSERT INTO skills (id, name) VALUES (1, 'Python'), (2, 'SQL'), (3, 'Go'),
                                                   (4, 'Kubernetes')`;
    await sql`INSERT INTO companies (id, owner_user_id, name) VALUES
      (${rows.companyA}, ${users.company}, 'A'), (${rows.companyB}, NULL, 'B')`;
    await sql`INSERT INTO talents (id, owner_user_id, seniority, years_experience, latitude,
      longitude, remote_preference, salary_min, salary_max, currency) VALUES
      (${rows.talentA}, ${users.talent}, 'senior', 6.5, 52.52, 13.4, 'hybrid', 60000, 80000,
       'USD'),
      (${rows.talentB}, ${users.other}, 'junior', 1, NULL, NULL, 'remote', NULL, NULL, 'EUR'),
      (${rows.talentC}, NULL, 'mid', 4, 48.14, 11.58, 'any', 50000, NULL, 'USD')`;
    await sql`INSERT INTO talent_skills VALUES
      (${rows.talentA}, 1, 4, 5), (${rows.talentA}, 2, 3, 3),
      (${rows.talentB}, 3, 2, 1),
      (${rows.talentC}, 1, 3, 2), (${rows.talentC}, 4, 2, 1)`;
    await sql`INSERT INTO jobs (id, company_id, status, seniority, min_years, latitude, longitude,
      remote_policy, salary_min, salary_max, currency) VALUES
      (${rows.jobPy}, ${rows.companyA}, 'open', 'senior', 5, 52.52, 13.4, 'hybrid', 65000,
       85000, 'USD'),
      (${rows.jobGo}, ${rows.companyB}, 'open', 'mid', 2, NULL, NULL, 'remote', NULL, NULL,
       'EUR'),
      (${rows.jobNone}, ${rows.companyB}, 'open', 'junior', 0, 40.7, -74.0, 'onsite', 30000,
       40000, 'USD'),
      (${rows.jobClosed}, ${rows.companyA}, 'closed', 'senior', 5, 52.52, 13.4, 'hybrid',
       65000, 85000, 'USD')`;
    await sql`INSERT INTO job_skills VALUES
      (${rows.jobPy}, 1, true, 3), (${rows.jobPy}, 2, true, 2), (${rows.jobPy}, 4, false, 2),
      (${rows.jobGo}, 3, true, 3),
      (${rows.jobClosed}, 1, true, 3), (${rows.jobClosed}, 2, true, 3)`;

    await sql`UPDATE jobs SET title = 'Senior Python engineer', location_name = 'Berlin',
                              occupation_code = '15-1253.00'
               WHERE id = ${rows.jobPy}`;
    await sql`UPDATE talents SET occupation_code = '15-1252.00' WHERE id = ${rows.talentA}`;
    await sql`INSERT INTO embeddings (owner_kind, owner_id, content_hash, model_id, dim, vector)
      VALUES
      ('talent', ${rows.talentA}, 'a', ${MODEL}, 384, decode(${vectorHex(1)}, 'hex')),
      ('talent', ${rows.talentA}, 'a', 'other-model', 384, decode(${vectorHex(-1)}, 'hex')),
      ('talent', ${rows.talentC}, 'c', ${MODEL}, 2, decode('0000803f00000000', 'hex')),
      ('job', ${rows.jobPy}, 'p', ${MODEL}, 384, decode(${vectorHex(0.9375)}, 'hex')),
      ('job', ${rows.jobGo}, 'g', 'other-model', 384, decode(${vectorHex(0.5)}, 'hex'))`;
    await sql`UPDATE talents SET full_name = 'Ada', headline = 'Backend developer'
               WHERE id = ${rows.talentA}`;

    await t.step("talent(): the row, its skills and its owner", async () => {
      const talent = await data.talent(rows.talentA.toUpperCase());
      assert.ok(talent);
      assert.equal(talent.id, rows.talentA);
      assert.equal(talent.ownerUserId, users.talent);
      assert.equal(talent.yearsExperience, 6.5);
      assert.equal(typeof talent.latitude, "number");
      assert.equal(typeof talent.salaryMin, "number");
      assert.deepEqual(talent.skills, [
        { id: 1, name: "Python", required: false },
        { id: 2, name: "SQL", required: false },
      ]);
      assert.equal(talent.occupationCode, "15-1252.00");
      assert.equal(talent.embedding?.length, EMBEDDING_DIM);
      assert.equal(talent.embedding?.[0], 1, "this model's vector, not other-model's");
      const b = await data.talent(rows.talentB);
      assert.equal(b?.occupationCode, null);
      assert.equal(b?.embedding, null);
      assert.equal(b?.latitude, null);
      assert.equal(b?.salaryMax, null);
      assert.equal(await data.talent(id()), null);
    });

    await t.step("job(): the company's owner, closed jobs too, required flags", async () => {
      const job = await data.job(rows.jobPy);
      assert.ok(job);
      assert.equal(job.ownerUserId, users.company);
      assert.equal(job.minYears, 5);
      assert.deepEqual(job.skills.map((s) => [s.name, s.required]), [
        ["Python", true],
        ["SQL", true],
        ["Kubernetes", false],
      ]);
      assert.equal((await data.job(rows.jobClosed))?.status, "closed");
      assert.equal((await data.job(rows.jobNone))?.skills.length, 0);
      assert.equal(job.occupationCode, "15-1253.00");
      assert.equal(job.embedding?.[0], 0.9375);
      const go = await data.job(rows.jobGo);
      assert.equal(go?.ownerUserId, null);
      assert.equal(go?.embedding, null, "only another model's vector is stored");
      assert.equal(await data.job(id()), null);
    });

    await t.step("candidateJobs(): open jobs only, most shared skills first, capped", async () => {
      const jobs = await data.candidateJobs(rows.talentA, 10);
      assert.equal(jobs.length, 3);
      assert.ok(jobs.every((j) => j.status === "open"));
      assert.equal(jobs[0].id, rows.jobPy, "shares two skills");
      assert.ok(!jobs.some((j) => j.id === rows.jobClosed));
      assert.equal(jobs[0].embedding?.[0], 0.9375);
      assert.equal(jobs[0].occupationCode, "15-1253.00");
      assert.ok(jobs.slice(1).every((j) => j.embedding === null && j.occupationCode === null));
      const capped = await data.candidateJobs(rows.talentA, 1);
      assert.deepEqual(capped.map((j) => j.id), [rows.jobPy]);
      const other = new PostgresDataSource(sql, "other-model");
      const go = (await other.candidateJobs(rows.talentA, 10)).find((j) => j.id === rows.jobGo);
      assert.equal(go?.embedding?.[0], 0.5, "EMBEDDING_MODEL_ID chooses the vectors");
    });

    await t.step("candidateTalents(): most shared skills first, capped", async () => {
      const talents = await data.candidateTalents(rows.jobPy, 10);
      assert.equal(talents.length, 3);
      // A (Python, SQL) and C (Python, Kubernetes) share two skills each, B none.
      assert.deepEqual(
        new Set(talents.slice(0, 2).map((x) => x.id)),
        new Set([rows.talentA, rows.talentC]),
      );
      assert.equal(talents[2].id, rows.talentB);
      const c = talents.find((x) => x.id === rows.talentC);
      assert.equal(c?.salaryMax, null);
      assert.equal(c?.embedding, null, "a vector of the wrong length is no vector");
      assert.equal(talents.find((x) => x.id === rows.talentA)?.embedding?.[0], 1);
      assert.deepEqual((await data.candidateTalents(rows.jobGo, 1)).map((x) => x.id), [
        rows.talentB,
      ]);
    });

    await t.step("the fallback end to end: two queries, open jobs, the ML shape", async () => {
      const port = await closedPort();
      const handler = createHandler({
        config: testConfig({ mlServiceUrl: `http://127.0.0.1:${port}` }),
        data,
        log: () => {},
      });
      const token = await mintToken({ sub: users.talent, role: "talent" });
      queries.length = 0;
      const res = await handler(
        new Request("http://gateway.test/", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "talent-to-jobs", talent_id: rows.talentA, limit: 2 }),
        }),
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-match-source"), "fallback");
      const body: MatchResponse = await res.json();
      assert.equal(queries.length, 2, "one query for the subject, one for the candidates");
      assert.deepEqual(Object.keys(body).sort(), [
        "inferred",
        "matches",
        "model_version",
        "next_cursor",
        "processing_time_ms",
      ]);
      assert.equal(body.matches.length, 2);
      assert.equal(body.matches[0].id, rows.jobPy);
      assert.equal(body.matches[0].title, "Senior Python engineer");
      assert.equal(body.matches[0].subtitle, "A · Berlin · hybrid");
      assert.ok(body.matches[0].score > body.matches[1].score);
      for (const m of body.matches) {
        assert.notEqual(m.id, rows.jobClosed);
        assert.deepEqual(Object.keys(m).sort(), [
          "decision",
          "explanation",
          "id",
          "model_version",
          "score",
          "source",
          "subtitle",
          "title",
        ]);
      }
      const [text, coverage] = body.matches[0].explanation?.top_factors ?? [];
      assert.deepEqual(text, {
        factor: "embedding_cosine",
        category: "text",
        impact: 15,
        description: "Profile text is 94% similar to the job description",
      });
      assert.equal(coverage.factor, "required_skill_coverage");
      assert.equal(coverage.description, "Covers all 2 required skills");
      assert.equal(coverage.impact, 9);

      queries.length = 0;
      const other = await handler(
        new Request("http://gateway.test/", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "talent-to-jobs", talent_id: rows.talentB }),
        }),
      );
      assert.equal(other.status, 403);
      await other.body?.cancel();
      assert.equal(queries.length, 1, "refused after the subject, before any candidate");

      const company = await mintToken({ sub: users.company, role: "company" });
      const own = await handler(
        new Request("http://gateway.test/", {
          method: "POST",
          headers: { authorization: `Bearer ${company}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "job-to-talents", job_id: rows.jobClosed }),
        }),
      );
      assert.equal(own.status, 200, "a company may rank talents for its own closed job");
      const talents: MatchResponse = await own.json();
      assert.equal(talents.matches[0].id, rows.talentA);
      assert.equal(talents.matches[0].title, "Ada");
      assert.equal(talents.matches[0].subtitle, "Backend developer · 6.5 years");
    });

    await t.step("decodeVector(): little-endian float32, exactly one vector", () => {
      const bytes = new Uint8Array(EMBEDDING_DIM * 4 + 4).subarray(4);
      new DataView(bytes.buffer, bytes.byteOffset).setFloat32(4, -0.25, true);
      const vector = decodeVector(bytes);
      assert.equal(vector?.[1], -0.25, "read from the view's offset");
      assert.equal(decodeVector(bytes.subarray(4)), null);
      assert.equal(decodeVector(null), null);
    });
  } finally {
    await sql.end({ timeout: 5 });
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end({ timeout: 5 });
  }
});
