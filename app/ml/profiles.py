"""Columnar candidate tables: N talents or N jobs as numpy arrays and one sparse skill matrix.

Feature extraction and retrieval work on whole columns, so a table is built once per index
(or once per zero-shot request) and sliced with `take`. Categorical values become small
integer codes; "not stated" is -1 for codes and NaN for numbers, which the feature pass maps
to its documented defaults.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from app.core.enums import (
    EMBEDDING_DIM,
    CompanySize,
    RemotePolicy,
    RemotePreference,
    Seniority,
    WorkStyle,
)
from app.ml.errors import InvalidProfileError
from app.ml.types import JobProfile, SkillLevel, TalentProfile

INDUSTRY_KEY_STRIDE = 1 << 20
# Offsets are read at a fixed winter instant so that a table's features do not change with
# the date; daylight saving shifts overlap by at most an hour for half the year.
_OFFSET_INSTANT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

# A categorical value's code is its position in the enum (so seniority codes are ordered).
SENIORITY_CODE = {m.value: i for i, m in enumerate(Seniority)}
REMOTE_PREFERENCE_CODE = {m.value: i for i, m in enumerate(RemotePreference)}
REMOTE_POLICY_CODE = {m.value: i for i, m in enumerate(RemotePolicy)}
COMPANY_SIZE_CODE = {m.value: i for i, m in enumerate(CompanySize)}
WORK_STYLE_CODE = {m.value: i for i, m in enumerate(WorkStyle)}

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Interner:
    """Append-only string -> code map shared by both sides, so codes compare across tables."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        self._lock = threading.Lock()

    def code(self, value: str | None) -> int:
        if not value:
            return -1
        key = value.strip().casefold()
        found = self._codes.get(key)
        if found is not None:
            return found
        with self._lock:
            if key not in self._codes:
                self._codes[key] = len(self._names)
                self._names.append(value.strip())
            return self._codes[key]

    def find(self, value: str) -> int:
        """The code of `value`, or -1 when it was never interned (a lookup that, unlike
        `code`, does not grow the shared map with names a request merely asks about)."""
        return self._codes.get(value.strip().casefold(), -1)

    def name(self, code: int) -> str:
        return self._names[code]

    def __len__(self) -> int:
        return len(self._names)


INDUSTRIES = Interner()
OCCUPATION_PREFIXES = Interner()
# Prefix lengths of an O*NET-SOC code "15-1252.00": major group, minor group, broad
# occupation, detailed occupation, O*NET occupation.
OCCUPATION_LEVELS = (2, 5, 6, 7, 10)
CURRENCIES = Interner()


class SkillVocab(Interner):
    """Skill name -> column of the skill matrices; the names are what explanations print."""

    @classmethod
    def of(cls, names: Iterable[str]) -> SkillVocab:
        vocab = cls()
        for name in names:
            vocab.code(name)
        return vocab


@lru_cache(maxsize=1024)
def timezone_offset_hours(tz: str | None) -> float:
    """UTC offset of an IANA zone in hours; NaN for a missing or unknown zone."""
    if not tz:
        return float("nan")
    try:
        offset = _OFFSET_INSTANT.astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return float("nan")
    return offset.total_seconds() / 3600.0 if offset is not None else float("nan")


def run_positions(starts: IntArray, lengths: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of the runs `[start, start + length)` laid end to end, and for each position
    which run it belongs to: the rows of a CSR slice, gathered without a Python loop."""
    run = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    positions = np.arange(int(lengths.sum()), dtype=np.int64)
    positions += np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return positions, run


@dataclass(frozen=True, slots=True)
class SkillMatrix:
    """CSR layout of (row, skill) entries with parallel value arrays.

    For talents `proficiency` is the talent's level and `years` the years of use; for jobs
    `proficiency` is the minimum level asked and `required` marks required skills.
    """

    indptr: IntArray
    indices: IntArray
    proficiency: FloatArray
    years: FloatArray
    required: BoolArray
    n_columns: int

    def row_counts(self) -> IntArray:
        return np.diff(self.indptr)

    def take(self, rows: IntArray) -> SkillMatrix:
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        pos, _ = run_positions(starts, lengths)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return SkillMatrix(
            indptr=indptr,
            indices=self.indices[pos],
            proficiency=self.proficiency[pos],
            years=self.years[pos],
            required=self.required[pos],
            n_columns=self.n_columns,
        )


def build_skill_matrix(rows: Sequence[Sequence[SkillLevel]], vocab: SkillVocab) -> SkillMatrix:
    """One row per profile; a skill named twice in one profile keeps its strongest entry."""
    indptr = [0]
    indices: list[int] = []
    proficiency: list[float] = []
    years: list[float] = []
    required: list[bool] = []
    for skills in rows:
        best: dict[int, SkillLevel] = {}
        for skill in skills:
            col = vocab.code(skill.name)
            if col < 0:
                continue
            held = best.get(col)
            if held is None or (skill.proficiency, skill.years) > (held.proficiency, held.years):
                best[col] = skill
        for col in sorted(best):
            skill = best[col]
            indices.append(col)
            proficiency.append(float(skill.proficiency))
            years.append(float(skill.years))
            required.append(bool(skill.required))
        indptr.append(len(indices))
    return SkillMatrix(
        indptr=np.asarray(indptr, dtype=np.int64),
        indices=np.asarray(indices, dtype=np.int64),
        proficiency=np.asarray(proficiency, dtype=np.float64),
        years=np.asarray(years, dtype=np.float64),
        required=np.asarray(required, dtype=np.bool_),
        n_columns=len(vocab),
    )


def unit_vectors(latitude: FloatArray, longitude: FloatArray) -> FloatArray:
    """Points on the unit sphere (n, 3); NaN rows where a coordinate is missing.

    Stored once per table so a distance is a chord length away: haversine's
    a = sin^2(dlat/2) + cos(lat1) cos(lat2) sin^2(dlon/2) equals (chord / 2)^2.
    """
    lat, lon = np.radians(latitude), np.radians(longitude)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def occupation_codes(codes: Iterable[str | None]) -> npt.NDArray[np.int32]:
    """(5, n) interned prefixes of each code per hierarchy level (level-major, so one level
    of all rows is contiguous); -1 for an unknown code."""
    rows = []
    for code in codes:
        clean = (code or "").strip()
        rows.append(
            [OCCUPATION_PREFIXES.code(clean[:n]) if clean else -1 for n in OCCUPATION_LEVELS]
        )
    return np.ascontiguousarray(
        np.asarray(rows, dtype=np.int32).reshape(-1, len(OCCUPATION_LEVELS)).T
    )


def _floats(values: Iterable[float | None]) -> FloatArray:
    return np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _codes(values: Iterable[str | None], table: dict[str, int]) -> npt.NDArray[np.int8]:
    return np.asarray([table.get(v, -1) if v else -1 for v in values], dtype=np.int8)


def _embeddings(
    given: Float32Array | None, per_row: Sequence[Float32Array | None], n: int
) -> tuple[Float32Array, BoolArray]:
    if given is not None:
        matrix = np.ascontiguousarray(given, dtype=np.float32)
        if matrix.shape != (n, EMBEDDING_DIM):
            raise ValueError(f"embeddings must have shape ({n}, {EMBEDDING_DIM})")
        return matrix, np.linalg.norm(matrix, axis=1) > 0
    matrix = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
    for i, vec in enumerate(per_row):
        if vec is not None:
            flat = np.asarray(vec, dtype=np.float32).reshape(-1)
            if flat.shape != (EMBEDDING_DIM,):
                raise ValueError(f"embedding must have {EMBEDDING_DIM} values")
            norm = float(np.linalg.norm(flat))
            if norm > 0:
                matrix[i] = flat / norm
    return matrix, np.linalg.norm(matrix, axis=1) > 0


@dataclass(frozen=True, slots=True)
class TalentTable:
    ids: list[object]
    seniority: npt.NDArray[np.int8]
    years_experience: FloatArray
    latitude: FloatArray
    longitude: FloatArray
    xyz: FloatArray
    occupation: npt.NDArray[np.int32]
    tz_offset: FloatArray
    remote: npt.NDArray[np.int8]
    salary_min: FloatArray
    salary_max: FloatArray
    currency: npt.NDArray[np.int32]
    preferred_size: npt.NDArray[np.int8]
    preferred_work_style: npt.NDArray[np.int8]
    preferred_industry_keys: IntArray
    n_preferred_industries: npt.NDArray[np.int32]
    skills: SkillMatrix
    embeddings: Float32Array
    has_embedding: BoolArray
    vocab: SkillVocab
    industry_key_stride: int = INDUSTRY_KEY_STRIDE

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.ArrayLike) -> TalentTable:
        """Sub-table of the given distinct rows, in that order."""
        r = np.asarray(rows, dtype=np.int64)
        keys = self.preferred_industry_keys
        stride = self.industry_key_stride
        # Each row's keys are one contiguous run of the sorted keys: find the runs, copy them
        # with the new row number (in `rows` order, so the result is sorted again).
        lo = np.searchsorted(keys, r * stride)
        positions, new_row = run_positions(lo, np.searchsorted(keys, (r + 1) * stride) - lo)
        remapped = new_row * stride + keys[positions] % stride
        return replace(
            self,
            ids=[self.ids[i] for i in r.tolist()],
            seniority=self.seniority[r],
            years_experience=self.years_experience[r],
            latitude=self.latitude[r],
            longitude=self.longitude[r],
            xyz=self.xyz[r],
            occupation=self.occupation[:, r],
            tz_offset=self.tz_offset[r],
            remote=self.remote[r],
            salary_min=self.salary_min[r],
            salary_max=self.salary_max[r],
            currency=self.currency[r],
            preferred_size=self.preferred_size[r],
            preferred_work_style=self.preferred_work_style[r],
            preferred_industry_keys=remapped,
            n_preferred_industries=self.n_preferred_industries[r],
            skills=self.skills.take(r),
            embeddings=self.embeddings[r],
            has_embedding=self.has_embedding[r],
        )


@dataclass(frozen=True, slots=True)
class JobTable:
    ids: list[object]
    company_ids: list[object]
    seniority: npt.NDArray[np.int8]
    min_years: FloatArray
    max_years: FloatArray
    latitude: FloatArray
    longitude: FloatArray
    xyz: FloatArray
    occupation: npt.NDArray[np.int32]
    tz_offset: FloatArray
    remote: npt.NDArray[np.int8]
    salary_min: FloatArray
    salary_max: FloatArray
    currency: npt.NDArray[np.int32]
    company_size: npt.NDArray[np.int8]
    industry: npt.NDArray[np.int32]
    work_style: npt.NDArray[np.int8]
    n_required: IntArray
    skills: SkillMatrix
    embeddings: Float32Array
    has_embedding: BoolArray
    vocab: SkillVocab

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: npt.ArrayLike) -> JobTable:
        r = np.asarray(rows, dtype=np.int64)
        return replace(
            self,
            ids=[self.ids[i] for i in r.tolist()],
            company_ids=[self.company_ids[i] for i in r.tolist()],
            seniority=self.seniority[r],
            min_years=self.min_years[r],
            max_years=self.max_years[r],
            latitude=self.latitude[r],
            longitude=self.longitude[r],
            xyz=self.xyz[r],
            occupation=self.occupation[:, r],
            tz_offset=self.tz_offset[r],
            remote=self.remote[r],
            salary_min=self.salary_min[r],
            salary_max=self.salary_max[r],
            currency=self.currency[r],
            company_size=self.company_size[r],
            industry=self.industry[r],
            work_style=self.work_style[r],
            n_required=self.n_required[r],
            skills=self.skills.take(r),
            embeddings=self.embeddings[r],
            has_embedding=self.has_embedding[r],
        )


def talent_table(
    profiles: Sequence[TalentProfile],
    vocab: SkillVocab,
    embeddings: Float32Array | None = None,
) -> TalentTable:
    """Columnar table of talents; `embeddings` (n, 384), if given, overrides profile vectors."""
    n = len(profiles)
    skills = build_skill_matrix([p.skills for p in profiles], vocab)
    keys: list[int] = []
    n_prefs = np.zeros(n, dtype=np.int32)
    for row, p in enumerate(profiles):
        codes = {INDUSTRIES.code(name) for name in p.preferred_industries} - {-1}
        n_prefs[row] = len(codes)
        keys.extend(row * INDUSTRY_KEY_STRIDE + c for c in codes)
    matrix, has = _embeddings(embeddings, [p.embedding for p in profiles], n)
    return TalentTable(
        ids=[p.id for p in profiles],
        seniority=_seniority_codes(p.seniority for p in profiles),
        years_experience=_floats(p.years_experience for p in profiles),
        latitude=(lat := _floats(p.latitude for p in profiles)),
        longitude=(lon := _floats(p.longitude for p in profiles)),
        xyz=unit_vectors(lat, lon),
        occupation=occupation_codes(p.occupation_code for p in profiles),
        tz_offset=np.asarray([timezone_offset_hours(p.timezone) for p in profiles], np.float64),
        remote=_remote_codes(
            (p.remote_preference for p in profiles), REMOTE_PREFERENCE_CODE, "remote_preference"
        ),
        salary_min=_floats(p.salary_min for p in profiles),
        salary_max=_floats(p.salary_max for p in profiles),
        currency=np.asarray([CURRENCIES.code(p.currency) for p in profiles], np.int32),
        preferred_size=_codes((p.preferred_company_size for p in profiles), COMPANY_SIZE_CODE),
        preferred_work_style=_codes((p.preferred_work_style for p in profiles), WORK_STYLE_CODE),
        preferred_industry_keys=np.sort(np.asarray(keys, dtype=np.int64)),
        n_preferred_industries=n_prefs,
        skills=skills,
        embeddings=matrix,
        has_embedding=has,
        vocab=vocab,
    )


def job_table(
    profiles: Sequence[JobProfile],
    vocab: SkillVocab,
    embeddings: Float32Array | None = None,
) -> JobTable:
    """Columnar table of jobs; `embeddings` (n, 384), if given, overrides profile vectors."""
    n = len(profiles)
    skills = build_skill_matrix([p.skills for p in profiles], vocab)
    n_required = np.bincount(
        np.repeat(np.arange(n), skills.row_counts()), weights=skills.required, minlength=n
    ).astype(np.int64)
    matrix, has = _embeddings(embeddings, [p.embedding for p in profiles], n)
    return JobTable(
        ids=[p.id for p in profiles],
        company_ids=[p.company_id for p in profiles],
        seniority=_seniority_codes(p.seniority for p in profiles),
        min_years=_floats(p.min_years for p in profiles),
        max_years=_floats(p.max_years for p in profiles),
        latitude=(lat := _floats(p.latitude for p in profiles)),
        longitude=(lon := _floats(p.longitude for p in profiles)),
        xyz=unit_vectors(lat, lon),
        occupation=occupation_codes(p.occupation_code for p in profiles),
        tz_offset=np.asarray([timezone_offset_hours(p.timezone) for p in profiles], np.float64),
        remote=_remote_codes(
            (p.remote_policy for p in profiles), REMOTE_POLICY_CODE, "remote_policy"
        ),
        salary_min=_floats(p.salary_min for p in profiles),
        salary_max=_floats(p.salary_max for p in profiles),
        currency=np.asarray([CURRENCIES.code(p.currency) for p in profiles], np.int32),
        company_size=_codes((p.company_size for p in profiles), COMPANY_SIZE_CODE),
        industry=np.asarray([INDUSTRIES.code(p.company_industry) for p in profiles], np.int32),
        work_style=_codes((p.company_work_style for p in profiles), WORK_STYLE_CODE),
        n_required=n_required,
        skills=skills,
        embeddings=matrix,
        has_embedding=has,
        vocab=vocab,
    )


def _seniority_codes(values: Iterable[str]) -> npt.NDArray[np.int8]:
    out = []
    for value in values:
        if value not in SENIORITY_CODE:
            raise InvalidProfileError(
                f"seniority {value!r} is not one of {', '.join(SENIORITY_CODE)}", "seniority"
            )
        out.append(SENIORITY_CODE[value])
    return np.asarray(out, dtype=np.int8)


def _remote_codes(values: Iterable[str], table: dict[str, int], field: str) -> npt.NDArray[np.int8]:
    out = []
    for value in values:
        if value not in table:
            raise InvalidProfileError(f"{field} {value!r} is not one of {', '.join(table)}", field)
        out.append(table[value])
    return np.asarray(out, dtype=np.int8)


def pair_vocab(talent: TalentProfile, job: JobProfile) -> SkillVocab:
    """Vocabulary of one zero-shot pair: the union of both skill lists."""
    return SkillVocab.of([s.name for s in talent.skills] + [s.name for s in job.skills])
