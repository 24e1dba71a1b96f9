"""The JSON an LLM must return for structuring (strict: unknown fields are refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The project's own vocabularies (app.core.enums.Seniority, app.enrichment.cues
# EDUCATION_LEVELS), so an LLM answer and the deterministic extractor's are comparable.
Seniority = Literal["intern", "junior", "mid", "senior", "lead", "principal"]
Education = Literal[
    "none", "high_school", "associate", "bachelor", "master", "doctorate", "unknown"
]


class StructuredProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seniority: Seniority
    education_level: Education
    field_of_study: str | None = Field(default=None, max_length=120)
    technical_skills: list[str] = Field(default_factory=list, max_length=30)
    soft_skills: list[str] = Field(default_factory=list, max_length=30)
    tools: list[str] = Field(default_factory=list, max_length=30)
