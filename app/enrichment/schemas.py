"""Request and response bodies of the enrichment API (pydantic only, no FastAPI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.enrichment.models import EvaluationResult

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
        default=False, description="Persist the enrichment (needs job_id); idempotent per version."
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
