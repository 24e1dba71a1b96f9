"""Request and response bodies of the enrichment API (pydantic only, no FastAPI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.db.enrichment_models import EvaluationResult
from app.enrichment.resume import ParsedResume

MAX_TEXT_CHARS = 20_000


class EnrichJobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="Posting text to enrich; or give job_id to enrich a stored job.",
    )
    job_id: uuid.UUID | None = Field(
        default=None, description="A stored job (yours, or any for admins)."
    )
    store: bool = Field(
        default=False,
        strict=True,
        description="Persist the enrichment (needs job_id); idempotent per version.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> EnrichJobRequest:
        if (self.text is None) == (self.job_id is None):
            raise ValueError("give exactly one of text or job_id")
        if self.store and self.job_id is None:
            raise ValueError("store requires job_id")
        return self


class SkillSpanOut(BaseModel):
    start: int
    end: int
    text: str
    confidence: float
    strategies: list[str]
    section_index: int | None
    section_label: str | None
    section_relevance: float


class SkillOut(BaseModel):
    name: str
    category: str
    confidence_score: float = Field(ge=0, le=1)
    source_strategies: list[str]
    section_relevance: float
    spans: list[SkillSpanOut]


class SectionOut(BaseModel):
    index: int
    header: str | None
    label: str
    relevance_probability: float = Field(ge=0, le=1)
    is_skills_relevant: bool
    method: str
    start: int
    end: int


class EnrichJobResponse(BaseModel):
    enrichment_version: str
    skills_model_version: str
    section_model_version: str
    skills: list[SkillOut]
    sections: list[SectionOut]
    alias_stats: dict[str, Any]
    stored: bool
    processing_time_ms: float


class EnrichTalentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="Résumé text to parse (English); nothing is stored.",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must contain more than whitespace")
        return value


class InferredValueOut(BaseModel):
    value: str | float
    confidence: float = Field(ge=0, le=1)
    source: str


class ResumeSkillOut(BaseModel):
    name: str
    category: str
    confidence_score: float = Field(ge=0, le=1)
    years: float | None = Field(description="Years of the dated roles that name the skill.")


class ExperienceOut(BaseModel):
    title: str | None
    start: str = Field(description="YYYY-MM (a bare year reads as its middle: YYYY-07)")
    end: str | None = Field(description="YYYY-MM, the last month worked; null while current")
    current: bool
    years: float


class OccupationOut(BaseModel):
    code: str
    title: str
    confidence: float = Field(ge=0, le=1)


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class EnrichTalentResponse(BaseModel):
    enrichment_version: str
    skills_model_version: str
    skills: list[ResumeSkillOut]
    years_experience: InferredValueOut | None
    seniority: InferredValueOut | None
    education: InferredValueOut | None
    headline: InferredValueOut | None
    experiences: list[ExperienceOut]
    occupations: list[OccupationOut]
    confidence: float = Field(ge=0, le=1)
    notes: list[str]
    processing_time_ms: float

    @classmethod
    def of(
        cls,
        parsed: ParsedResume,
        *,
        enrichment_version: str,
        skills_model_version: str,
        processing_time_ms: float,
    ) -> EnrichTalentResponse:
        def inferred(value: object) -> InferredValueOut | None:
            return InferredValueOut.model_validate(value, from_attributes=True) if value else None

        return cls(
            enrichment_version=enrichment_version,
            skills_model_version=skills_model_version,
            skills=[
                ResumeSkillOut(
                    name=s.name, category=s.category, confidence_score=s.confidence, years=s.years
                )
                for s in parsed.skills
            ],
            years_experience=inferred(parsed.years_experience),
            seniority=inferred(parsed.seniority),
            education=inferred(parsed.education),
            headline=inferred(parsed.headline),
            experiences=[
                ExperienceOut(
                    title=e.title,
                    start=_month(e.start_month),
                    end=None if e.current else _month(e.end_month - 1),
                    current=e.current,
                    years=e.years,
                )
                for e in parsed.experiences
            ],
            occupations=[
                OccupationOut(code=o.code, title=o.title, confidence=o.confidence)
                for o in parsed.occupations
            ],
            confidence=parsed.confidence,
            notes=parsed.notes,
            processing_time_ms=processing_time_ms,
        )


class EvaluationResultOut(BaseModel):
    id: uuid.UUID
    model_id: str
    model_version: str
    strategies: list[str]
    dataset_version: str
    sample_count: int
    gold_count: int
    predicted_count: int
    overall_precision: float
    overall_recall: float
    overall_f1: float
    category_metrics: dict[str, Any]
    execution_time_seconds: float
    is_ci_run: bool
    min_f1: float | None
    threshold_passed: bool | None
    created_at: datetime

    @classmethod
    def of(cls, row: EvaluationResult) -> EvaluationResultOut:
        return cls.model_validate(row, from_attributes=True)


class EvaluationResultsResponse(BaseModel):
    results: list[EvaluationResultOut]
