"""Enrichment use cases over the database: enrich a job, find and re-enrich stale jobs, and
fill job_skills / talent_skills from text so the matcher sees canonical skills.

A job is stale when it has no job_enrichments row at the configured enrichment_version; the
unique (job_id, enrichment_version) key makes enrichment idempotent, so running the stale
pass twice does nothing the second time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.db.models import Job, JobSkill, Skill, Talent, TalentSkill
from app.enrichment.config import ModelRegistry, get_model_registry
from app.enrichment.extractor import ExtractedSkill, ExtractionResult, SkillExtractor
from app.enrichment.models import JobEnrichment, SectionClassification
from app.enrichment.section_model import (
    RuleSectionClassifier,
    SectionModel,
    get_section_classifier,
)
from app.enrichment.vocabulary import get_vocabulary
from app.logging import get_logger

log = get_logger(__name__)

REQUIRED_RELEVANCE = 0.5
DEFAULT_PROFICIENCY = 3


class EnrichmentNotFoundError(LookupError):
    """The job or talent to enrich does not exist."""


@dataclass(frozen=True)
class EnrichmentEngine:
    """The configured extractor and the versions it stamps on what it writes."""

    extractor: SkillExtractor
    classifier: SectionModel | RuleSectionClassifier
    registry: ModelRegistry

    @property
    def enrichment_version(self) -> str:
        return self.registry.enrichment_version

    @property
    def skills_version(self) -> str:
        return self.registry.entry("skills_extraction").version

    @property
    def section_version(self) -> str:
        return self.classifier.version


def build_engine(
    registry: ModelRegistry | None = None,
    classifier: SectionModel | RuleSectionClassifier | None = None,
) -> EnrichmentEngine:
    registry = registry or get_model_registry()
    classifier = classifier or get_section_classifier()
    params = registry.entry("skills_extraction").params
    extractor = SkillExtractor(
        get_vocabulary(),
        strategies=params.get("strategies", ["lexicon", "alias", "embedding"]),
        min_confidence=float(params.get("min_confidence", 0.35)),
        embedding_threshold=float(params.get("embedding_threshold", 0.8)),
        section_classifier=classifier,
    )
    return EnrichmentEngine(extractor, classifier, registry)


@lru_cache(maxsize=1)
def get_engine() -> EnrichmentEngine:
    return build_engine()


def job_text(job: Job) -> str:
    return f"{job.title}.\n{job.description}"


def talent_text(talent: Talent) -> str:
    return "\n".join(p for p in (talent.headline, talent.bio, talent.resume_text) if p)


def stale_job_ids(
    session: Session, enrichment_version: str, limit: int | None = None
) -> list[uuid.UUID]:
    """Jobs without an enrichment at this version (never enriched, or enriched by an older one)."""
    query = (
        select(Job.id)
        .outerjoin(
            JobEnrichment,
            and_(
                JobEnrichment.job_id == Job.id,
                JobEnrichment.enrichment_version == enrichment_version,
            ),
        )
        .where(JobEnrichment.id.is_(None))
        .order_by(Job.created_at, Job.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _store(
    session: Session, job: Job, result: ExtractionResult, engine: EnrichmentEngine, ms: float
) -> JobEnrichment:
    row = JobEnrichment(
        job_id=job.id,
        enrichment_version=engine.enrichment_version,
        skills_model_version=engine.skills_version,
        section_model_version=engine.section_version,
        skills=[s.as_dict() for s in result.skills],
        alias_stats=result.alias_stats,
        duration_ms=ms,
    )
    session.add(row)
    existing_sections = session.scalar(
        select(func.count())
        .select_from(SectionClassification)
        .where(
            SectionClassification.job_id == job.id,
            SectionClassification.classifier_version == engine.section_version,
        )
    )
    if not existing_sections:
        for item in result.sections:
            session.add(
                SectionClassification(
                    job_id=job.id,
                    section_index=item.section.index,
                    section_header=(item.section.header or None) and item.section.header[:200],
                    section_text=item.section.text,
                    label=item.label.label,
                    is_skills_relevant=item.label.is_skills_relevant,
                    relevance_probability=min(1.0, max(0.0, item.label.relevance)),
                    classifier_version=engine.section_version,
                    classification_method=item.label.method,
                )
            )
    fill_job_skills(session, job, result.skills)
    session.flush()
    return row


def enrich_jobs(
    session: Session,
    job_ids: Sequence[uuid.UUID],
    engine: EnrichmentEngine | None = None,
    *,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
) -> list[JobEnrichment]:
    """Enrich jobs not yet enriched at the current version; commits after each batch."""
    engine = engine or get_engine()
    written: list[JobEnrichment] = []
    for i in range(0, len(job_ids), batch_size):
        chunk = list(job_ids[i : i + batch_size])
        done = set(
            session.scalars(
                select(JobEnrichment.job_id).where(
                    JobEnrichment.job_id.in_(chunk),
                    JobEnrichment.enrichment_version == engine.enrichment_version,
                )
            )
        )
        jobs = [
            j for j in session.scalars(select(Job).where(Job.id.in_(chunk))) if j.id not in done
        ]
        if jobs:
            started = time.perf_counter()
            results = engine.extractor.extract_many([job_text(j) for j in jobs])
            per_job_ms = (time.perf_counter() - started) * 1000 / len(jobs)
            for job, result in zip(jobs, results, strict=True):
                written.append(_store(session, job, result, engine, per_job_ms))
            session.commit()
        if on_batch is not None:
            on_batch(len(chunk))
    log.info(
        "jobs_enriched",
        requested=len(job_ids),
        written=len(written),
        enrichment_version=engine.enrichment_version,
    )
    return written


def enrich_job(
    session: Session, job_id: uuid.UUID, engine: EnrichmentEngine | None = None
) -> JobEnrichment:
    """The job's enrichment at the current version, computing it only if it is missing."""
    engine = engine or get_engine()
    if session.get(Job, job_id) is None:
        raise EnrichmentNotFoundError(f"job {job_id} not found")
    existing = session.scalar(
        select(JobEnrichment).where(
            JobEnrichment.job_id == job_id,
            JobEnrichment.enrichment_version == engine.enrichment_version,
        )
    )
    if existing is not None:
        return existing
    written = enrich_jobs(session, [job_id], engine)
    return written[0]


def get_or_create_skills(session: Session, extracted: Sequence[ExtractedSkill]) -> dict[str, Skill]:
    """Skill rows by canonical name, created (with category and aliases) when missing."""
    names = [s.name for s in extracted]
    if not names:
        return {}
    found = {
        s.name.lower(): s
        for s in session.scalars(
            select(Skill).where(func.lower(Skill.name).in_([n.lower() for n in names]))
        )
    }
    vocab = get_vocabulary()
    aliases: dict[str, list[str]] = {}
    for alias, canonical in vocab.exact_aliases.items():
        aliases.setdefault(canonical, []).append(alias)
    out: dict[str, Skill] = {}
    for skill in extracted:
        row = found.get(skill.name.lower())
        if row is None:
            row = Skill(
                name=skill.name[:120],
                category=skill.category[:80],
                aliases=sorted(aliases.get(skill.name, [])),
            )
            session.add(row)
            session.flush()
            found[skill.name.lower()] = row
        out[skill.name] = row
    return out


def fill_job_skills(session: Session, job: Job, extracted: Sequence[ExtractedSkill]) -> int:
    """Write job_skills from extracted skills, only for a job that has none given."""
    has_skills = session.scalar(
        select(func.count()).select_from(JobSkill).where(JobSkill.job_id == job.id)
    )
    if has_skills or not extracted:
        return 0
    rows = get_or_create_skills(session, extracted)
    for skill in extracted:
        session.add(
            JobSkill(
                job_id=job.id,
                skill_id=rows[skill.name].id,
                required=skill.section_relevance >= REQUIRED_RELEVANCE,
                min_proficiency=DEFAULT_PROFICIENCY,
            )
        )
    session.flush()
    return len(extracted)


def extract_skills_for_job(
    session: Session, job_id: uuid.UUID, engine: EnrichmentEngine | None = None
) -> int:
    """Give a job without skills the skills of its text; returns how many rows were written."""
    job = session.get(Job, job_id)
    if job is None:
        raise EnrichmentNotFoundError(f"job {job_id} not found")
    engine = engine or get_engine()
    result = engine.extractor.extract(job_text(job))
    return fill_job_skills(session, job, result.skills)


def extract_skills_for_talent(
    session: Session, talent_id: uuid.UUID, engine: EnrichmentEngine | None = None
) -> int:
    """Give a talent without skills the skills of headline, bio and resume text."""
    talent = session.get(Talent, talent_id)
    if talent is None:
        raise EnrichmentNotFoundError(f"talent {talent_id} not found")
    has_skills = session.scalar(
        select(func.count()).select_from(TalentSkill).where(TalentSkill.talent_id == talent_id)
    )
    if has_skills:
        return 0
    engine = engine or get_engine()
    extracted = engine.extractor.extract(talent_text(talent)).skills
    rows = get_or_create_skills(session, extracted)
    for skill in extracted:
        session.add(
            TalentSkill(
                talent_id=talent_id,
                skill_id=rows[skill.name].id,
                proficiency=DEFAULT_PROFICIENCY,
                years=0.0,
            )
        )
    session.flush()
    return len(extracted)
