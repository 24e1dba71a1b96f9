/**
 * Rule-based matching for when the ML service is unreachable: a port of the service's
 * `app/ml/fallback.py` (same features, same weights, same sub-score scale), reading
 * its rows through a `MatchDataSource` (Postgres in `db.ts`, in-memory in tests).
 *
 *     skills 30%      = 0.6 required-skill coverage + 0.4 shared skills (5 or more = full)
 *     text 30%        = MiniLM cosine of the two texts, 0.15 -> 0, 0.75 -> 1 (shown under skills)
 *     experience 20%  = 1 - level gap (3+ levels = worst) - years short (5+ = worst), 6 points
 *                       each, + shared O*NET code levels (8 points; unknown code = 0.5)
 *     location 12%    = 0.6 remote compatibility + 0.4 proximity (unknown distance = 0.5)
 *     salary 8%       = salary range IoU (unknown = 0.5)
 *
 * The text cosine is the dot product of the two stored (L2-normalised) vectors, 0 when either
 * side has none; it counts under the "skills" sub-score but keeps category "text" on its
 * factor, as in the service. The score is linear in those goodness values, so each rule's
 * contribution against a neutral pair (every goodness 0.5) is exact: base (50) +
 * sum(contributions) = score, and a category's sub-score is 100 x its goodness. Top factors
 * are the rules with the largest |contribution|. Results have the ML service's
 * `MatchResponse` shape with `source: "fallback"` and `model_version: null`.
 */

import { EMBEDDING_DIM, REMOTE_POLICIES, REMOTE_PREFERENCES, SENIORITY_LEVELS } from "./enums.ts";
import type {
  Category,
  Explanation,
  Factor,
  MatchRequest,
  Principal,
  RankedResult,
} from "./types.ts";

export { EMBEDDING_DIM, REMOTE_POLICIES, REMOTE_PREFERENCES, SENIORITY_LEVELS };

/** Rows: talent preference (remote, hybrid, onsite, any); columns: job policy. */
const REMOTE_COMPATIBILITY = [
  [1.0, 0.5, 0.0],
  [0.75, 1.0, 0.5],
  [0.5, 0.75, 1.0],
  [1.0, 1.0, 1.0],
];

export const UNKNOWN = -1;
const NEUTRAL_GOODNESS = 0.5;
const PROXIMITY_KM = 100;
const EARTH_RADIUS_KM = 6371.0088;
const TOP_FACTORS = 3;
const MAX_NAMES = 4;
const TEXT_COSINE_FLOOR = 0.15;
const TEXT_COSINE_SPAN = 0.6;
/** Prefix lengths of an O*NET-SOC code "15-1252.00": major group, minor group, broad
 * occupation, detailed occupation, O*NET occupation (the service's `OCCUPATION_LEVELS`). */
const OCCUPATION_LEVELS = [2, 5, 6, 7, 10];
const OCCUPATION_LEVEL_WORDS = [
  "major occupation group",
  "minor occupation group",
  "broad occupation",
  "detailed occupation",
  "occupation",
];

export interface SkillEntry {
  id: number;
  name: string;
  /** Jobs: whether the skill is required. Talents: always false. */
  required: boolean;
}

export interface TalentRow {
  id: string;
  ownerUserId: string | null;
  seniority: string;
  yearsExperience: number;
  latitude: number | null;
  longitude: number | null;
  remotePreference: string;
  salaryMin: number | null;
  salaryMax: number | null;
  currency: string | null;
  skills: SkillEntry[];
  /** O*NET-SOC code ("15-1252.00"), null when unknown. */
  occupationCode: string | null;
  /** The stored MiniLM text vector (float32, L2-normalised by the service), null if none. */
  embedding: Float32Array | null;
  /** Display fields, read for candidates only (the service's result labels). */
  fullName?: string | null;
  headline?: string | null;
  locationName?: string | null;
}

export interface JobRow {
  id: string;
  /** owner_user_id of the job's company. */
  ownerUserId: string | null;
  status: string;
  seniority: string;
  minYears: number;
  latitude: number | null;
  longitude: number | null;
  remotePolicy: string;
  salaryMin: number | null;
  salaryMax: number | null;
  currency: string | null;
  skills: SkillEntry[];
  /** O*NET-SOC code ("15-1252.00"), null when unknown. */
  occupationCode: string | null;
  /** The stored MiniLM text vector (float32, L2-normalised by the service), null if none. */
  embedding: Float32Array | null;
  /** Display fields, read for candidates only (the service's result labels). */
  title?: string | null;
  companyName?: string | null;
  locationName?: string | null;
}

/** Where the fallback reads from: one query for the subject, one for its candidates. */
export interface MatchDataSource {
  talent(id: string): Promise<TalentRow | null>;
  job(id: string): Promise<JobRow | null>;
  /** Open jobs, most skills shared with the talent first, at most `limit`. */
  candidateJobs(talentId: string, limit: number): Promise<JobRow[]>;
  /** Talents, most skills shared with the job first, at most `limit`. */
  candidateTalents(jobId: string, limit: number): Promise<TalentRow[]>;
}

type FeatureName =
  | "shared_skills"
  | "required_skill_coverage"
  | "experience_level_distance"
  | "underqualified_years"
  | "occupation_match"
  | "distance_km"
  | "remote_compatibility"
  | "salary_iou"
  | "embedding_cosine";

type Group = "skills" | "experience" | "location" | "salary" | "culture";

interface Rule {
  feature: FeatureName;
  category: Category;
  group: Group;
  /** Points of the 0-100 score per unit of goodness; negative for "bad" quantities. */
  weight: number;
  goodness: (x: number) => number;
}

const clip01 = (x: number) => Math.min(Math.max(x, 0), 1);
/** Shared skills that earn the skill-overlap rule its full points (as in the service). */
export const SHARED_SKILLS_FULL = 5;

/** In the service's feature-registry order, which is also the tie order of top factors. */
export const RULES: readonly Rule[] = [
  {
    feature: "shared_skills",
    category: "skills",
    group: "skills",
    weight: 100 * 0.30 * 0.4,
    goodness: (x) => clip01(x / SHARED_SKILLS_FULL),
  },
  {
    feature: "required_skill_coverage",
    category: "skills",
    group: "skills",
    weight: 100 * 0.30 * 0.6,
    goodness: clip01,
  },
  {
    feature: "experience_level_distance",
    category: "experience",
    group: "experience",
    weight: -100 * 0.12 * 0.5,
    goodness: (x) => Math.min(x / 3, 1),
  },
  {
    feature: "underqualified_years",
    category: "experience",
    group: "experience",
    weight: -100 * 0.12 * 0.5,
    goodness: (x) => Math.min(x / 5, 1),
  },
  {
    feature: "occupation_match",
    category: "experience",
    group: "experience",
    weight: 100 * 0.08,
    goodness: (x) => x === UNKNOWN ? NEUTRAL_GOODNESS : clip01(x / 5),
  },
  {
    feature: "distance_km",
    category: "location",
    group: "location",
    weight: 100 * 0.12 * 0.4,
    goodness: (x) => x === UNKNOWN ? NEUTRAL_GOODNESS : Math.exp(-Math.max(x, 0) / PROXIMITY_KM),
  },
  {
    feature: "remote_compatibility",
    category: "location",
    group: "location",
    weight: 100 * 0.12 * 0.6,
    goodness: clip01,
  },
  {
    feature: "salary_iou",
    category: "salary",
    group: "salary",
    weight: 100 * 0.08,
    goodness: (x) => x === UNKNOWN ? NEUTRAL_GOODNESS : clip01(x),
  },
  {
    // MiniLM cosines of unrelated texts sit near 0.1-0.3 and of one occupation near 0.5-0.9,
    // so that span is stretched over 0-1 (a missing text has cosine 0).
    feature: "embedding_cosine",
    category: "text",
    group: "skills",
    weight: 100 * 0.30,
    goodness: (x) => clip01((x - TEXT_COSINE_FLOOR) / TEXT_COSINE_SPAN),
  },
];

/** The experience rules subtract from their full points, so the constant is those points. */
const CONSTANT = -RULES.reduce((sum, rule) => sum + Math.min(rule.weight, 0), 0);
export const BASE_SCORE = CONSTANT +
  RULES.reduce((sum, rule) => sum + rule.weight * NEUTRAL_GOODNESS, 0);

export const SUB_SCORE_GROUPS: readonly Group[] = [
  "skills",
  "experience",
  "location",
  "salary",
  "culture",
];

/** Largest |contribution| of each group: the unit of the sub-score scale. */
export const CATEGORY_SCALE: Readonly<Record<Group, number>> = (() => {
  const scale = Object.fromEntries(SUB_SCORE_GROUPS.map((g) => [g, 1e-6])) as Record<
    Group,
    number
  >;
  for (const rule of RULES) scale[rule.group] += Math.abs(rule.weight) * NEUTRAL_GOODNESS;
  return scale;
})();

export type Features = Record<FeatureName, number>;

function levelOf(levels: readonly string[], value: string): number {
  const index = levels.indexOf(value);
  return index < 0 ? 0 : index;
}

function uniqueSkills(skills: readonly SkillEntry[]): Map<number, SkillEntry> {
  const out = new Map<number, SkillEntry>();
  for (const skill of skills) {
    const held = out.get(skill.id);
    if (held === undefined || (skill.required && !held.required)) out.set(skill.id, skill);
  }
  return out;
}

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(Math.sqrt(a), 1));
}

/** A range with one open end is read as the single known value. */
function fillRange(low: number | null, high: number | null): [number | null, number | null] {
  return [low ?? high, high ?? low];
}

function salaryIou(t: TalentRow, j: JobRow): number {
  const [tLo, tHi] = fillRange(t.salaryMin, t.salaryMax);
  const [jLo, jHi] = fillRange(j.salaryMin, j.salaryMax);
  const comparable = (t.currency ?? "USD") === (j.currency ?? "USD");
  if (tLo === null || tHi === null || jLo === null || jHi === null || !comparable) {
    return UNKNOWN;
  }
  const inter = Math.max(Math.min(tHi, jHi) - Math.max(tLo, jLo), 0);
  const union = Math.max(tHi, jHi) - Math.min(tLo, jLo);
  if (union === 0) return 1;
  return union > 0 ? inter / union : 0;
}

/** The service's `occupation_codes`: each level's prefix as its interner keys it (stripped,
 * case-folded), or null for an unknown code. */
function occupationPrefixes(code: string | null): string[] | null {
  const clean = (code ?? "").trim();
  if (clean === "") return null;
  return OCCUPATION_LEVELS.map((n) => clean.slice(0, n).trim().toLowerCase());
}

/** Levels of the two codes' hierarchy both share (0-5), UNKNOWN if either code is. */
function occupationMatch(talent: string | null, job: string | null): number {
  const t = occupationPrefixes(talent);
  const j = occupationPrefixes(job);
  if (t === null || j === null) return UNKNOWN;
  return t.filter((prefix, level) => prefix === j[level]).length;
}

/** A vector the service counts as present: the expected length and a non-zero norm. */
function hasEmbedding(vector: Float32Array | null): vector is Float32Array {
  if (vector === null || vector.length !== EMBEDDING_DIM) return false;
  let squares = 0;
  for (const x of vector) squares += x * x;
  return squares > 0;
}

/** Dot product of the stored vectors (the service's cosine: they are L2-normalised), in
 * float64; 0 when either side has no vector. */
function embeddingCosine(a: Float32Array | null, b: Float32Array | null): number {
  if (!hasEmbedding(a) || !hasEmbedding(b)) return 0;
  let dot = 0;
  for (let i = 0; i < EMBEDDING_DIM; i++) dot += a[i] * b[i];
  return dot;
}

export interface PairView {
  talent: TalentRow;
  job: JobRow;
  shared: SkillEntry[];
  required: SkillEntry[];
  missingRequired: SkillEntry[];
  /** Skills the job lists. */
  jobSkills: number;
}

/** The raw inputs of one pair that features and sentences are read from. */
export function pairView(talent: TalentRow, job: JobRow): PairView {
  const tSkills = uniqueSkills(talent.skills);
  const jSkills = uniqueSkills(job.skills);
  const shared = [...jSkills.values()].filter((s) => tSkills.has(s.id));
  const required = [...jSkills.values()].filter((s) => s.required);
  const missingRequired = required.filter((s) => !tSkills.has(s.id));
  return {
    talent,
    job,
    shared,
    required,
    missingRequired,
    jobSkills: jSkills.size,
  };
}

function featuresOf(v: PairView): Features {
  const { talent: t, job: j } = v;
  const sharedRequired = v.required.length - v.missingRequired.length;
  const { latitude: tLat, longitude: tLon } = t;
  const { latitude: jLat, longitude: jLon } = j;
  const located = tLat !== null && tLon !== null && jLat !== null && jLon !== null;
  return {
    shared_skills: v.shared.length,
    required_skill_coverage: v.required.length > 0 ? sharedRequired / v.required.length : 1,
    experience_level_distance: Math.abs(
      levelOf(SENIORITY_LEVELS, t.seniority) - levelOf(SENIORITY_LEVELS, j.seniority),
    ),
    underqualified_years: Math.max(j.minYears - t.yearsExperience, 0),
    distance_km: located ? haversineKm(tLat, tLon, jLat, jLon) : UNKNOWN,
    remote_compatibility: REMOTE_COMPATIBILITY[levelOf(REMOTE_PREFERENCES, t.remotePreference)][
      levelOf(REMOTE_POLICIES, j.remotePolicy)
    ],
    salary_iou: salaryIou(t, j),
    occupation_match: occupationMatch(t.occupationCode, j.occupationCode),
    embedding_cosine: embeddingCosine(t.embedding, j.embedding),
  };
}

export function pairFeatures(talent: TalentRow, job: JobRow): Features {
  return featuresOf(pairView(talent, job));
}

/** Each rule's points against a neutral pair, in RULES order. */
export function contributions(features: Features): number[] {
  return RULES.map((rule) =>
    rule.weight * (rule.goodness(features[rule.feature]) - NEUTRAL_GOODNESS)
  );
}

export function score(features: Features): number {
  const total = contributions(features).reduce((sum, c) => sum + c, BASE_SCORE);
  return Math.min(Math.max(total, 0), 100);
}

export function subScores(contribs: readonly number[]): Record<string, number> {
  const byGroup = Object.fromEntries(SUB_SCORE_GROUPS.map((g) => [g, 0])) as Record<
    Group,
    number
  >;
  RULES.forEach((rule, i) => {
    byGroup[rule.group] += contribs[i];
  });
  const out: Record<string, number> = {};
  for (const group of SUB_SCORE_GROUPS) {
    const value = 50 + 50 * byGroup[group] / CATEGORY_SCALE[group];
    out[group] = round(Math.min(Math.max(value, 0), 100), 1);
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Python's `{x:.0%}`: x * 100 rounded half to even, as its float formatting does. */
function percent(x: number): string {
  const y = x * 100;
  let n = Math.round(y);
  if (n - y === 0.5 && n % 2 !== 0) n -= 1;
  return `${n}%`;
}

/** Python's `{x:g}` for the numbers that occur here (years). */
function g(x: number): string {
  return String(Number(x.toPrecision(6)));
}

const thousands = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function names(skills: readonly SkillEntry[]): string {
  const sorted = skills.map((s) => s.name).sort();
  const shown = sorted.slice(0, MAX_NAMES).join(", ");
  const more = sorted.length - MAX_NAMES;
  return shown + (more > 0 ? ` and ${more} more` : "");
}

function salaryText(low: number | null, high: number | null): string {
  const [lo, hi] = fillRange(low, high);
  if (lo === null || hi === null) return "unknown";
  return lo === hi ? thousands.format(lo) : `${thousands.format(lo)}-${thousands.format(hi)}`;
}

/** The sentences of one fact, one per direction it can move the score (the service's `Wording`). */
interface Wording {
  fact: string;
  raises: string;
  lowers: string;
}

const AGAINST_TYPICAL = ", yet this counts against it compared with a typical match";
const FOR_TYPICAL = ", yet this counts in its favour compared with a typical match";

/** A fact that reads as a strength. */
function good(fact: string, lowers?: string): Wording {
  return { fact, raises: fact, lowers: lowers ?? fact + AGAINST_TYPICAL };
}

/** A fact that reads as a weakness. */
function bad(fact: string, lowers?: string): Wording {
  return { fact, raises: fact + FOR_TYPICAL, lowers: lowers ?? fact };
}

/** A fact with a good and a bad side ("3 of 5"): each direction names its side. */
function partial(raises: string, lowers: string): Wording {
  return { fact: raises, raises, lowers };
}

/** A fact with no direction of its own, such as missing data. */
function neutral(fact: string): Wording {
  return {
    fact,
    raises: `${fact}, which counts in its favour here`,
    lowers: `${fact}, which counts against it here`,
  };
}

function wording(feature: FeatureName, value: number, v: PairView): Wording {
  const { talent: t, job: j } = v;
  switch (feature) {
    case "shared_skills": {
      const n = v.shared.length;
      if (n === 0) return bad("Shares none of the job's skills");
      if (n === v.jobSkills) return good(`Has all ${n} skills the job lists (${names(v.shared)})`);
      return partial(
        `Has ${n} of the ${v.jobSkills} skills the job lists (${names(v.shared)})`,
        `Has only ${n} of the ${v.jobSkills} skills the job lists (${names(v.shared)})`,
      );
    }
    case "required_skill_coverage": {
      const nReq = v.required.length;
      const nMiss = v.missingRequired.length;
      if (nReq === 0) return neutral("The job lists no required skills");
      if (nMiss === 0) return good(`Covers all ${nReq} required skills`);
      const missing = `(missing: ${names(v.missingRequired)})`;
      if (nReq === 1 && nMiss === 1) {
        return bad(`Lacks the job's one required skill (${names(v.missingRequired)})`);
      }
      if (nMiss === nReq) return bad(`Covers none of the ${nReq} required skills ${missing}`);
      return partial(
        `Covers ${nReq - nMiss} of ${nReq} required skills ${missing}`,
        `Covers only ${nReq - nMiss} of ${nReq} required skills ${missing}`,
      );
    }
    case "experience_level_distance": {
      const gap = levelOf(SENIORITY_LEVELS, t.seniority) - levelOf(SENIORITY_LEVELS, j.seniority);
      if (gap === 0) return good(`Seniority matches: ${t.seniority}`);
      const direction = gap > 0 ? "above" : "below";
      const plural = Math.abs(gap) > 1 ? "s" : "";
      return bad(
        `Seniority ${t.seniority} for a ${j.seniority} role (${
          Math.abs(gap)
        } level${plural} ${direction})`,
      );
    }
    case "underqualified_years":
      if (value <= 0) {
        return good(
          `Meets the ${g(j.minYears)}-year experience minimum (${g(t.yearsExperience)} years)`,
        );
      }
      return bad(`${g(value)} years short of the ${g(j.minYears)}-year minimum`);
    case "occupation_match": {
      if (value === UNKNOWN) return neutral("Occupation unknown for the talent or the job");
      if (value <= 0) return bad("Works in a different occupation field than the job");
      const level = OCCUPATION_LEVEL_WORDS[Math.trunc(value) - 1];
      if (Math.trunc(value) >= OCCUPATION_LEVEL_WORDS.length) {
        return good(`Same ${level} as the job`);
      }
      return partial(
        `Same ${level} as the job`,
        `Only the same ${level} as the job (not the same occupation)`,
      );
    }
    case "distance_km":
      if (value === UNKNOWN) return neutral("Location unknown for the talent or the job");
      return partial(
        `Within ${thousands.format(value)} km of the job location`,
        `${thousands.format(value)} km away from the job location`,
      );
    case "remote_compatibility":
      if (t.remotePreference === "any") {
        return good(`Open to any work setup; the job is ${j.remotePolicy}`);
      }
      if (t.remotePreference === j.remotePolicy) {
        return good(`Prefers ${t.remotePreference} work and the job is ${j.remotePolicy}`);
      }
      return bad(
        `Prefers ${t.remotePreference} work; the job is ${j.remotePolicy}`,
        `Prefers ${t.remotePreference} work but the job is ${j.remotePolicy}`,
      );
    case "salary_iou": {
      if (value === UNKNOWN) {
        if ((t.currency ?? "USD") !== (j.currency ?? "USD")) {
          return neutral("Salaries are in different currencies and were not compared");
        }
        return neutral("Salary unknown for the talent or the job");
      }
      const ranges = `asks ${salaryText(t.salaryMin, t.salaryMax)}, offers ${
        salaryText(j.salaryMin, j.salaryMax)
      } ${j.currency ?? "USD"}`;
      if (value <= 0) return bad(`Salary ranges do not overlap: ${ranges}`);
      if (value >= 1) return good(`Salary ranges are the same: ${ranges}`);
      return partial(
        `Salary ranges overlap ${percent(value)}: ${ranges}`,
        `Salary ranges overlap only ${percent(value)}: ${ranges}`,
      );
    }
    case "embedding_cosine": {
      if (!hasEmbedding(t.embedding) || !hasEmbedding(j.embedding)) {
        return neutral("No profile or job text to compare");
      }
      const similarity = percent(Math.max(value, 0));
      return partial(
        `Profile text is ${similarity} similar to the job description`,
        `Profile text is only ${similarity} similar to the job description`,
      );
    }
  }
}

/** A sentence a person understands, the same wording as the service's explanations: the one
 * for the way the factor's `impact` (score points, as shown) moves the score. */
export function describe(feature: FeatureName, value: number, v: PairView, impact: number): string {
  const words = wording(feature, value, v);
  if (impact > 0) return words.raises;
  if (impact < 0) return words.lowers;
  return words.fact;
}

function summary(score: number, factors: readonly Factor[]): string {
  const band = score >= 75 ? "Strong" : score >= 55 ? "Good" : score >= 35 ? "Fair" : "Weak";
  const points = Math.round(score);
  if (factors.length === 0) return `${band} match (${points}/100).`;
  const best = factors[0];
  const sign = best.impact >= 0 ? "helps most" : "weighs most against it";
  return `${band} match (${points}/100); ${best.description.toLowerCase()} ${sign}.`;
}

export interface ScoredPair {
  score: number;
  features: Features;
  explanation: Explanation;
}

export function scorePair(talent: TalentRow, job: JobRow): ScoredPair {
  const v = pairView(talent, job);
  const features = featuresOf(v);
  const contribs = contributions(features);
  const total = contribs.reduce((sum, c) => sum + c, BASE_SCORE);
  const value = Math.min(Math.max(total, 0), 100);
  const order = RULES.map((_, i) => i).sort((a, b) =>
    Math.abs(contribs[b]) - Math.abs(contribs[a]) || a - b
  );
  const factors: Factor[] = order.slice(0, TOP_FACTORS).map((i) => ({
    factor: RULES[i].feature,
    category: RULES[i].category,
    impact: round(contribs[i], 2),
    description: describe(
      RULES[i].feature,
      features[RULES[i].feature],
      v,
      round(contribs[i], 2),
    ),
  }));
  return {
    score: value,
    features,
    explanation: {
      sub_scores: subScores(contribs),
      top_factors: factors,
      summary: summary(value, factors),
    },
  };
}

function joined(...parts: (string | null | undefined)[]): string {
  return parts.filter((p) => p).join(" · ");
}

/** The service's labels (`app/directory/service.py`): what a person reads next to a score. */
export function label(candidate: TalentRow | JobRow): { title: string | null; subtitle: string } {
  if ("remotePolicy" in candidate) {
    return {
      title: candidate.title ?? null,
      subtitle: joined(candidate.companyName, candidate.locationName, candidate.remotePolicy),
    };
  }
  const years = `${g(candidate.yearsExperience)} year${candidate.yearsExperience === 1 ? "" : "s"}`;
  return {
    title: candidate.fullName ?? null,
    subtitle: joined(candidate.headline, candidate.locationName, years),
  };
}

/** Score the subject against every candidate; best first, `min_score` and `limit` applied. */
export function rank(
  request: MatchRequest,
  subject: TalentRow | JobRow,
  candidates: readonly (TalentRow | JobRow)[],
): RankedResult[] {
  const results: RankedResult[] = candidates.map((candidate) => {
    const pair = request.type === "talent-to-jobs"
      ? scorePair(subject as TalentRow, candidate as JobRow)
      : scorePair(candidate as TalentRow, subject as JobRow);
    return {
      id: candidate.id,
      score: round(pair.score, 2),
      source: "fallback",
      model_version: null,
      ...label(candidate),
      decision: null,
      explanation: pair.explanation,
    };
  });
  return results
    .filter((r) => r.score >= request.minScore)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, request.limit);
}

export type Decision =
  | { allowed: true }
  | { allowed: false; status: 403 | 404; code: string; message: string };

/**
 * The service's ownership rules (`app/auth/ownership.py`): a talent only its own talent row,
 * a company only jobs of companies it owns, an admin anything (404 for an unknown id, admins
 * only). Everyone else gets 403 whether or not the id exists, so ids cannot be probed.
 */
export function authorize(
  principal: Principal,
  type: MatchRequest["type"],
  owner: { found: boolean; ownerUserId: string | null },
): Decision {
  const role = roleDecision(principal, type);
  if (!role.allowed) return role;
  const what = type === "talent-to-jobs" ? "talent" : "job";
  if (principal.role === "admin") {
    return owner.found
      ? { allowed: true }
      : { allowed: false, status: 404, code: "not_found", message: `${what} not found` };
  }
  if (
    !owner.found || owner.ownerUserId === null ||
    owner.ownerUserId.toLowerCase() !== principal.sub
  ) {
    return {
      allowed: false,
      status: 403,
      code: "forbidden",
      message: `not allowed to act on this ${what}`,
    };
  }
  return { allowed: true };
}

/** Talent-to-jobs needs role talent or admin, job-to-talents company or admin. */
export function roleDecision(principal: Principal, type: MatchRequest["type"]): Decision {
  const role = type === "talent-to-jobs" ? "talent" : "company";
  if (principal.role === role || principal.role === "admin") return { allowed: true };
  return {
    allowed: false,
    status: 403,
    code: "forbidden",
    message: `requires role ${[role, "admin"].sort().join(" or ")}`,
  };
}
