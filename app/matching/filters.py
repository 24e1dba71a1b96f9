"""Hard filters of a match request, as one boolean mask over a candidate index.

Filters run in stage 1, before the pre-filter and the short list pick anything: the short
list is then the best candidates *among those that pass*, so a filter that excludes most of
the index still fills a page, and whenever at most `shortlist_size` candidates pass, every one
of them is scored by the model (the result is the exact top k of the filtered set). Each
filter is a column comparison over the whole index (N values, no Python loop per candidate).

What a filter means, for the candidate side it constrains:

- `remote`: the candidate's remote setting is one of these (a job's policy; a talent's
  preference);
- `radius_km`: the great-circle (haversine) distance from the subject's coordinates to the
  candidate's is at most this; candidates without coordinates fail. A *job* whose policy is
  `remote` counts as inside any radius when remote jobs are accepted (no `remote` filter, or
  one that lists `remote`): it can be done from where the talent is; to see only jobs nearby,
  leave `remote` out of `remote`. Talents are placed strictly by where they are;
- `salary_min` (a floor): the top of the candidate's range (its maximum, or its minimum when
  only that is stated) reaches the floor; `salary_max` (a ceiling, a budget): the bottom of
  the range (its minimum, or its maximum when only that is stated) is at most the ceiling.
  Both are in the subject's currency: a candidate with no salary, or in another currency,
  fails (no conversion is guessed);
- `seniority`: the candidate's level is one of these;
- `skills`: the candidate lists every one of these skills (for a job, required or
  nice-to-have);
- `min_years` (talents only): at least this many years of experience.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.core.enums import RemotePolicy
from app.matching.retrieval import CandidateIndex
from app.ml.features import chord_km
from app.ml.profiles import (
    REMOTE_POLICY_CODE,
    REMOTE_PREFERENCE_CODE,
    SENIORITY_CODE,
    JobTable,
    TalentTable,
)

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MatchFilters:
    """Constraints every returned candidate satisfies; None (or no skills) = no constraint.

    `skills` are the names the caller gave until the service resolves them to the stored
    skill names (`resolved`)."""

    remote: frozenset[str] | None = None
    radius_km: float | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    seniority: frozenset[str] | None = None
    skills: tuple[str, ...] = field(default_factory=tuple)
    min_years: float | None = None

    @property
    def active(self) -> bool:
        return self != MatchFilters()

    def fingerprint(self) -> dict[str, Any]:
        """A canonical, JSON-able form: equal filters give equal fingerprints (the cursor
        binds a page to the filters of the request that made it)."""
        return {
            "remote": sorted(self.remote) if self.remote is not None else None,
            "radius_km": self.radius_km,
            "salary_min": self.salary_min,
            "salary_max": self.salary_max,
            "seniority": sorted(self.seniority) if self.seniority is not None else None,
            "skills": sorted({s.casefold() for s in self.skills}),
            "min_years": self.min_years,
        }


def _member(
    codes: npt.NDArray[np.int8], table: dict[str, int], values: frozenset[str]
) -> BoolArray:
    """codes in {table[v] for v in values}, as a lookup: one gather over the column."""
    accepted = np.zeros(len(table), dtype=np.bool_)
    accepted[[table[v] for v in values if v in table]] = True
    return np.asarray(accepted[codes.astype(np.intp)], dtype=np.bool_)


def distances_km(subject: TalentTable | JobTable, table: TalentTable | JobTable) -> FloatArray:
    """Haversine km from the subject (row 0) to every candidate; NaN where either lacks
    coordinates. The same formula as the `distance_km` feature, so a filter and the
    explanation's distance never disagree."""
    return chord_km(table.xyz, np.broadcast_to(subject.xyz[0], table.xyz.shape))


def _salary_reaches(low: FloatArray, high: FloatArray, floor: float) -> BoolArray:
    top = np.where(np.isnan(high), low, high)
    return np.asarray(top >= floor, dtype=np.bool_)  # NaN >= x is False: no salary fails


def _salary_within(low: FloatArray, high: FloatArray, ceiling: float) -> BoolArray:
    bottom = np.where(np.isnan(low), high, low)
    return np.asarray(bottom <= ceiling, dtype=np.bool_)


def _has_all_skills(index: CandidateIndex, names: tuple[str, ...]) -> BoolArray:
    """Rows that list every skill in `names`: one bincount over the entries of those few
    skills in the index's column-major store, never the whole skill table."""
    n = len(index.table)
    codes = {index.table.vocab.find(name) for name in names}
    if -1 in codes or max(codes) >= index.skills.width:
        return np.zeros(n, dtype=np.bool_)  # a skill no candidate lists
    cols = np.fromiter(codes, dtype=np.int64)
    hits = index.skills.entries(cols).take("rows")
    return np.asarray(np.bincount(hits, minlength=n) == len(codes), dtype=np.bool_)


def allowed_rows(
    filters: MatchFilters | None, subject: TalentTable | JobTable, index: CandidateIndex
) -> BoolArray | None:
    """Which candidate rows of the index pass every filter (None: no filter, all pass).

    The subject's own fields the filters need are checked by the service first (a radius
    needs its coordinates)."""
    if filters is None or not filters.active:
        return None
    table = index.table
    mask = np.ones(len(table), dtype=np.bool_)
    is_job = isinstance(table, JobTable)
    remote_codes = REMOTE_POLICY_CODE if is_job else REMOTE_PREFERENCE_CODE
    if filters.seniority is not None:
        mask &= _member(table.seniority, SENIORITY_CODE, filters.seniority)
    if filters.remote is not None:
        mask &= _member(table.remote, remote_codes, filters.remote)
    if filters.radius_km is not None:
        inside = distances_km(subject, table) <= filters.radius_km
        if is_job and (filters.remote is None or RemotePolicy.REMOTE in filters.remote):
            inside |= table.remote == REMOTE_POLICY_CODE[RemotePolicy.REMOTE]
        mask &= inside
    if filters.salary_min is not None or filters.salary_max is not None:
        mask &= table.currency == subject.currency[0]
        if filters.salary_min is not None:
            mask &= _salary_reaches(table.salary_min, table.salary_max, filters.salary_min)
        if filters.salary_max is not None:
            mask &= _salary_within(table.salary_min, table.salary_max, filters.salary_max)
    if filters.min_years is not None:
        if not isinstance(table, TalentTable):
            raise ValueError("min_years filters talents only")
        mask &= table.years_experience >= filters.min_years
    if filters.skills:
        mask &= _has_all_skills(index, filters.skills)
    return mask
