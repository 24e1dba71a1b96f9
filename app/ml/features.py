"""The feature registry and the vectorised feature pass over (talent, job) pairs.

`FEATURES` is the single list the model, the explainer, the fallback, the API and the docs
read: order, names, categories and one-line descriptions live here and nowhere else.

`pair_features` computes every feature for M aligned pairs (row i = talents[t_idx[i]] with
jobs[j_idx[i]]) in one numpy pass: skill intersections are found by sorting (pair, skill)
keys, not by a Python loop per pair. One subject against N candidates is the special case
`t_idx = zeros(N)`. Missing inputs map to documented values, never NaN, so a tree model
and a human reading an explanation see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from app.core.enums import FactorCategory
from app.ml.profiles import JobTable, SkillMatrix, TalentTable, run_positions

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Rows = IntArray | slice
"""Row selector of a table: an index array, or slice(None) for "every row, no copy"."""

UNKNOWN = -1.0
"""Value of a distance, overlap or salary feature whose inputs are missing."""

NEUTRAL = 0.5
"""Value of a preference feature when either side states nothing."""

EARTH_RADIUS_KM = 6371.0088
WORKDAY_HOURS = 8.0
SKILL_YEARS_CAP = 5.0
PROFICIENCY_SPAN = 4.0
YEARS_RATIO_CAP = 5.0
EXPERIENCE_YEARS_CAP = 15.0

# Rows: talent preference (remote, hybrid, onsite, any); columns: job policy (remote, hybrid,
# onsite). A talent who wants remote work and a job that is onsite do not fit; "any" fits all.
REMOTE_COMPATIBILITY = np.array(
    [
        [1.0, 0.5, 0.0],
        [0.75, 1.0, 0.5],
        [0.5, 0.75, 1.0],
        [1.0, 1.0, 1.0],
    ]
)


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    category: FactorCategory
    description: str
    monotone: int = 0
    """+1: a larger value never lowers the model score; -1: never raises it; 0: free."""


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "shared_skills",
        FactorCategory.SKILLS,
        "Number of skills both the talent and the job list",
        1,
    ),
    FeatureSpec(
        "skill_proficiency_alignment",
        FactorCategory.SKILLS,
        "Mean over shared skills of how far proficiency meets the job minimum (0 if none shared)",
        1,
    ),
    FeatureSpec(
        "required_skill_coverage",
        FactorCategory.SKILLS,
        "Share of the job's required skills the talent has (1 if the job requires none)",
        1,
    ),
    FeatureSpec(
        "missing_required_skills",
        FactorCategory.SKILLS,
        "Number of required skills the talent lacks",
        -1,
    ),
    FeatureSpec(
        "years_weighted_skill_score",
        FactorCategory.SKILLS,
        "Talent years on shared skills (capped at 5) averaged over all job skills",
    ),
    FeatureSpec(
        "experience_level_match",
        FactorCategory.EXPERIENCE,
        "1 if seniority levels are equal, else 0",
    ),
    FeatureSpec(
        "experience_level_distance",
        FactorCategory.EXPERIENCE,
        "Absolute gap between seniority levels (0-5)",
    ),
    FeatureSpec(
        "years_ratio",
        FactorCategory.EXPERIENCE,
        "Talent years / job minimum years (minimum taken as at least 1), capped at 5",
        1,
    ),
    FeatureSpec(
        "experience_years",
        FactorCategory.EXPERIENCE,
        f"Talent's total years of experience, capped at {EXPERIENCE_YEARS_CAP:g}",
        1,
    ),
    FeatureSpec(
        "seniority_alignment",
        FactorCategory.EXPERIENCE,
        "Talent level minus job level (-5..5): positive means more senior than asked",
    ),
    FeatureSpec(
        "underqualified_years",
        FactorCategory.EXPERIENCE,
        "Years short of the job minimum (0 if none)",
        -1,
    ),
    FeatureSpec(
        "overqualified_years",
        FactorCategory.EXPERIENCE,
        "Years above the job maximum (0 if none or no max)",
    ),
    FeatureSpec(
        "occupation_match",
        FactorCategory.EXPERIENCE,
        "Levels of the O*NET occupation code both share (0-5; -1 if either is unknown)",
    ),
    FeatureSpec(
        "distance_km",
        FactorCategory.LOCATION,
        "Haversine distance in km (-1 if a location is unknown)",
    ),
    FeatureSpec(
        "remote_compatibility",
        FactorCategory.LOCATION,
        "Fit of the talent's remote preference with the job's remote policy (0-1)",
    ),
    FeatureSpec(
        "timezone_overlap_hours",
        FactorCategory.LOCATION,
        "Shared hours of two 8-hour workdays (-1 if a timezone is unknown)",
    ),
    FeatureSpec(
        "salary_iou",
        FactorCategory.SALARY,
        "Intersection over union of the salary ranges (-1 if unknown or other currency)",
    ),
    FeatureSpec(
        "salary_expectation_ratio",
        FactorCategory.SALARY,
        "Talent minimum / job maximum salary (-1 if unknown or other currency)",
    ),
    FeatureSpec(
        "company_size_match",
        FactorCategory.CULTURE,
        "1 if the company size is the preferred one, 0 if not, 0.5 if unknown",
    ),
    FeatureSpec(
        "industry_match",
        FactorCategory.CULTURE,
        "1 if the company industry is among the preferred ones, 0 if not, 0.5 if unknown",
    ),
    FeatureSpec(
        "work_style_match",
        FactorCategory.CULTURE,
        "1 if the company work style is the preferred one, 0 if not, 0.5 if unknown",
    ),
    FeatureSpec(
        "embedding_cosine",
        FactorCategory.TEXT,
        "Cosine similarity of profile and job text embeddings (0 if either is missing)",
        1,
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
FEATURE_BY_NAME: dict[str, FeatureSpec] = {f.name: f for f in FEATURES}


@dataclass(frozen=True, slots=True)
class SharedSkills:
    """Aligned arrays over every (pair, shared skill): which pair, and the two entries."""

    pair: IntArray
    talent_pos: IntArray
    job_pos: IntArray


def _expand(skills: SkillMatrix, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Entry positions of the given rows, and for each entry the pair index it belongs to."""
    starts = skills.indptr[rows]
    positions, pair = run_positions(starts, skills.indptr[rows + 1] - starts)
    return pair, positions


def shared_skills(
    talents: TalentTable, t_idx: IntArray, jobs: JobTable, j_idx: IntArray
) -> SharedSkills:
    t_pair, t_pos = _expand(talents.skills, t_idx)
    j_pair, j_pos = _expand(jobs.skills, j_idx)
    width = np.int64(max(talents.skills.n_columns, jobs.skills.n_columns, 1))
    t_keys = t_pair * width + talents.skills.indices[t_pos]
    j_keys = j_pair * width + jobs.skills.indices[j_pos]
    _, t_hit, j_hit = np.intersect1d(t_keys, j_keys, assume_unique=True, return_indices=True)
    return SharedSkills(pair=t_pair[t_hit], talent_pos=t_pos[t_hit], job_pos=j_pos[j_hit])


def _safe_divide(num: FloatArray, den: FloatArray, default: float) -> FloatArray:
    out = np.full(np.broadcast_shapes(np.shape(num), np.shape(den)), default, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _segment_sum(pair: IntArray, weights: FloatArray, m: int) -> FloatArray:
    return np.asarray(np.bincount(pair, weights=weights, minlength=m), dtype=np.float64)


def _count_features(
    n_shared: FloatArray, shared_required: FloatArray, j_required: FloatArray
) -> dict[str, FloatArray]:
    """A count of shared skills, not their Jaccard share: Jaccard divides by the talent's own
    skills too, so a résumé that lists one skill more than its weaker twin scored lower
    (rjdb), and a job listing one generic skill the talent has outranked a same-occupation
    job sharing three (O*NET ranking). Measured in issue 12's closing note."""
    return {
        "shared_skills": n_shared,
        "required_skill_coverage": _safe_divide(shared_required, j_required, 1.0),
        "missing_required_skills": j_required - shared_required,
    }


def _skill_features(
    talents: TalentTable, t_idx: IntArray, jobs: JobTable, j_idx: IntArray
) -> dict[str, FloatArray]:
    m = len(t_idx)
    shared = shared_skills(talents, t_idx, jobs, j_idx)
    j_counts = jobs.skills.row_counts()[j_idx].astype(np.float64)
    j_required = jobs.n_required[j_idx].astype(np.float64)

    n_shared = _segment_sum(shared.pair, np.ones(len(shared.pair)), m)
    shared_required = _segment_sum(
        shared.pair, jobs.skills.required[shared.job_pos].astype(np.float64), m
    )
    shortfall = np.clip(
        jobs.skills.proficiency[shared.job_pos] - talents.skills.proficiency[shared.talent_pos],
        0.0,
        PROFICIENCY_SPAN,
    )
    alignment = _segment_sum(shared.pair, 1.0 - shortfall / PROFICIENCY_SPAN, m)
    years = np.minimum(talents.skills.years[shared.talent_pos], SKILL_YEARS_CAP) / SKILL_YEARS_CAP
    years_sum = _segment_sum(shared.pair, years, m)
    return {
        **_count_features(n_shared, shared_required, j_required),
        "skill_proficiency_alignment": _safe_divide(alignment, n_shared, 0.0),
        "years_weighted_skill_score": _safe_divide(years_sum, j_counts, 0.0),
    }


def _experience_features(
    talents: TalentTable, t_idx: Rows, jobs: JobTable, j_idx: Rows
) -> dict[str, FloatArray]:
    t_level = talents.seniority[t_idx].astype(np.float64)
    j_level = jobs.seniority[j_idx].astype(np.float64)
    years = talents.years_experience[t_idx]
    min_years = jobs.min_years[j_idx]
    max_years = jobs.max_years[j_idx]
    return {
        **level_features(t_level - j_level),
        "years_ratio": np.minimum(years / np.maximum(min_years, 1.0), YEARS_RATIO_CAP),
        # Depth of experience on its own: a ratio to the job's minimum flattens above 1, and
        # the model learned almost nothing from years beyond the minimum (issue 12).
        "experience_years": np.minimum(years, EXPERIENCE_YEARS_CAP),
        "underqualified_years": np.maximum(min_years - years, 0.0),
        # fmax ignores NaN: no maximum (NaN) gives 0 years over.
        "overqualified_years": np.fmax(years - max_years, 0.0),
    }


def _occupation_features(
    talents: TalentTable, t_idx: Rows, jobs: JobTable, j_idx: Rows
) -> dict[str, FloatArray]:
    return {
        "occupation_match": occupation_match(
            talents.occupation[:, t_idx], jobs.occupation[:, j_idx]
        )
    }


def level_features(gap: FloatArray) -> dict[str, FloatArray]:
    """The seniority features of talent level minus job level."""
    return {
        "experience_level_match": (gap == 0).astype(np.float64),
        "experience_level_distance": np.abs(gap),
        "seniority_alignment": gap,
    }


def occupation_match(t_occ: npt.NDArray[np.int32], j_occ: npt.NDArray[np.int32]) -> FloatArray:
    """Shared levels of (5, m) occupation prefix codes (broadcasting), UNKNOWN if either
    side's code is unknown."""
    known = (t_occ[0] >= 0) & (j_occ[0] >= 0)
    shared_levels = np.sum(t_occ == j_occ, axis=0, dtype=np.float64)
    return np.where(known, shared_levels, UNKNOWN)


def chord_km(xyz_a: FloatArray, xyz_b: FloatArray) -> FloatArray:
    """Haversine distance from unit vectors: 2R asin(chord / 2); NaN in, NaN out."""
    diff = xyz_a - xyz_b
    chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    result: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))
    return result


def timezone_overlap_hours(offset_a: FloatArray, offset_b: FloatArray) -> FloatArray:
    """Overlap of two 9-to-5 days `d` hours apart on a 24-hour circle; NaN in -> UNKNOWN."""
    diff = np.abs(offset_a - offset_b) % 24.0
    diff = np.minimum(diff, 24.0 - diff)
    overlap = np.maximum(WORKDAY_HOURS - diff, 0.0)
    return np.where(np.isnan(overlap), UNKNOWN, overlap)


def _location_features(
    talents: TalentTable, t_idx: Rows, jobs: JobTable, j_idx: Rows
) -> dict[str, FloatArray]:
    distance = chord_km(talents.xyz[t_idx], jobs.xyz[j_idx])
    return {
        "distance_km": np.where(np.isnan(distance), UNKNOWN, distance),
        "remote_compatibility": REMOTE_COMPATIBILITY[talents.remote[t_idx], jobs.remote[j_idx]],
        "timezone_overlap_hours": timezone_overlap_hours(
            talents.tz_offset[t_idx], jobs.tz_offset[j_idx]
        ),
    }


def _fill_range(low: FloatArray, high: FloatArray) -> tuple[FloatArray, FloatArray]:
    """A range with one open end is read as the single known value."""
    return np.where(np.isnan(low), high, low), np.where(np.isnan(high), low, high)


def _salary_features(
    talents: TalentTable, t_idx: Rows, jobs: JobTable, j_idx: Rows
) -> dict[str, FloatArray]:
    t_lo, t_hi = _fill_range(talents.salary_min[t_idx], talents.salary_max[t_idx])
    j_lo, j_hi = _fill_range(jobs.salary_min[j_idx], jobs.salary_max[j_idx])
    comparable = talents.currency[t_idx] == jobs.currency[j_idx]
    known = ~(np.isnan(t_lo) | np.isnan(j_lo)) & comparable
    inter = np.maximum(np.minimum(t_hi, j_hi) - np.maximum(t_lo, j_lo), 0.0)
    union = np.maximum(t_hi, j_hi) - np.minimum(t_lo, j_lo)
    same_point = (union == 0) & known
    # Unknown ranges make NaN here; `known` masks them out below (NaN > 0 is False, so
    # the divisions leave their default there).
    iou = np.where(same_point, 1.0, _safe_divide(inter, union, 0.0))
    ratio = _safe_divide(t_lo, j_hi, UNKNOWN)
    return {
        "salary_iou": np.where(known, iou, UNKNOWN),
        "salary_expectation_ratio": np.where(known, ratio, UNKNOWN),
    }


def preference_match(preferred: npt.NDArray[np.int8], actual: npt.NDArray[np.int8]) -> FloatArray:
    """Codes < 0 mean "not stated"; stated on both sides gives 1 or 0, otherwise NEUTRAL."""
    stated = (preferred >= 0) & (actual >= 0)
    return np.where(stated, (preferred == actual).astype(np.float64), NEUTRAL)


def _culture_features(
    talents: TalentTable, t_idx: Rows, jobs: JobTable, j_idx: Rows
) -> dict[str, FloatArray]:
    industry = jobs.industry[j_idx]
    has_prefs = talents.n_preferred_industries[t_idx] > 0
    t_rows = np.arange(len(talents), dtype=np.int64)[t_idx] if isinstance(t_idx, slice) else t_idx
    keys = t_rows * talents.industry_key_stride + industry
    table = talents.preferred_industry_keys
    found = np.minimum(np.searchsorted(table, keys), max(len(table) - 1, 0))
    preferred = (table[found] == keys) if len(table) else np.zeros(len(keys), dtype=np.bool_)
    industry_match = np.where(has_prefs & (industry >= 0), preferred.astype(np.float64), NEUTRAL)
    return {
        "company_size_match": preference_match(
            talents.preferred_size[t_idx],
            jobs.company_size[j_idx],
        ),
        "industry_match": industry_match,
        "work_style_match": preference_match(
            talents.preferred_work_style[t_idx],
            jobs.work_style[j_idx],
        ),
    }


def _text_features(
    talents: TalentTable, t_idx: IntArray, jobs: JobTable, j_idx: IntArray
) -> dict[str, FloatArray]:
    t_emb = talents.embeddings[t_idx]
    j_emb = jobs.embeddings[j_idx]
    cosine = np.einsum("ij,ij->i", t_emb, j_emb, dtype=np.float64)
    both = talents.has_embedding[t_idx] & jobs.has_embedding[j_idx]
    return {"embedding_cosine": np.where(both, cosine, 0.0)}


def pair_features(
    talents: TalentTable, t_idx: npt.ArrayLike, jobs: JobTable, j_idx: npt.ArrayLike
) -> FloatArray:
    """Feature matrix (M, len(FEATURES)) in registry order for the aligned pairs."""
    t = np.asarray(t_idx, dtype=np.int64)
    j = np.asarray(j_idx, dtype=np.int64)
    if t.shape != j.shape or t.ndim != 1:
        raise ValueError("t_idx and j_idx must be 1-d arrays of equal length")
    columns: dict[str, FloatArray] = _skill_features(talents, t, jobs, j)
    for block in (
        _experience_features,
        _occupation_features,
        _location_features,
        _salary_features,
        _culture_features,
        _text_features,
    ):
        columns.update(block(talents, t, jobs, j))
    return np.column_stack([columns[name] for name in FEATURE_NAMES]).astype(np.float64)


def one_to_many(
    subject: TalentTable | JobTable, candidates: TalentTable | JobTable, rows: npt.ArrayLike
) -> FloatArray:
    """Features of row 0 of `subject` against the given rows of `candidates`."""
    cand = np.asarray(rows, dtype=np.int64)
    zeros = np.zeros(len(cand), dtype=np.int64)
    if isinstance(subject, TalentTable) and isinstance(candidates, JobTable):
        return pair_features(subject, zeros, candidates, cand)
    if isinstance(subject, JobTable) and isinstance(candidates, TalentTable):
        return pair_features(candidates, cand, subject, zeros)
    raise TypeError("subject and candidates must be one TalentTable and one JobTable")


@dataclass(frozen=True, slots=True)
class SkillIndex:
    """One table's skill entries in column-major order: for each skill, the candidate rows
    that list it and their per-entry values.

    A subject names a handful of the ~500 skills, so every skill feature of stage 1 is a sum
    over the entries of those few columns (a few thousand at 100k candidates): gather them
    with `entries`, weight them, and `np.bincount` them into per-candidate sums, instead of
    touching every entry of the table. The sums equal the pairwise features exactly (stage 2
    reuses them).

    Rows appended to an index after it was built (`matching.delta`) keep their entries in a
    small `tail` of the same layout (its `rows` are row numbers of the whole table), because
    a column-major store cannot take entries in place; `entries` reads both.
    """

    col_ptr: IntArray
    """(width + 1,) start of each skill's entries."""
    rows: IntArray
    """Candidate row of each entry."""
    level: FloatArray
    """Proficiency (talents) or minimum proficiency (jobs) of each entry."""
    required: FloatArray
    """1.0 where a job requires the skill (jobs), else 0.0."""
    years: FloatArray
    """min(years, 5) / 5 of each entry (talents)."""
    row_counts: FloatArray
    """Skills listed by each candidate."""
    row_required: FloatArray
    """Required skills of each candidate (jobs; zeros for talents)."""
    tail: SkillIndex | None = None
    """Entries of appended rows (its per-row arrays are unused: these above cover all rows)."""

    @classmethod
    def of(cls, table: TalentTable | JobTable) -> SkillIndex:
        return cls.of_matrix(table.skills)

    @classmethod
    def of_matrix(cls, sk: SkillMatrix, first_row: int = 0) -> SkillIndex:
        """The column-major store of a row-major skill matrix whose row 0 is row `first_row`
        of the table."""
        n = len(sk.indptr) - 1
        order = np.argsort(sk.indices, kind="stable")
        owner = np.repeat(np.arange(n, dtype=np.int64), sk.row_counts())
        counts = np.bincount(sk.indices, minlength=sk.n_columns)
        return cls(
            col_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            rows=owner[order] + first_row,
            level=np.asarray(sk.proficiency[order], dtype=np.float64),
            required=sk.required[order].astype(np.float64),
            years=np.minimum(sk.years[order], SKILL_YEARS_CAP) / SKILL_YEARS_CAP,
            row_counts=sk.row_counts().astype(np.float64),
            row_required=np.asarray(
                np.bincount(owner, weights=sk.required, minlength=n), dtype=np.float64
            ),
        )

    @property
    def width(self) -> int:
        own = len(self.col_ptr) - 1
        return own if self.tail is None else max(own, self.tail.width)

    def entries(self, cols: IntArray) -> SkillEntries:
        """The entries of skills `cols`: one contiguous run of a store per skill and store."""
        parts: list[tuple[SkillIndex, list[slice]]] = []
        which: list[IntArray] = []
        for store in (self, self.tail):
            if store is None:
                continue
            own = len(store.col_ptr) - 1
            picked = np.flatnonzero(cols < own)
            starts = store.col_ptr[cols[picked]]
            ends = store.col_ptr[cols[picked] + 1]
            runs = [slice(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
            parts.append((store, runs))
            which.append(np.repeat(picked.astype(np.int64), ends - starts))
        return SkillEntries(parts, np.concatenate(which))

    def sum_rows(self, rows: IntArray, weights: FloatArray | None = None) -> FloatArray:
        """Per-candidate sum of `weights` (1 per entry when None) over entries of `rows`."""
        n = len(self.row_counts)
        return np.bincount(rows, weights=weights, minlength=n).astype(np.float64, copy=False)


EntryField = Literal["rows", "level", "required", "years"]


@dataclass(frozen=True, slots=True)
class SkillEntries:
    """Some skills' entries in a `SkillIndex`: their runs per store, and which skill each
    entry is of."""

    parts: list[tuple[SkillIndex, list[slice]]]
    which: IntArray
    """Position, among the requested skills, of the skill of each entry."""

    def take(self, field: EntryField) -> npt.NDArray[Any]:
        """The `field` values of these entries: a few slices copied, instead of an
        element-by-element gather."""
        chunks = [getattr(store, field)[run] for store, runs in self.parts for run in runs]
        return np.concatenate(chunks) if chunks else getattr(self.parts[0][0], field)[:0]


def _counts_at(values: FloatArray, rows: IntArray) -> FloatArray:
    """A `SkillSums` count array at the candidates' `rows`; the subject's single value is
    returned as is (it broadcasts)."""
    return values[rows] if len(values) > 1 else values


@dataclass(frozen=True, slots=True)
class SkillSums:
    """Per-candidate sums over the entries of the subject's skills, and the counts the skill
    features divide them by: every skill feature of (subject, candidate) is a ratio of these.

    Count arrays hold one value per candidate, or a single value when it is the subject's
    (the same for every pair).
    """

    shared: FloatArray
    shared_required: FloatArray
    alignment: FloatArray
    years_sum: FloatArray
    j_counts: FloatArray
    j_required: FloatArray

    def columns(self, rows: IntArray) -> dict[str, FloatArray]:
        """The exact skill features of the candidates' `rows` (the same as `pair_features`)."""
        shared = self.shared[rows]
        j_counts = _counts_at(self.j_counts, rows)
        columns = _count_features(
            shared, self.shared_required[rows], _counts_at(self.j_required, rows)
        )
        columns["skill_proficiency_alignment"] = _safe_divide(self.alignment[rows], shared, 0.0)
        columns["years_weighted_skill_score"] = _safe_divide(self.years_sum[rows], j_counts, 0.0)
        return columns

    def linear_scores(self, weights: dict[str, float]) -> FloatArray:
        """sum(weight x skill feature) for every candidate, features computed only for the
        candidates that share a skill with the subject: for the others (most of them) every
        skill feature is zero except required-skill coverage (1 when the job requires none)
        and the missing required skills (all of the job's)."""
        n = len(self.shared)
        required = self.j_required
        score = np.empty(n)
        np.multiply(required, weights.get("missing_required_skills", 0.0), out=score)
        if coverage_weight := weights.get("required_skill_coverage", 0.0):
            np.add(score, coverage_weight, out=score, where=required <= 0)
        touched = np.flatnonzero(self.shared > 0)  # on a bool mask: 7x faster than on floats
        score[touched] = self._shared_scores(touched, weights)
        return score

    def _shared_scores(self, rows: IntArray, weights: dict[str, float]) -> FloatArray:
        """`linear_scores` of candidates that share a skill: the formulas of `columns` with
        no guard against zero where sharing a skill rules it out (hot: a quarter of all
        candidates for a typical subject)."""
        shared = self.shared[rows]
        shared_required = self.shared_required[rows]
        j_counts = _counts_at(self.j_counts, rows)
        j_required = _counts_at(self.j_required, rows)
        get = weights.get
        score = get("shared_skills", 0.0) * shared
        score += get("skill_proficiency_alignment", 0.0) * (self.alignment[rows] / shared)
        score += get("years_weighted_skill_score", 0.0) * (self.years_sum[rows] / j_counts)
        score += get("missing_required_skills", 0.0) * (j_required - shared_required)
        if coverage_weight := get("required_skill_coverage", 0.0):
            score += coverage_weight * _safe_divide(shared_required, j_required, 1.0)
        return score


def skill_sums(
    subject: TalentTable | JobTable, candidates: TalentTable | JobTable, skills: SkillIndex
) -> SkillSums:
    """The skill sums of row 0 of `subject` against every candidate, from the candidates'
    `SkillIndex`: only the entries of the subject's skills are read (a few thousand at 100k
    candidates), never the whole table."""
    start, end = subject.skills.indptr[0], subject.skills.indptr[1]
    inside = subject.skills.indices[start:end] < skills.width
    cols = subject.skills.indices[start:end][inside]
    entries = skills.entries(cols)
    which = entries.which
    rows = entries.take("rows")
    level = entries.take("level")
    subject_level = subject.skills.proficiency[start:end][inside][which]
    n_subject = np.full(1, float(end - start))

    def meets(shortfall: FloatArray) -> FloatArray:
        return 1.0 - np.clip(shortfall, 0.0, PROFICIENCY_SPAN) / PROFICIENCY_SPAN

    if isinstance(subject, TalentTable) and isinstance(candidates, JobTable):
        # Entries are job minimums; the talent's levels are the subject's values.
        years = np.minimum(subject.skills.years[start:end][inside], SKILL_YEARS_CAP)
        return SkillSums(
            shared=skills.sum_rows(rows),
            shared_required=skills.sum_rows(rows, entries.take("required")),
            alignment=skills.sum_rows(rows, meets(level - subject_level)),
            years_sum=skills.sum_rows(rows, (years / SKILL_YEARS_CAP)[which]),
            j_counts=skills.row_counts,
            j_required=skills.row_required,
        )
    if isinstance(subject, JobTable) and isinstance(candidates, TalentTable):
        # Entries are talent levels; the job's minimums are the subject's values.
        required = subject.skills.required[start:end][inside].astype(np.float64)
        return SkillSums(
            shared=skills.sum_rows(rows),
            shared_required=skills.sum_rows(rows, required[which]),
            alignment=skills.sum_rows(rows, meets(subject_level - level)),
            years_sum=skills.sum_rows(rows, entries.take("years")),
            j_counts=n_subject,
            j_required=np.full(1, float(subject.n_required[0])),
        )
    raise TypeError("subject and candidates must be one TalentTable and one JobTable")


def context_columns(
    subject: TalentTable | JobTable,
    candidates: TalentTable | JobTable,
    rows: Rows,
    occupation: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Experience, location, salary and culture features of row 0 of `subject` against the
    candidates' `rows` (slice(None) for all of them): plain column arithmetic. `occupation`,
    when given, is the occupation match of those rows, already known from a lookup table."""
    one: Rows = np.zeros(1, dtype=np.int64)
    if isinstance(subject, TalentTable) and isinstance(candidates, JobTable):
        args = (subject, one, candidates, rows)
    elif isinstance(subject, JobTable) and isinstance(candidates, TalentTable):
        args = (candidates, rows, subject, one)
    else:
        raise TypeError("subject and candidates must be one TalentTable and one JobTable")
    n = len(candidates) if isinstance(rows, slice) else len(rows)
    columns: dict[str, FloatArray] = {}
    if occupation is None:
        columns.update(_occupation_features(*args))
    else:
        columns["occupation_match"] = occupation
    for block in (_experience_features, _location_features, _salary_features, _culture_features):
        columns.update(block(*args))
    return {
        name: col if col.shape == (n,) else np.broadcast_to(col, (n,))
        for name, col in columns.items()
    }
