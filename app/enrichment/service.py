"""Enrichment use cases over the database: enrich a job, find and re-enrich stale jobs, and
fill job_skills / talent_skills from text so the matcher sees canonical skills.

A job is stale when it has no job_enrichments row at the configured enrichment_version; the
unique (job_id, enrichment_version) key makes enrichment idempotent, so running the stale
pass twice does nothing the second time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session

from app.db.enrichment_models import JobEnrichment, SectionClassification
from app.db.models import Job, JobSkill, Skill, Talent, TalentSkill
from app.enrichment import repository
from app.enrichment.config import ModelRegistry, get_model_registry
from app.enrichment.errors import EnrichmentNotFoundError
from app.enrichment.extractor import ExtractedSkill, ExtractionResult, SkillExtractor
from app.enrichment.occupation import infer_occupations
from app.enrichment.resume import ParsedResume, parse_resume
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


@dataclass(frozen=True, slots=True)
class Versions:
    """The model versions an enrichment was made with (what the API reports and stores)."""

    enrichment: str
    skills: str
    section: str


@dataclass(frozen=True, slots=True)
class TextExtraction:
    """A posting's extraction and the versions that made it: what a text worker sends back."""

    result: ExtractionResult
    versions: Versions


@dataclass(frozen=True)
class Enricher:
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

    @property
    def versions(self) -> Versions:
        return Versions(self.enrichment_version, self.skills_version, self.section_version)


def build_enricher(
    registry: ModelRegistry | None = None,
    classifier: SectionModel | RuleSectionClassifier | None = None,
) -> Enricher:
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
    return Enricher(extractor, classifier, registry)


@lru_cache(maxsize=1)
def get_enricher() -> Enricher:
    return build_enricher()


def job_extraction_text(job: Job) -> str:
    """The whole posting the extractor reads (the embedder reads only its start:
    `app.ml.embeddings.job_embedding_text`)."""
    return f"{job.title}.\n{job.description}"


def talent_extraction_text(talent: Talent) -> str:
    return "\n".join(p for p in (talent.headline, talent.bio, talent.resume_text) if p)


def extract_text(text: str, *, enricher: Enricher) -> TextExtraction:
    """A posting's skills and sections (the text worker's task for /enrich/job)."""
    return TextExtraction(enricher.extractor.extract(text), enricher.versions)


def read_resume(text: str, *, enricher: Enricher) -> tuple[ParsedResume, Versions]:
    """A résumé's structured profile (the text worker's task for /enrich/talent)."""
    return parse_resume(text, enricher.extractor, occupations=infer_occupations), enricher.versions


def _store(
    session: Session, job: Job, result: ExtractionResult, versions: Versions, ms: float
) -> JobEnrichment:
    row = JobEnrichment(
        job_id=job.id,
        enrichment_version=versions.enrichment,
        skills_model_version=versions.skills,
        section_model_version=versions.section,
        skills=[s.as_dict() for s in result.skills],
        alias_stats=result.alias_stats,
        duration_ms=ms,
    )
    sections: list[SectionClassification] = []
    if not repository.has_sections(session, job.id, versions.section):
        sections = [
            SectionClassification(
                job_id=job.id,
                section_index=item.section.index,
                section_header=(item.section.header or None) and item.section.header[:200],
                section_text=item.section.text,
                label=item.label.label,
                is_skills_relevant=item.label.is_skills_relevant,
                relevance_probability=min(1.0, max(0.0, item.label.relevance)),
                classifier_version=versions.section,
                classification_method=item.label.method,
            )
            for item in result.sections
        ]
    repository.add_enrichment(session, row, sections)
    fill_job_skills(session, job, result.skills)
    return row


def enrich_jobs(
    session: Session,
    job_ids: Sequence[uuid.UUID],
    enricher: Enricher | None = None,
    *,
    batch_size: int = 32,
) -> list[JobEnrichment]:
    """Enrich jobs not yet enriched at the current version, `batch_size` texts per extractor
    call; flushes only, so the caller decides how much one commit covers (the CLI commits
    each batch in its own `session_scope`)."""
    enricher = enricher or get_enricher()
    written: list[JobEnrichment] = []
    for i in range(0, len(job_ids), batch_size):
        chunk = list(job_ids[i : i + batch_size])
        done = repository.enriched_job_ids(session, chunk, enricher.enrichment_version)
        jobs = [j for j in repository.jobs_by_ids(session, chunk) if j.id not in done]
        if jobs:
            started = time.perf_counter()
            results = enricher.extractor.extract_many([job_extraction_text(j) for j in jobs])
            per_job_ms = (time.perf_counter() - started) * 1000 / len(jobs)
            for job, result in zip(jobs, results, strict=True):
                written.append(_store(session, job, result, enricher.versions, per_job_ms))
    log.info(
        "jobs_enriched",
        requested=len(job_ids),
        written=len(written),
        enrichment_version=enricher.enrichment_version,
    )
    return written


def enrich_job(
    session: Session, job_id: uuid.UUID, enricher: Enricher | None = None
) -> JobEnrichment:
    """The job's enrichment at the current version, computing it only if it is missing."""
    enricher = enricher or get_enricher()
    if repository.get_job(session, job_id) is None:
        raise EnrichmentNotFoundError(f"job {job_id} not found")
    existing = repository.enrichment_at(session, job_id, enricher.enrichment_version)
    if existing is not None:
        return existing
    written = enrich_jobs(session, [job_id], enricher)
    return written[0]


def store_job_extraction(
    session: Session, job_id: uuid.UUID, extraction: TextExtraction, ms: float
) -> JobEnrichment:
    """Store an extraction made elsewhere (a text worker) as the job's enrichment at its
    version, unless one is stored already: the same idempotence as `enrich_job`."""
    job = repository.get_job(session, job_id)
    if job is None:
        raise EnrichmentNotFoundError(f"job {job_id} not found")
    versions = extraction.versions
    existing = repository.enrichment_at(session, job_id, versions.enrichment)
    if existing is not None:
        return existing
    return _store(session, job, extraction.result, versions, ms)


def get_or_create_skills(session: Session, extracted: Sequence[ExtractedSkill]) -> dict[str, Skill]:
    """Skill rows by canonical name, created (with category and aliases) when missing."""
    names = [s.name for s in extracted]
    if not names:
        return {}
    found = repository.skills_by_lower_name(session, names)
    vocab = get_vocabulary()
    aliases: dict[str, list[str]] = {}
    for alias, canonical in vocab.exact_aliases.items():
        aliases.setdefault(canonical, []).append(alias)
    out: dict[str, Skill] = {}
    for skill in extracted:
        row = found.get(skill.name.lower())
        if row is None:
            row = repository.add_skill(
                session,
                Skill(
                    name=skill.name[:120],
                    category=skill.category[:80],
                    aliases=sorted(aliases.get(skill.name, [])),
                ),
            )
            found[skill.name.lower()] = row
        out[skill.name] = row
    return out


def fill_job_skills(session: Session, job: Job, extracted: Sequence[ExtractedSkill]) -> int:
    """Write job_skills from extracted skills, only for a job that has none given."""
    if not extracted or repository.job_has_skills(session, job.id):
        return 0
    rows = get_or_create_skills(session, extracted)
    repository.add_skill_links(
        session,
        [
            JobSkill(
                job_id=job.id,
                skill_id=rows[skill.name].id,
                required=skill.section_relevance >= REQUIRED_RELEVANCE,
                min_proficiency=DEFAULT_PROFICIENCY,
            )
            for skill in extracted
        ],
    )
    return len(extracted)


def extract_skills_for_job(
    session: Session, job_id: uuid.UUID, enricher: Enricher | None = None
) -> int:
    """Give a job without skills the skills of its text; returns how many rows were written."""
    job = repository.get_job(session, job_id)
    if job is None:
        raise EnrichmentNotFoundError(f"job {job_id} not found")
    enricher = enricher or get_enricher()
    result = enricher.extractor.extract(job_extraction_text(job))
    return fill_job_skills(session, job, result.skills)


def extract_skills_for_talent(
    session: Session, talent_id: uuid.UUID, enricher: Enricher | None = None
) -> int:
    """Give a talent without skills the skills of headline, bio and resume text."""
    talent = repository.get_talent(session, talent_id)
    if talent is None:
        raise EnrichmentNotFoundError(f"talent {talent_id} not found")
    if repository.talent_has_skills(session, talent_id):
        return 0
    enricher = enricher or get_enricher()
    extracted = enricher.extractor.extract(talent_extraction_text(talent)).skills
    rows = get_or_create_skills(session, extracted)
    repository.add_skill_links(
        session,
        [
            TalentSkill(
                talent_id=talent_id,
                skill_id=rows[skill.name].id,
                proficiency=DEFAULT_PROFICIENCY,
                years=0.0,
            )
            for skill in extracted
        ],
    )
    return len(extracted)
