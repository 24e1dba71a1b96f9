"""Plain domain types shared by matching, the API and training.

They carry no database or HTTP machinery, so the zero-shot path (score a payload against a
payload) and the database path produce exactly the same shapes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.core.enums import Decision, FactorCategory, MatchSource


@dataclass(frozen=True, slots=True)
class SkillLevel:
    name: str
    proficiency: int = 3
    years: float = 0.0
    required: bool = True


@dataclass(slots=True)
class TalentProfile:
    skills: list[SkillLevel]
    years_experience: float
    seniority: str
    id: uuid.UUID | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    remote_preference: str = "any"
    salary_min: float | None = None
    salary_max: float | None = None
    currency: str = "USD"
    preferred_company_size: str | None = None
    preferred_industries: list[str] = field(default_factory=list)
    preferred_work_style: str | None = None
    text: str = ""
    embedding: npt.NDArray[np.float32] | None = None
    occupation_code: str | None = None
    """O*NET-SOC code such as "15-1252.00" (inferred by enrichment), if known."""


@dataclass(slots=True)
class JobProfile:
    skills: list[SkillLevel]
    seniority: str
    min_years: float = 0.0
    max_years: float | None = None
    id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    remote_policy: str = "onsite"
    salary_min: float | None = None
    salary_max: float | None = None
    currency: str = "USD"
    company_size: str | None = None
    company_industry: str | None = None
    company_work_style: str | None = None
    text: str = ""
    embedding: npt.NDArray[np.float32] | None = None
    occupation_code: str | None = None
    """O*NET-SOC code such as "15-1252.00", if known."""


@dataclass(frozen=True, slots=True)
class Factor:
    factor: str
    category: FactorCategory
    impact: float
    description: str


@dataclass(frozen=True, slots=True)
class Explanation:
    sub_scores: dict[str, float]
    top_factors: list[Factor]
    summary: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """One ranked counterpart: `id` is the job (talent->jobs) or the talent (job->talents)."""

    id: uuid.UUID | None
    score: float
    source: MatchSource
    model_version: str | None
    explanation: Explanation | None
    """None in the compact list view, which skips SHAP and the sentences."""
    decision: Decision | None = None
    """The requesting side's current decision on this pair (None: none, or not stored)."""


@dataclass(slots=True)
class MatchOutcome:
    matches: list[MatchResult]
    model_version: str | None
    source: MatchSource
    timings: dict[str, float] = field(default_factory=dict)
    next_cursor: str | None = None
    """Opaque position after the last match, when the ranking has more (see
    `app.matching.cursor`)."""
