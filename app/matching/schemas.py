"""Request and response bodies of the HTTP API, and their mapping to the domain types.

Requests forbid unknown fields and cap every string and list, so a body that validates is
bounded in size and shape; numbers and booleans are strict (no `true` for 1, no "5" for 5), so
what is accepted is exactly what the OpenAPI schema says. Responses mirror
`app.ml.types` one to one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from app.core.enums import (
    EMBEDDING_DIM,
    AdviceKind,
    CompanySize,
    Decision,
    FactorCategory,
    MatchSource,
    RemotePolicy,
    RemotePreference,
    Seniority,
    WorkStyle,
)
from app.core.schemas import Name, Score, Strict, Text
from app.directory.service import Label
from app.enrichment.zero_shot import Inferred
from app.matching.advice import MAX_SUGGESTIONS, Advice, Suggestion
from app.matching.cursor import CURSOR_MAX_LENGTH, CURSOR_PATTERN
from app.matching.filters import MatchFilters
from app.ml.types import (
    Explanation,
    JobProfile,
    MatchOutcome,
    MatchResult,
    SkillLevel,
    TalentProfile,
)

MAX_SKILLS = 100
MAX_SALARY = 10_000_000

Limit = Annotated[
    int, Field(ge=1, le=100, strict=True, description="How many matches to return (1-100).")
]
MinScore = Annotated[
    float, Field(ge=0, le=100, strict=True, description="Drop matches scoring below this.")
]
Years = Annotated[float, Field(ge=0, le=70, strict=True)]
Salary = Annotated[int, Field(ge=0, le=MAX_SALARY, strict=True)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Latitude = Annotated[float, Field(ge=-90, le=90, strict=True)]
Longitude = Annotated[float, Field(ge=-180, le=180, strict=True)]
OccupationCode = Annotated[
    str, Field(pattern=r"^\d{2}-\d{4}(\.\d{2})?$", description="O*NET-SOC code, e.g. 15-1252.00")
]
DEFAULT_SENIORITY = Seniority.MID
"""Seniority of a side that states none and whose text says none (neutral for ranking)."""
Timezone = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")]


def _non_zero(values: list[float]) -> list[float]:
    if not any(abs(v) > 1e-6 for v in values):
        raise ValueError("embedding must not be all zeros")
    return values


Embedding = Annotated[
    list[Annotated[float, Field(ge=-1.0, le=1.0, strict=True)]],
    Field(
        min_length=EMBEDDING_DIM,
        max_length=EMBEDDING_DIM,
        description=f"Precomputed all-MiniLM-L6-v2 embedding ({EMBEDDING_DIM} floats in "
        "[-1, 1], not all zero; normalised on use).",
    ),
    AfterValidator(_non_zero),
]


# ---------------------------------------------------------------------------- match requests

MAX_FILTER_SKILLS = 20
RadiusKm = Annotated[
    float,
    Field(
        gt=0,
        le=20_000,
        strict=True,
        description="Great-circle km from the subject's own coordinates (it must have them).",
    ),
]
FilterSkills = Annotated[
    list[Name],
    Field(
        max_length=MAX_FILTER_SKILLS,
        description="Skill names (as stored, any case); a candidate must list every one. An "
        "unknown name is a 422 naming it (`filters.skills.<i>`).",
    ),
]
FilterSeniority = Annotated[
    list[Seniority] | None,
    Field(min_length=1, max_length=len(Seniority), description="Accepted levels."),
]
View = Annotated[
    Literal["full", "compact"],
    Field(
        description="`full`: every match explained (SHAP factors and sentences). `compact`: "
        "no `explanation` (null), cheaper: for lists of titles and scores."
    ),
]
CursorToken = Annotated[
    str,
    Field(
        max_length=CURSOR_MAX_LENGTH,
        pattern=CURSOR_PATTERN,
        description="A previous response's `next_cursor`: the page after it. Send the same "
        "subject, `min_score`, `include_dismissed` and `filters` (422 `invalid_cursor` "
        "otherwise); `limit` and `view` may change. 409 `stale_cursor` when the model changed.",
    ),
]


class JobFilters(Strict):
    """Constraints on the jobs of talent-to-jobs; every one given must hold for every job
    returned (absent: no constraint). See `app/matching/filters.py` for their exact rules."""

    remote: list[RemotePolicy] | None = Field(
        default=None,
        min_length=1,
        max_length=len(RemotePolicy),
        description="Accepted remote policies.",
    )
    radius_km: RadiusKm | None = Field(
        default=None,
        description="Jobs within this many km of the talent. A remote job counts as inside "
        "when remote jobs are accepted (no `remote`, or `remote` listed in it).",
    )
    salary_min: Salary | None = Field(
        default=None,
        description="Salary floor in the talent's currency: the top of the job's range reaches "
        "it (jobs without a salary, or in another currency, are left out).",
    )
    seniority: FilterSeniority = None
    skills: FilterSkills = Field(default_factory=list)

    def to_domain(self) -> MatchFilters:
        return MatchFilters(
            remote=frozenset(self.remote) if self.remote is not None else None,
            radius_km=self.radius_km,
            salary_min=self.salary_min,
            seniority=frozenset(self.seniority) if self.seniority is not None else None,
            skills=tuple(self.skills),
        )


class TalentFilters(Strict):
    """Constraints on the talents of job-to-talents; every one given must hold for every
    talent returned (absent: no constraint)."""

    remote: list[RemotePreference] | None = Field(
        default=None,
        min_length=1,
        max_length=len(RemotePreference),
        description="Accepted remote preferences of the talent.",
    )
    radius_km: RadiusKm | None = Field(
        default=None,
        description="Talents located within this many km of the job (talents without a "
        "location are left out; a remote preference does not count as inside).",
    )
    salary_max: Salary | None = Field(
        default=None,
        description="Budget in the job's currency: the bottom of the talent's expected range "
        "is at most this (talents without one, or in another currency, are left out).",
    )
    seniority: FilterSeniority = None
    skills: FilterSkills = Field(default_factory=list)
    min_years: Years | None = Field(default=None, description="At least this much experience.")

    def to_domain(self) -> MatchFilters:
        return MatchFilters(
            remote=frozenset(self.remote) if self.remote is not None else None,
            radius_km=self.radius_km,
            salary_max=self.salary_max,
            seniority=frozenset(self.seniority) if self.seniority is not None else None,
            skills=tuple(self.skills),
            min_years=self.min_years,
        )


class TalentToJobsRequest(Strict):
    talent_id: uuid.UUID
    limit: Limit = 10
    min_score: MinScore = 0.0
    include_dismissed: bool = Field(
        default=False,
        strict=True,
        description="Also return jobs the talent dismissed (the Undo view).",
    )
    filters: JobFilters | None = None
    cursor: CursorToken | None = None
    view: View = "full"

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11", "limit": 10, "min_score": 50},
                {
                    "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "limit": 20,
                    "filters": {
                        "remote": ["remote", "hybrid"],
                        "radius_km": 50,
                        "salary_min": 70000,
                        "seniority": ["mid", "senior"],
                        "skills": ["Python"],
                    },
                    "view": "compact",
                },
            ]
        }
    )


class JobToTalentsRequest(Strict):
    job_id: uuid.UUID
    limit: Limit = 10
    min_score: MinScore = 0.0
    filters: TalentFilters | None = None
    cursor: CursorToken | None = None
    view: View = "full"

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "limit": 20, "min_score": 40},
                {
                    "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "limit": 20,
                    "filters": {"radius_km": 30, "min_years": 3, "skills": ["Python", "SQL"]},
                },
            ]
        }
    )


class SkillIn(Strict):
    name: Name
    proficiency: int = Field(default=3, ge=1, le=5, strict=True, description="1 (basic) to 5.")
    years: Years = 0.0
    required: bool = Field(
        default=True, strict=True, description="Jobs only: required or nice-to-have."
    )

    def to_domain(self) -> SkillLevel:
        return SkillLevel(self.name, self.proficiency, self.years, self.required)


def _salary_order(low: int | None, high: int | None) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError("salary_min must not exceed salary_max")


def _vector(values: list[float] | None) -> np.ndarray[Any, np.dtype[np.float32]] | None:
    return None if values is None else np.asarray(values, dtype=np.float32)


class TalentIn(Strict):
    skills: list[SkillIn] = Field(default_factory=list, max_length=MAX_SKILLS)
    years_experience: Years | None = Field(
        default=None, description="Required unless the request carries `resume_text`."
    )
    seniority: Seniority | None = Field(
        default=None, description="Required unless the request carries `resume_text`."
    )
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: Timezone | None = None
    remote_preference: RemotePreference = RemotePreference.ANY
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    currency: Currency = "USD"
    preferred_company_size: CompanySize | None = None
    preferred_industries: list[Name] = Field(default_factory=list, max_length=20)
    preferred_work_style: WorkStyle | None = None
    text: Text = ""
    embedding: Embedding | None = None
    occupation_code: OccupationCode | None = None

    @model_validator(mode="after")
    def _check_salary(self) -> TalentIn:
        _salary_order(self.salary_min, self.salary_max)
        return self

    def to_domain(self) -> TalentProfile:
        return TalentProfile(
            skills=[s.to_domain() for s in self.skills],
            years_experience=self.years_experience or 0.0,
            seniority=self.seniority or DEFAULT_SENIORITY,
            latitude=self.latitude,
            longitude=self.longitude,
            timezone=self.timezone,
            remote_preference=self.remote_preference,
            salary_min=self.salary_min,
            salary_max=self.salary_max,
            currency=self.currency,
            preferred_company_size=self.preferred_company_size,
            preferred_industries=list(self.preferred_industries),
            preferred_work_style=self.preferred_work_style,
            text=self.text,
            embedding=_vector(self.embedding),
            occupation_code=self.occupation_code,
        )


class JobIn(Strict):
    skills: list[SkillIn] = Field(default_factory=list, max_length=MAX_SKILLS)
    seniority: Seniority | None = Field(
        default=None, description="Required unless the request carries `job_text`."
    )
    min_years: Years = 0.0
    max_years: Years | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: Timezone | None = None
    remote_policy: RemotePolicy = RemotePolicy.ONSITE
    salary_min: Salary | None = None
    salary_max: Salary | None = None
    currency: Currency = "USD"
    company_size: CompanySize | None = None
    company_industry: Name | None = None
    company_work_style: WorkStyle | None = None
    text: Text = ""
    embedding: Embedding | None = None
    occupation_code: OccupationCode | None = None

    @model_validator(mode="after")
    def _check_ranges(self) -> JobIn:
        _salary_order(self.salary_min, self.salary_max)
        if self.max_years is not None and self.max_years < self.min_years:
            raise ValueError("max_years must not be below min_years")
        return self

    def to_domain(self) -> JobProfile:
        return JobProfile(
            skills=[s.to_domain() for s in self.skills],
            seniority=self.seniority or DEFAULT_SENIORITY,
            min_years=self.min_years,
            max_years=self.max_years,
            latitude=self.latitude,
            longitude=self.longitude,
            timezone=self.timezone,
            remote_policy=self.remote_policy,
            salary_min=self.salary_min,
            salary_max=self.salary_max,
            currency=self.currency,
            company_size=self.company_size,
            company_industry=self.company_industry,
            company_work_style=self.company_work_style,
            text=self.text,
            embedding=_vector(self.embedding),
            occupation_code=self.occupation_code,
        )


class ScoreRequest(Strict):
    """Structured payloads, raw text, or both: fields given in `talent` / `job` win, and the
    rest is inferred from `resume_text` / `job_text` (the response says what and by which
    model version)."""

    talent: TalentIn = Field(default_factory=TalentIn)
    job: JobIn = Field(default_factory=JobIn)
    resume_text: Text | None = Field(default=None, min_length=1)
    talent_headline: Name | None = None
    job_text: Text | None = Field(default=None, min_length=1)
    job_title: Name | None = None

    def talent_fields(self) -> set[str]:
        """Profile fields the caller sent (they win over anything read from text)."""
        return {n for n in self.talent.model_fields_set if getattr(self.talent, n) is not None}

    def job_fields(self) -> set[str]:
        return {n for n in self.job.model_fields_set if getattr(self.job, n) is not None}

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent": {
                        "skills": [
                            {"name": "Python", "proficiency": 4, "years": 5},
                            {"name": "PostgreSQL", "proficiency": 3, "years": 3},
                        ],
                        "years_experience": 6,
                        "seniority": "senior",
                        "latitude": 52.52,
                        "longitude": 13.40,
                        "timezone": "Europe/Berlin",
                        "remote_preference": "hybrid",
                        "salary_min": 70000,
                        "salary_max": 90000,
                        "text": "Backend engineer building APIs in Python.",
                    },
                    "job": {
                        "skills": [
                            {"name": "Python", "proficiency": 4, "required": True},
                            {"name": "Kubernetes", "proficiency": 3, "required": False},
                        ],
                        "seniority": "senior",
                        "min_years": 5,
                        "remote_policy": "hybrid",
                        "latitude": 52.52,
                        "longitude": 13.40,
                        "timezone": "Europe/Berlin",
                        "salary_min": 75000,
                        "salary_max": 95000,
                        "company_size": "medium",
                        "text": "Senior Python engineer for our matching platform.",
                    },
                }
            ]
        }
    )


# --------------------------------------------------------------------------- match responses


class FactorOut(BaseModel):
    factor: str
    category: FactorCategory
    impact: float = Field(description="Signed contribution to the score, in score points.")
    description: str


class MatchExplanation(BaseModel):
    sub_scores: dict[str, Score] = Field(description="Score per category, 0-100.")
    top_factors: list[FactorOut]
    summary: str

    @classmethod
    def of(cls, explanation: Explanation) -> MatchExplanation:
        return cls(
            sub_scores={k: _clip(v) for k, v in explanation.sub_scores.items()},
            top_factors=[
                FactorOut(
                    factor=f.factor, category=f.category, impact=f.impact, description=f.description
                )
                for f in explanation.top_factors
            ],
            summary=explanation.summary,
        )


def _clip(value: float) -> float:
    return min(100.0, max(0.0, float(value)))


class MatchResultOut(BaseModel):
    id: uuid.UUID | None = Field(description="The job (talent->jobs) or talent (job->talents).")
    score: Score
    source: MatchSource
    model_version: str | None
    title: str | None = Field(
        default=None, description="Job title, or the talent's name; null for `score`."
    )
    subtitle: str | None = Field(
        default=None,
        description="Company, location and remote policy; or headline, location "
        "and years of experience.",
    )
    explanation: MatchExplanation | None = Field(
        description="Why this score (null in the compact view)."
    )
    decision: Decision | None = Field(
        default=None,
        description="The caller's side's current decision on this pair (the talent's for "
        "talent->jobs, the company's for job->talents); null when none.",
    )

    @classmethod
    def of(cls, result: MatchResult, label: Label | None = None) -> MatchResultOut:
        return cls(
            id=result.id,
            score=_clip(result.score),
            source=result.source,
            model_version=result.model_version,
            title=label.title if label else None,
            subtitle=label.subtitle if label else None,
            explanation=(MatchExplanation.of(result.explanation) if result.explanation else None),
            decision=result.decision,
        )


_EXAMPLE_MATCH: JsonDict = {
    "id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    "score": 84.2,
    "source": "ml",
    "model_version": "matching-20260101T000000Z",
    "title": "Senior Data Engineer",
    "subtitle": "Acme Analytics · Berlin · hybrid",
    "explanation": {
        "sub_scores": {
            "skills": 88.0,
            "experience": 75.0,
            "location": 100.0,
            "salary": 80.0,
            "culture": 60.0,
            "text": 70.0,
        },
        "top_factors": [
            {
                "factor": "required_skill_coverage",
                "category": "skills",
                "impact": 12.5,
                "description": "Covers 4 of 5 required skills (missing: Kubernetes)",
            }
        ],
        "summary": "Strong match: covers 4 of 5 required skills.",
    },
}


class OccupationGuessOut(BaseModel):
    code: str
    title: str
    confidence: float = Field(ge=0, le=1)


class InferredOut(BaseModel):
    """Fields of one side that were read from its text, each with the model version."""

    fields: dict[str, str]
    occupations: list[OccupationGuessOut]
    notes: list[str]


def inferred_out(info: Inferred) -> InferredOut:
    return InferredOut(
        fields=dict(info.fields),
        occupations=[
            OccupationGuessOut(code=g.code, title=g.title, confidence=round(g.confidence, 4))
            for g in info.occupations
        ],
        notes=list(info.notes),
    )


class MatchResponse(BaseModel):
    matches: list[MatchResultOut]
    processing_time_ms: float = Field(ge=0)
    model_version: str | None
    inferred: dict[str, InferredOut] | None = Field(
        default=None, description="Zero-shot from raw text only: what was inferred per side."
    )
    next_cursor: str | None = Field(
        default=None,
        description="Send as `cursor` for the next page; null when the ranking has no more "
        "(or for `score`).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "matches": [_EXAMPLE_MATCH],
                    "processing_time_ms": 41.7,
                    "model_version": "matching-20260101T000000Z",
                }
            ]
        }
    )

    @classmethod
    def of(
        cls,
        outcome: MatchOutcome,
        processing_time_ms: float,
        labels: Mapping[uuid.UUID, Label] | None = None,
    ) -> MatchResponse:
        labels = labels or {}
        return cls(
            matches=[
                MatchResultOut.of(m, labels.get(m.id) if m.id is not None else None)
                for m in outcome.matches
            ],
            processing_time_ms=processing_time_ms,
            model_version=outcome.model_version,
            next_cursor=outcome.next_cursor,
        )


# ------------------------------------------------------------------------------ what-if advice


class AdviceRequest(Strict):
    talent_id: uuid.UUID
    job_id: uuid.UUID
    limit: int = Field(
        default=3, ge=1, le=MAX_SUGGESTIONS, strict=True, description="Suggestions to return."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "limit": 3,
                }
            ]
        }
    )


class SuggestionOut(BaseModel):
    """One change to the talent's own profile; the fields it sets are given, the rest null."""

    kind: AdviceKind
    skill: str | None = Field(description="The skill added or improved (skill kinds).")
    proficiency: int | None = Field(description="The skill's level after the change (1-5).")
    skill_years: float | None = Field(description="Years of use of the skill after the change.")
    years_experience: float | None = Field(description="Total years after the change.")
    remote_preference: RemotePreference | None = Field(description="Preference after the change.")
    description: str = Field(description='A sentence, e.g. "Add Kubernetes at level 3 ...: +12.0"')
    gain: float = Field(gt=0, description="Score points gained (new score - current score).")
    score: Score = Field(description="The score for this job once the change is made.")

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionOut:
        change = suggestion.change
        return cls(
            kind=change.kind,
            skill=change.skill,
            proficiency=change.proficiency,
            skill_years=change.skill_years,
            years_experience=change.years_experience,
            remote_preference=(
                RemotePreference(change.remote_preference) if change.remote_preference else None
            ),
            description=suggestion.description,
            gain=suggestion.gain,
            score=_clip(suggestion.score),
        )


class AdviceResponse(BaseModel):
    talent_id: uuid.UUID
    job_id: uuid.UUID
    score: Score = Field(description="The talent's current score for the job.")
    suggestions: list[SuggestionOut] = Field(description="Best first; empty if nothing helps.")
    source: MatchSource
    model_version: str | None
    processing_time_ms: float = Field(ge=0)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent_id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "job_id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "score": 61.4,
                    "suggestions": [
                        {
                            "kind": "add_skill",
                            "skill": "Kubernetes",
                            "proficiency": 3,
                            "skill_years": 1.0,
                            "years_experience": None,
                            "remote_preference": None,
                            "description": "Add Kubernetes at level 3 (required for this job)"
                            ": +12.0",
                            "gain": 12.0,
                            "score": 73.4,
                        }
                    ],
                    "source": "ml",
                    "model_version": "matching-20260101T000000Z",
                    "processing_time_ms": 9.3,
                }
            ]
        }
    )

    @classmethod
    def of(
        cls, talent_id: uuid.UUID, job_id: uuid.UUID, advice: Advice, processing_time_ms: float
    ) -> AdviceResponse:
        return cls(
            talent_id=talent_id,
            job_id=job_id,
            score=_clip(advice.score),
            suggestions=[SuggestionOut.of(s) for s in advice.suggestions],
            source=advice.source,
            model_version=advice.model_version,
            processing_time_ms=processing_time_ms,
        )
