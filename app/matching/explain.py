"""Explanations: per-feature contributions -> category sub-scores, top factors and sentences.

Contributions come from LightGBM's `pred_contrib` (exact TreeSHAP, the same numbers as
`shap.TreeExplainer`, tested) for the model, or from the rule weights for the fallback. They
are in score points, so `base + sum(contributions) = raw score`.

Sub-scores are relative to the average candidate, which is what SHAP measures: 50 means the
category moves the score as much as it does for an average pair, 100 means it adds as much
as it typically can (its 95th-percentile |contribution| on training data), 0 the opposite.
The text-similarity feature is folded into "skills" for sub-scores (a profile's text is
mostly what the person does), but keeps its own category on the factor.

Sentences are written from the raw inputs (skill names, km, salary ranges), not only from
the feature value: "Covers 4 of 5 required skills (missing: Kubernetes)". Each fact has a
sentence per direction (`Wording`), and the sign of the factor's shown impact picks one
(`effect_of`), so a factor that costs points says why ("Only the same major occupation group
as the job (not the same occupation)") and never reads like a strength, and the other way round.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.core.enums import (
    CompanySize,
    FactorEffect,
    RemotePolicy,
    RemotePreference,
    Seniority,
    WorkStyle,
)
from app.ml.features import EXPERIENCE_YEARS_CAP, FEATURE_BY_NAME, FEATURE_NAMES, UNKNOWN
from app.ml.profiles import CURRENCIES, INDUSTRIES, JobTable, SkillMatrix, TalentTable
from app.ml.sub_scores import sub_scores
from app.ml.types import Explanation, Factor

FloatArray = npt.NDArray[np.float64]

TOP_FACTORS = 3
MAX_NAMES = 4
# Labels by the integer codes the tables hold (a code is the value's position in its enum).
_LEVELS = tuple(m.value for m in Seniority)
_PREFERENCES = tuple(m.value for m in RemotePreference)
_POLICIES = tuple(m.value for m in RemotePolicy)
_SIZES = tuple(m.value for m in CompanySize)
_STYLES = tuple(m.value for m in WorkStyle)


def _skill_map(skills: SkillMatrix, row: int, second: npt.NDArray[Any]) -> dict[int, Any]:
    """Skill column -> (proficiency, `second`) of one row: years (talents), required (jobs)."""
    lo, hi = int(skills.indptr[row]), int(skills.indptr[row + 1])
    values = zip(skills.proficiency[lo:hi].tolist(), second[lo:hi].tolist(), strict=True)
    return dict(zip(skills.indices[lo:hi].tolist(), values, strict=True))


class PairView:
    """Raw inputs of one (talent, job) pair, read from the two tables for sentences.

    Skill sets are Python sets, not numpy's set routines: a pair holds a handful of skills,
    where those cost more than they save. Most pairs get a skill sentence, so the two skill
    maps are built up front; the derived lists are worked out on first use and kept (plain
    attributes: 3.11's `cached_property` takes a lock on every read, a third of the cost).
    """

    def __init__(self, talents: TalentTable, t: int, jobs: JobTable, j: int) -> None:
        self.talents, self.t, self.jobs, self.j = talents, t, jobs, j
        self._talent_skills: dict[int, tuple[float, float]] = _skill_map(
            talents.skills, t, talents.skills.years
        )
        self._job_skills: dict[int, tuple[float, bool]] = _skill_map(
            jobs.skills, j, jobs.skills.required
        )
        self._shared: list[int] | None = None
        self._required: list[int] | None = None

    @property
    def shared(self) -> list[int]:
        if self._shared is None:
            self._shared = sorted(self._talent_skills.keys() & self._job_skills.keys())
        return self._shared

    @property
    def required(self) -> list[int]:
        if self._required is None:
            self._required = [c for c, (_, req) in self._job_skills.items() if req]
        return self._required

    @property
    def missing_required(self) -> list[int]:
        return [c for c in self.required if c not in self._talent_skills]

    @property
    def n_job_skills(self) -> int:
        return len(self._job_skills)

    @property
    def below_minimum(self) -> list[int]:
        return [c for c in self.shared if self._talent_skills[c][0] < self._job_skills[c][0]]

    @property
    def shared_years(self) -> float:
        return sum(self._talent_skills[c][1] for c in self.shared)

    def names(self, cols: list[int]) -> str:
        names = sorted(self.talents.vocab.name(c) for c in cols)
        shown = ", ".join(names[:MAX_NAMES])
        more = len(names) - MAX_NAMES
        return shown + (f" and {more} more" if more > 0 else "")

    def salary(self, low: float, high: float) -> str:
        lo = high if math.isnan(low) else low
        hi = low if math.isnan(high) else high
        return f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}-{hi:,.0f}"


_AGAINST_TYPICAL = ", yet this counts against it compared with a typical match"
_FOR_TYPICAL = ", yet this counts in its favour compared with a typical match"


@dataclass(frozen=True, slots=True)
class Wording:
    """The sentences of one fact, one per direction the fact can move the score.

    `raises` is shown when the contribution is positive, `lowers` when it is negative and
    `fact` when it is exactly zero. A fact that reads as a strength gets a `lowers` that says
    why it still costs points ("Only the same major occupation group..."), and one that reads
    as a weakness a `raises` that says it still helps, so the sign and the words agree.
    """

    fact: str
    raises: str
    lowers: str


def _good(fact: str, lowers: str | None = None) -> Wording:
    """A fact that reads as a strength."""
    return Wording(fact, fact, lowers or fact + _AGAINST_TYPICAL)


def _bad(fact: str, lowers: str | None = None) -> Wording:
    """A fact that reads as a weakness (`lowers` to sharpen it, e.g. with "but")."""
    return Wording(fact, fact + _FOR_TYPICAL, lowers or fact)


def _partial(raises: str, lowers: str) -> Wording:
    """A fact with a good and a bad side ("3 of 5"): each direction names its side."""
    return Wording(raises, raises, lowers)


def _neutral(fact: str) -> Wording:
    """A fact with no direction of its own, such as missing data."""
    return Wording(
        fact, f"{fact}, which counts in its favour here", f"{fact}, which counts against it here"
    )


def _skill_sentence(name: str, value: float, v: PairView) -> Wording:
    if name == "shared_skills":
        n, listed = len(v.shared), v.n_job_skills
        if n == 0:
            return _bad("Shares none of the job's skills")
        if n == listed:
            return _good(f"Has all {n} skills the job lists ({v.names(v.shared)})")
        return _partial(
            f"Has {n} of the {listed} skills the job lists ({v.names(v.shared)})",
            f"Has only {n} of the {listed} skills the job lists ({v.names(v.shared)})",
        )
    if name in ("required_skill_coverage", "missing_required_skills"):
        n_req, n_miss = len(v.required), len(v.missing_required)
        if n_req == 0:
            return _neutral("The job lists no required skills")
        if n_miss == 0:
            return _good(f"Covers all {n_req} required skills")
        missing = f"(missing: {v.names(v.missing_required)})"
        if n_req == 1 and n_miss == 1:
            return _bad(f"Lacks the job's one required skill ({v.names(v.missing_required)})")
        if n_miss == n_req:
            return _bad(f"Covers none of the {n_req} required skills {missing}")
        return _partial(
            f"Covers {n_req - n_miss} of {n_req} required skills {missing}",
            f"Covers only {n_req - n_miss} of {n_req} required skills {missing}",
        )
    if name == "skill_proficiency_alignment":
        n, below = len(v.shared), v.below_minimum
        if n == 0:
            return _neutral("No shared skills to compare proficiency on")
        if not below:
            return _good(f"Meets the required level on all {n} shared skills")
        if len(below) == n:
            return _bad(f"Below the required level on all {n} shared skills ({v.names(below)})")
        return _partial(
            f"Meets the required level on {n - len(below)} of {n} shared skills "
            f"(below on {v.names(below)})",
            f"Below the required level on {len(below)} of {n} shared skills ({v.names(below)})",
        )
    years = v.shared_years
    if years <= 0:
        return _bad("No years of experience on the job's skills")
    return _partial(
        f"{years:.0f} years of combined experience on the job's skills",
        f"Only {years:.0f} years of combined experience on the job's skills",
    )


def _experience_sentence(name: str, value: float, v: PairView) -> Wording:
    t_level = _LEVELS[int(v.talents.seniority[v.t])]
    j_level = _LEVELS[int(v.jobs.seniority[v.j])]
    years = float(v.talents.years_experience[v.t])
    min_years = float(v.jobs.min_years[v.j])
    max_years = float(v.jobs.max_years[v.j])
    if name == "occupation_match":
        return _occupation_sentence(value, v)
    if name == "years_ratio":
        if years < min_years:
            return _bad(
                f"Only {years:g} years of experience for a job asking at least {min_years:g}"
            )
        return _good(f"{years:g} years of experience for a job asking at least {min_years:g}")
    if name == "experience_years":
        if years <= 0:
            return _bad("No work experience stated")
        capped = "+" if years >= EXPERIENCE_YEARS_CAP else ""
        return _good(f"{min(years, EXPERIENCE_YEARS_CAP):g}{capped} years of work experience")
    if name == "underqualified_years":
        if value <= 0:
            return _good(f"Meets the {min_years:g}-year experience minimum ({years:g} years)")
        return _bad(f"{value:g} years short of the {min_years:g}-year minimum")
    if name == "overqualified_years":
        if np.isnan(max_years):
            return _neutral("The job sets no experience maximum")
        if value <= 0:
            return _good(f"Within the job's {max_years:g}-year experience maximum")
        return _bad(f"{value:g} years above the job's {max_years:g}-year maximum")
    gap = int(v.talents.seniority[v.t]) - int(v.jobs.seniority[v.j])
    if gap == 0:
        return _good(f"Seniority matches: {t_level}")
    direction = "above" if gap > 0 else "below"
    plural = "s" if abs(gap) > 1 else ""
    return _bad(f"Seniority {t_level} for a {j_level} role ({abs(gap)} level{plural} {direction})")


_OCCUPATION_LEVEL_WORDS = (
    "major occupation group",
    "minor occupation group",
    "broad occupation",
    "detailed occupation",
    "occupation",
)


def _occupation_sentence(value: float, v: PairView) -> Wording:
    if value == UNKNOWN:
        return _neutral("Occupation unknown for the talent or the job")
    if value <= 0:
        return _bad("Works in a different occupation field than the job")
    level = _OCCUPATION_LEVEL_WORDS[int(value) - 1]
    if int(value) >= len(_OCCUPATION_LEVEL_WORDS):
        return _good(f"Same {level} as the job")
    return _partial(
        f"Same {level} as the job",
        f"Only the same {level} as the job (not the same occupation)",
    )


def _location_sentence(name: str, value: float, v: PairView) -> Wording:
    if name == "distance_km":
        if value == UNKNOWN:
            return _neutral("Location unknown for the talent or the job")
        return _partial(
            f"Within {value:,.0f} km of the job location",
            f"{value:,.0f} km away from the job location",
        )
    if name == "timezone_overlap_hours":
        if value == UNKNOWN:
            return _neutral("Timezone unknown for the talent or the job")
        if value <= 0:
            return _bad("No working hours overlap between the timezones")
        if value >= 8:
            return _good(f"{value:g} working hours overlap between the timezones")
        return _partial(
            f"{value:g} working hours overlap between the timezones",
            f"Only {value:g} working hours overlap between the timezones",
        )
    pref = _PREFERENCES[int(v.talents.remote[v.t])]
    policy = _POLICIES[int(v.jobs.remote[v.j])]
    if pref == "any":
        return _good(f"Open to any work setup; the job is {policy}")
    if pref == policy:
        return _good(f"Prefers {pref} work and the job is {policy}")
    return _bad(
        f"Prefers {pref} work; the job is {policy}", f"Prefers {pref} work but the job is {policy}"
    )


def _salary_sentence(name: str, value: float, v: PairView) -> Wording:
    t_cur = int(v.talents.currency[v.t])
    j_cur = int(v.jobs.currency[v.j])
    if value == UNKNOWN:
        if t_cur != j_cur:
            return _neutral("Salaries are in different currencies and were not compared")
        return _neutral("Salary unknown for the talent or the job")
    currency = CURRENCIES.name(j_cur) if j_cur >= 0 else ""
    asks = v.salary(float(v.talents.salary_min[v.t]), float(v.talents.salary_max[v.t]))
    offers = v.salary(float(v.jobs.salary_min[v.j]), float(v.jobs.salary_max[v.j]))
    ranges = f"asks {asks}, offers {offers} {currency}"
    if name == "salary_iou":
        if value <= 0:
            return _bad(f"Salary ranges do not overlap: {ranges}")
        if value >= 1:
            return _good(f"Salary ranges are the same: {ranges}")
        return _partial(
            f"Salary ranges overlap {value:.0%}: {ranges}",
            f"Salary ranges overlap only {value:.0%}: {ranges}",
        )
    fact = f"Asks {value:.0%} of the job's top salary ({asks} vs {offers} {currency})"
    if value > 1:
        return _bad(f"{fact}, more than it offers")
    return _good(fact)


def _culture_sentence(name: str, value: float, v: PairView) -> Wording:
    if name == "industry_match":
        code = int(v.jobs.industry[v.j])
        industry = INDUSTRIES.name(code) if code >= 0 else "unknown"
        if value == 0.5:
            return _neutral(f"No industry preference to compare with {industry}")
        if value == 1.0:
            return _good(f"The company's industry ({industry}) is among the preferred ones")
        return _bad(f"The company's industry ({industry}) is not among the preferred ones")
    if name == "company_size_match":
        pref, actual = int(v.talents.preferred_size[v.t]), int(v.jobs.company_size[v.j])
        labels: tuple[str, ...] = _SIZES
        what = "company size"
    else:
        pref, actual = int(v.talents.preferred_work_style[v.t]), int(v.jobs.work_style[v.j])
        labels = _STYLES
        what = "work style"
    if pref < 0 or actual < 0:
        return _neutral(f"No {what} preference to compare")
    if pref == actual:
        return _good(f"The company's {what} ({labels[actual]}) is the preferred one")
    return _bad(
        f"Prefers a {labels[pref]} {what}; the company's is {labels[actual]}",
        f"Prefers a {labels[pref]} {what} but the company's is {labels[actual]}",
    )


def _text_sentence(name: str, value: float, v: PairView) -> Wording:
    if not (v.talents.has_embedding[v.t] and v.jobs.has_embedding[v.j]):
        return _neutral("No profile or job text to compare")
    similarity = f"{max(value, 0.0):.0%}"
    return _partial(
        f"Profile text is {similarity} similar to the job description",
        f"Profile text is only {similarity} similar to the job description",
    )


_SENTENCES: dict[str, Callable[[str, float, PairView], Wording]] = {
    "skills": _skill_sentence,
    "experience": _experience_sentence,
    "location": _location_sentence,
    "salary": _salary_sentence,
    "culture": _culture_sentence,
    "text": _text_sentence,
}


def effect_of(impact: float) -> FactorEffect:
    """The rule: a positive contribution raises the score, a negative one lowers it."""
    if impact > 0:
        return FactorEffect.RAISES
    if impact < 0:
        return FactorEffect.LOWERS
    return FactorEffect.NEUTRAL


def wording(name: str, value: float, view: PairView) -> Wording:
    """Every sentence one feature of one pair can get, before its direction is known."""
    return _SENTENCES[FEATURE_BY_NAME[name].category](name, value, view)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    effect: FactorEffect


def describe(name: str, value: float, view: PairView, impact: float) -> Sentence:
    """A sentence a person understands about one feature of one pair, worded for the way
    its contribution (`impact`, score points) moves the score."""
    words = wording(name, value, view)
    effect = effect_of(impact)
    if effect is FactorEffect.RAISES:
        return Sentence(words.raises, effect)
    if effect is FactorEffect.LOWERS:
        return Sentence(words.lowers, effect)
    return Sentence(words.fact, effect)


def _summary(score: float, factors: list[Factor]) -> str:
    band = "Strong" if score >= 75 else "Good" if score >= 55 else "Fair" if score >= 35 else "Weak"
    if not factors:
        return f"{band} match ({score:.0f}/100)."
    best = factors[0]
    sign = "helps most" if best.impact >= 0 else "weighs most against it"
    return f"{band} match ({score:.0f}/100); {best.description.lower()} {sign}."


def explain(
    contribs: FloatArray,
    features: FloatArray,
    scores: FloatArray,
    scale: Mapping[str, float],
    pairs: list[tuple[TalentTable, int, JobTable, int]],
) -> list[Explanation]:
    """One Explanation per row; `contribs` is (M, F) or (M, F+1) with the base column last."""
    per_feature = contribs[:, : len(FEATURE_NAMES)]
    subs = sub_scores(per_feature, scale)
    top = np.argsort(-np.abs(per_feature), axis=1, kind="stable")[:, :TOP_FACTORS]
    impacts = np.take_along_axis(per_feature, top, axis=1).round(2).tolist()
    values = np.take_along_axis(features, top, axis=1).tolist()
    out = []
    for i, (talents, t, jobs, j) in enumerate(pairs):
        view = PairView(talents, t, jobs, j)
        factors = [
            Factor(
                factor=FEATURE_NAMES[k],
                category=FEATURE_BY_NAME[FEATURE_NAMES[k]].category,
                impact=impact,
                description=describe(FEATURE_NAMES[k], value, view, impact).text,
            )
            for k, impact, value in zip(top[i].tolist(), impacts[i], values[i], strict=True)
        ]
        out.append(
            Explanation(
                sub_scores=subs[i],
                top_factors=factors,
                summary=_summary(float(scores[i]), factors),
            )
        )
    return out
