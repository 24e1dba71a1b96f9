"""Raw text -> the matcher's profiles, saying which fields were inferred and by which model.

Zero-shot requests (`POST /api/v1/match/score` with `resume_text` / `job_text`), the external
quality benchmarks and the promotion gate all turn text into profiles here, so a score on a
benchmark is a score of exactly what serving does with the same text. Structured fields the
caller gives always win over inferred ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.enrichment.extractor import ExtractedSkill
from app.enrichment.service import get_engine
from app.matching.embeddings import compose_job_text, compose_talent_text
from app.matching.types import JobProfile, SkillLevel, TalentProfile

MIN_SKILL_CONFIDENCE = 0.5
"""Extracted skills below this confidence are not used as structured skills (text still is)."""


@dataclass(slots=True)
class Inferred:
    """What was inferred for one profile: field -> model version, and what was recognised."""

    fields: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    occupation_candidates: list[dict[str, object]] = field(default_factory=list)


def _skill_levels(skills: Sequence[ExtractedSkill]) -> list[SkillLevel]:
    """Confident extracted skills as profile skills: the proficiency a text implies is unknown,
    so it stays at the neutral default and required-ness at its default (True)."""
    return [SkillLevel(name=s.name) for s in skills if s.confidence_score >= MIN_SKILL_CONFIDENCE]


def _extract(texts: Sequence[str]) -> list[list[ExtractedSkill]]:
    engine = get_engine()
    return [r.skills for r in engine.extractor.extract_many(list(texts))]


def talent_profiles(
    headlines: Sequence[str], texts: Sequence[str]
) -> tuple[list[TalentProfile], list[Inferred]]:
    """Talent profiles from (headline, résumé/bio) text pairs, batched."""
    engine = get_engine()
    extracted = _extract([f"{h}\n{t}" for h, t in zip(headlines, texts, strict=True)])
    profiles, inferred = [], []
    for headline, text, skills in zip(headlines, texts, extracted, strict=True):
        info = Inferred()
        levels = _skill_levels(skills)
        info.fields["skills"] = engine.skills_version
        if not levels:
            info.notes.append("no known skill was recognised in the text")
        profiles.append(
            TalentProfile(
                skills=levels,
                years_experience=0.0,
                seniority="mid",
                text=compose_talent_text(headline, None, text),
            )
        )
        inferred.append(info)
    return profiles, inferred


def job_profiles(
    titles: Sequence[str], texts: Sequence[str]
) -> tuple[list[JobProfile], list[Inferred]]:
    """Job profiles from (title, description) text pairs, batched."""
    engine = get_engine()
    extracted = _extract([f"{t}.\n{d}" for t, d in zip(titles, texts, strict=True)])
    profiles, inferred = [], []
    for title, text, skills in zip(titles, texts, extracted, strict=True):
        info = Inferred()
        levels = _skill_levels(skills)
        info.fields["skills"] = engine.skills_version
        if not levels:
            info.notes.append("no known skill was recognised in the text")
        profiles.append(
            JobProfile(
                skills=levels,
                seniority="mid",
                text=compose_job_text(title, text),
            )
        )
        inferred.append(info)
    return profiles, inferred
