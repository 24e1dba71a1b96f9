"""The hidden preference model that labels synthetic talent-job pairs (0-100).

The matching model never sees this module; it has to learn these preferences from the
labelled pairs. Each component is in [0, 1]:

=============  ======  ============================================================
component      weight  what it rewards
=============  ======  ============================================================
skills          0.35   weighted coverage of the job's skills (required 1.0, preferred
                       0.5); a skill held below the job's minimum earns
                       proficiency / minimum
occupation      0.20   same O*NET occupation 1.0, same minor group (e.g. 15-12) 0.6,
                       same major group (15) 0.35, otherwise 0.05 -- the cause that
                       the texts (and so the embeddings) reflect
seniority       0.15   1 - 0.35 per level under the job - 0.15 per level beyond one
                       over it, times 1 - 0.15 per year short of the job's minimum
                       (at least 0.2), times the depth of experience
                       1 - 0.5 exp(-years / 4): more years never hurt, with a
                       diminishing return (0.5 at none, 0.82 at 4 years, 0.98 at 12)
location        0.15   remote job: 1 up to 3 h time-zone difference, then -0.07/h;
                       hybrid: exp(-km/150); onsite: exp(-km/60); a talent who wants
                       remote gets x0.6 (hybrid) / x0.4 (onsite), one who wants onsite
                       x0.8 for a remote job
salary          0.10   1 when the job's maximum reaches the talent's minimum, falling
                       linearly to 0 at 30 % short; 0.7 when either side is unknown
culture         0.05   mean of company size (equal 1, neighbour 0.6, else 0.2), work
                       style (equal 1, else 0.4) and industry (listed 1, else 0.3);
                       0.6 for each preference the talent left open
=============  ======  ============================================================

label = clip(100 * sum(weight * component) + N(0, 4), 0, 100).

The noise-free label is a weighted sum of components that are each monotone in what they
measure, so e.g. holding more of a job's skills (or holding them better) never lowers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.core.enums import RemotePolicy, RemotePreference

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

WEIGHTS: dict[str, float] = {
    "skills": 0.35,
    "occupation": 0.20,
    "seniority": 0.15,
    "location": 0.15,
    "salary": 0.10,
    "culture": 0.05,
}
NOISE_SD = 4.0
EARTH_RADIUS_KM = 6371.0

_REMOTE, _HYBRID, _ONSITE = (
    list(RemotePolicy).index(p)
    for p in (RemotePolicy.REMOTE, RemotePolicy.HYBRID, RemotePolicy.ONSITE)
)
_WANTS_REMOTE = list(RemotePreference).index(RemotePreference.REMOTE)
_WANTS_ONSITE = list(RemotePreference).index(RemotePreference.ONSITE)


def skill_coverage(
    pair: IntArray,
    n_pairs: int,
    held: FloatArray,
    min_proficiency: FloatArray,
    required: BoolArray,
) -> FloatArray:
    """Per pair, over the job's skill rows (pair index per row): weighted share covered.

    `held` is the talent's proficiency for that skill (0 when missing). A pair whose job
    lists no skills covers everything (1.0).
    """
    weight = np.where(required, 1.0, 0.5)
    credit = np.minimum(1.0, held / np.maximum(min_proficiency, 1.0))
    got = np.bincount(pair, weights=weight * credit, minlength=n_pairs)
    total = np.bincount(pair, weights=weight, minlength=n_pairs)
    return np.where(total > 0, got / np.where(total > 0, total, 1.0), 1.0)


def occupation_fit(talent_code: list[str], job_code: list[str]) -> FloatArray:
    same = np.array([a == b for a, b in zip(talent_code, job_code, strict=True)], dtype=bool)
    minor = np.array(
        [a[:5] == b[:5] for a, b in zip(talent_code, job_code, strict=True)], dtype=bool
    )
    major = np.array(
        [a[:2] == b[:2] for a, b in zip(talent_code, job_code, strict=True)], dtype=bool
    )
    return np.select([same, minor, major], [1.0, 0.6, 0.35], default=0.05)


def seniority_fit(
    talent_level: IntArray, job_level: IntArray, talent_years: FloatArray, job_min_years: FloatArray
) -> FloatArray:
    """Recruiters read experience as depth, not as a box ticked at the stated minimum: a
    résumé with a year more of the same work is the better one, and a year short of the
    minimum is a real gap. The first version rewarded nothing above the minimum and charged
    1.2 label points per missing year (below the label noise), so the model learned to ignore
    years; on rjdb, where a résumé's weakened twin mostly loses experience, it then lost to a
    plain TF-IDF cosine. One level over the job is no penalty (a senior may take a mid job);
    more than that is overqualification."""
    gap = talent_level - job_level
    score = 1.0 - 0.35 * np.maximum(0, -gap) - 0.15 * np.maximum(0, gap - 1)
    short = np.maximum(0.0, job_min_years - talent_years)
    depth = 1.0 - 0.5 * np.exp(-talent_years / 4.0)
    return np.asarray(
        np.clip(score, 0.0, 1.0) * np.clip(1.0 - 0.15 * short, 0.2, 1.0) * depth,
        dtype=np.float64,
    )


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), np.float64)


def location_fit(
    distance_km: FloatArray, tz_diff_hours: FloatArray, policy: IntArray, preference: IntArray
) -> FloatArray:
    remote = np.clip(1.0 - 0.07 * np.maximum(0.0, tz_diff_hours - 3.0), 0.3, 1.0)
    score = np.select(
        [policy == _REMOTE, policy == _HYBRID],
        [remote, np.exp(-distance_km / 150.0)],
        default=np.exp(-distance_km / 60.0),
    )
    factor = np.ones_like(score)
    factor = np.where((preference == _WANTS_REMOTE) & (policy == _HYBRID), 0.6, factor)
    factor = np.where((preference == _WANTS_REMOTE) & (policy == _ONSITE), 0.4, factor)
    factor = np.where((preference == _WANTS_ONSITE) & (policy == _REMOTE), 0.8, factor)
    return np.asarray(score * factor, dtype=np.float64)


def salary_fit(talent_min: FloatArray, job_max: FloatArray) -> FloatArray:
    """NaN on either side means unknown (0.7)."""
    known = ~(np.isnan(talent_min) | np.isnan(job_max))
    safe_min = np.where(known & (talent_min > 0), talent_min, 1.0)
    shortfall = np.maximum(0.0, (safe_min - np.where(known, job_max, 0.0)) / safe_min)
    score = np.clip(1.0 - shortfall / 0.3, 0.0, 1.0)
    return np.where(known, np.where(talent_min > 0, score, 1.0), 0.7)


def culture_fit(
    pref_size: IntArray,
    company_size: IntArray,
    pref_style: IntArray,
    company_style: IntArray,
    industry_listed: BoolArray,
    industry_open: BoolArray,
) -> FloatArray:
    size_gap = np.abs(pref_size - company_size)
    size = np.where(pref_size < 0, 0.6, np.select([size_gap == 0, size_gap == 1], [1.0, 0.6], 0.2))
    style = np.where(pref_style < 0, 0.6, np.where(pref_style == company_style, 1.0, 0.4))
    industry = np.where(industry_open, 0.6, np.where(industry_listed, 1.0, 0.3))
    return (size + style + industry) / 3.0


@dataclass(frozen=True)
class Components:
    skills: FloatArray
    occupation: FloatArray
    seniority: FloatArray
    location: FloatArray
    salary: FloatArray
    culture: FloatArray

    def clean_label(self) -> FloatArray:
        """The noise-free label, 0-100."""
        total = sum(WEIGHTS[name] * getattr(self, name) for name in WEIGHTS)
        return np.asarray(np.clip(100.0 * np.asarray(total), 0.0, 100.0), dtype=np.float64)

    def label(self, rng: np.random.Generator) -> FloatArray:
        noisy = self.clean_label() + rng.normal(0.0, NOISE_SD, size=self.skills.shape[0])
        return np.asarray(np.round(np.clip(noisy, 0.0, 100.0), 2), dtype=np.float64)
