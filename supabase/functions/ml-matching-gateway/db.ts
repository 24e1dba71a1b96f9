/**
 * The fallback's reads from the service's Postgres schema (`app/db/models.py`), with
 * `npm:postgres`. One query per side: the subject row (with its skills, and for a job its
 * company's owner, which the ownership check needs), then the candidates (open jobs, or
 * talents) with their skills, pre-ranked in SQL by how many skills they share with the
 * subject and capped at `limit` rows, so a big table never reaches the gateway.
 * Only the columns the rules use are read, plus the candidates' display labels (job title,
 * company, location; talent name, headline, location) that the service puts on its results.
 *
 * Text vectors come in the same query, joined from `embeddings` the way the service's
 * `load_embedding_matrix` reads them: the one row of (owner_kind, owner_id, model_id) for the
 * service's EMBEDDING_MODEL_ID (unique in the schema, so the join never adds rows), whatever
 * its content hash; `vector` is little-endian float32 bytes (`to_bytes`).
 */

import postgres from "postgres";
import { DEFAULT_EMBEDDING_MODEL_ID } from "./config.ts";
import {
  EMBEDDING_DIM,
  type JobRow,
  type MatchDataSource,
  type SkillEntry,
  type TalentRow,
} from "./fallback.ts";

export type Sql = postgres.Sql;

/** A client for `url`; prepared statements off, so it also works through a transaction pooler. */
export function connect(url: string, options: postgres.Options<Record<string, never>> = {}): Sql {
  return postgres(url, {
    max: 4,
    idle_timeout: 20,
    connect_timeout: 5,
    prepare: false,
    onnotice: () => {},
    connection: { application_name: "ml-matching-gateway" },
    ...options,
  });
}

interface RawTalent {
  id: string;
  owner_user_id: string | null;
  seniority: string;
  years_experience: number;
  latitude: number | null;
  longitude: number | null;
  remote_preference: string;
  salary_min: number | null;
  salary_max: number | null;
  currency: string | null;
  skills: { id: number; name: string }[];
  occupation_code: string | null;
  embedding: Uint8Array | null;
  full_name?: string | null;
  headline?: string | null;
  location_name?: string | null;
}

interface RawJob {
  id: string;
  owner_user_id: string | null;
  status: string;
  seniority: string;
  min_years: number;
  latitude: number | null;
  longitude: number | null;
  remote_policy: string;
  salary_min: number | null;
  salary_max: number | null;
  currency: string | null;
  skills: { id: number; name: string; required: boolean }[];
  occupation_code: string | null;
  embedding: Uint8Array | null;
  title?: string | null;
  company_name?: string | null;
  location_name?: string | null;
}

/** Stored bytes as float32 values; null when absent or not one vector of EMBEDDING_DIM. */
export function decodeVector(bytes: Uint8Array | null): Float32Array | null {
  if (bytes === null || bytes.byteLength !== EMBEDDING_DIM * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(EMBEDDING_DIM);
  for (let i = 0; i < EMBEDDING_DIM; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function talentRow(r: RawTalent): TalentRow {
  return {
    id: r.id,
    ownerUserId: r.owner_user_id,
    seniority: r.seniority,
    yearsExperience: Number(r.years_experience),
    latitude: r.latitude,
    longitude: r.longitude,
    remotePreference: r.remote_preference,
    salaryMin: r.salary_min,
    salaryMax: r.salary_max,
    currency: r.currency,
    skills: r.skills.map((s): SkillEntry => ({ id: s.id, name: s.name, required: false })),
    occupationCode: r.occupation_code,
    embedding: decodeVector(r.embedding),
    fullName: r.full_name ?? null,
    headline: r.headline ?? null,
    locationName: r.location_name ?? null,
  };
}

function jobRow(r: RawJob): JobRow {
  return {
    id: r.id,
    ownerUserId: r.owner_user_id,
    status: r.status,
    seniority: r.seniority,
    minYears: Number(r.min_years ?? 0),
    latitude: r.latitude,
    longitude: r.longitude,
    remotePolicy: r.remote_policy,
    salaryMin: r.salary_min,
    salaryMax: r.salary_max,
    currency: r.currency,
    skills: r.skills.map((s): SkillEntry => ({
      id: s.id,
      name: s.name,
      required: s.required === true,
    })),
    occupationCode: r.occupation_code,
    embedding: decodeVector(r.embedding),
    title: r.title ?? null,
    companyName: r.company_name ?? null,
    locationName: r.location_name ?? null,
  };
}

export class PostgresDataSource implements MatchDataSource {
  constructor(
    readonly sql: Sql,
    readonly embeddingModelId: string = DEFAULT_EMBEDDING_MODEL_ID,
  ) {}

  /** postgres.js connects on the first query, so a gateway without a database still starts. */
  static connect(url: string, embeddingModelId?: string): PostgresDataSource {
    return new PostgresDataSource(connect(url), embeddingModelId);
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }

  async talent(id: string): Promise<TalentRow | null> {
    const rows = await this.sql<RawTalent[]>`
      SELECT t.id::text AS id, t.owner_user_id::text AS owner_user_id, t.seniority,
             t.years_experience, t.latitude, t.longitude, t.remote_preference,
             t.salary_min, t.salary_max, t.currency, t.occupation_code, e.vector AS embedding,
             COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name)
                                       ORDER BY s.id)
                         FROM talent_skills ts JOIN skills s ON s.id = ts.skill_id
                        WHERE ts.talent_id = t.id), '[]'::json) AS skills
        FROM talents t
        LEFT JOIN embeddings e ON e.owner_kind = 'talent' AND e.owner_id = t.id
                              AND e.model_id = ${this.embeddingModelId}
       WHERE t.id = ${id}::uuid`;
    return rows.length ? talentRow(rows[0]) : null;
  }

  async job(id: string): Promise<JobRow | null> {
    const rows = await this.sql<RawJob[]>`
      SELECT j.id::text AS id, c.owner_user_id::text AS owner_user_id, j.status, j.seniority,
             j.min_years, j.latitude, j.longitude, j.remote_policy,
             j.salary_min, j.salary_max, j.currency, j.occupation_code, e.vector AS embedding,
             COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name,
                                                         'required', js.required)
                                       ORDER BY s.id)
                         FROM job_skills js JOIN skills s ON s.id = js.skill_id
                        WHERE js.job_id = j.id), '[]'::json) AS skills
        FROM jobs j
        JOIN companies c ON c.id = j.company_id
        LEFT JOIN embeddings e ON e.owner_kind = 'job' AND e.owner_id = j.id
                              AND e.model_id = ${this.embeddingModelId}
       WHERE j.id = ${id}::uuid`;
    return rows.length ? jobRow(rows[0]) : null;
  }

  async candidateJobs(talentId: string, limit: number): Promise<JobRow[]> {
    const rows = await this.sql<RawJob[]>`
      WITH mine AS (
        SELECT skill_id FROM talent_skills WHERE talent_id = ${talentId}::uuid
      ), ranked AS (
        SELECT j.id, count(m.skill_id) AS shared
          FROM jobs j
          LEFT JOIN job_skills js ON js.job_id = j.id
          LEFT JOIN mine m ON m.skill_id = js.skill_id
         WHERE j.status = 'open'
         GROUP BY j.id
         ORDER BY shared DESC, j.id
         LIMIT ${limit}
      )
      SELECT j.id::text AS id, NULL::text AS owner_user_id, j.status, j.seniority,
             j.min_years, j.latitude, j.longitude, j.remote_policy,
             j.salary_min, j.salary_max, j.currency, j.occupation_code, e.vector AS embedding,
             j.title, c.name AS company_name, j.location_name,
             COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name,
                                                         'required', js.required)
                                       ORDER BY s.id)
                         FROM job_skills js JOIN skills s ON s.id = js.skill_id
                        WHERE js.job_id = j.id), '[]'::json) AS skills
        FROM ranked r
        JOIN jobs j ON j.id = r.id
        JOIN companies c ON c.id = j.company_id
        LEFT JOIN embeddings e ON e.owner_kind = 'job' AND e.owner_id = j.id
                              AND e.model_id = ${this.embeddingModelId}
       ORDER BY r.shared DESC, j.id`;
    return rows.map(jobRow);
  }

  async candidateTalents(jobId: string, limit: number): Promise<TalentRow[]> {
    const rows = await this.sql<RawTalent[]>`
      WITH wanted AS (
        SELECT skill_id FROM job_skills WHERE job_id = ${jobId}::uuid
      ), ranked AS (
        SELECT t.id, count(w.skill_id) AS shared
          FROM talents t
          LEFT JOIN talent_skills ts ON ts.talent_id = t.id
          LEFT JOIN wanted w ON w.skill_id = ts.skill_id
         GROUP BY t.id
         ORDER BY shared DESC, t.id
         LIMIT ${limit}
      )
      SELECT t.id::text AS id, NULL::text AS owner_user_id, t.seniority,
             t.years_experience, t.latitude, t.longitude, t.remote_preference,
             t.salary_min, t.salary_max, t.currency, t.occupation_code, e.vector AS embedding,
             t.full_name, t.headline, t.location_name,
             COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name)
                                       ORDER BY s.id)
                         FROM talent_skills ts JOIN skills s ON s.id = ts.skill_id
                        WHERE ts.talent_id = t.id), '[]'::json) AS skills
        FROM ranked r
        JOIN talents t ON t.id = r.id
        LEFT JOIN embeddings e ON e.owner_kind = 'talent' AND e.owner_id = t.id
                              AND e.model_id = ${this.embeddingModelId}
       ORDER BY r.shared DESC, t.id`;
    return rows.map(talentRow);
  }
}
