"""SQL of enrichment: stored enrichments and sections, skill links, inferred occupations,
clustering runs and extractor evaluations.

Functions read, add and flush; none commits. The caller's unit of work (the request's
session, or a `session_scope` per batch in the CLI) decides when rows become visible.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.enrichment_models import (
    ClusterRun,
    EvaluationResult,
    JobClusterAssignment,
    JobEnrichment,
    SectionClassification,
)
from app.db.models import Job, JobSkill, Skill, Talent, TalentSkill

OccupationOwner = type[Job] | type[Talent]


def get_job(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.get(Job, job_id)


def get_talent(session: Session, talent_id: uuid.UUID) -> Talent | None:
    return session.get(Talent, talent_id)


def jobs_by_ids(session: Session, job_ids: Sequence[uuid.UUID]) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.id.in_(job_ids))))


# Enrichments and sections


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


def enriched_job_ids(
    session: Session, job_ids: Sequence[uuid.UUID], enrichment_version: str
) -> set[uuid.UUID]:
    """Those of `job_ids` that already have an enrichment at this version."""
    return set(
        session.scalars(
            select(JobEnrichment.job_id).where(
                JobEnrichment.job_id.in_(job_ids),
                JobEnrichment.enrichment_version == enrichment_version,
            )
        )
    )


def enrichment_at(
    session: Session, job_id: uuid.UUID, enrichment_version: str
) -> JobEnrichment | None:
    return session.scalar(
        select(JobEnrichment).where(
            JobEnrichment.job_id == job_id,
            JobEnrichment.enrichment_version == enrichment_version,
        )
    )


def has_sections(session: Session, job_id: uuid.UUID, classifier_version: str) -> bool:
    """Whether the job's sections are already stored under this classifier version."""
    count = session.scalar(
        select(func.count())
        .select_from(SectionClassification)
        .where(
            SectionClassification.job_id == job_id,
            SectionClassification.classifier_version == classifier_version,
        )
    )
    return bool(count)


def add_enrichment(
    session: Session, enrichment: JobEnrichment, sections: Sequence[SectionClassification]
) -> None:
    session.add(enrichment)
    session.add_all(sections)


# Skills and skill links


def skills_by_lower_name(session: Session, names: Sequence[str]) -> dict[str, Skill]:
    """Existing skill rows keyed by lower-cased name (names match case-insensitively)."""
    query = select(Skill).where(func.lower(Skill.name).in_([n.lower() for n in names]))
    return {s.name.lower(): s for s in session.scalars(query)}


def add_skill(session: Session, skill: Skill) -> Skill:
    """Add a skill and flush, so its id is known to the links written next."""
    session.add(skill)
    session.flush()
    return skill


def job_has_skills(session: Session, job_id: uuid.UUID) -> bool:
    count = session.scalar(
        select(func.count()).select_from(JobSkill).where(JobSkill.job_id == job_id)
    )
    return bool(count)


def talent_has_skills(session: Session, talent_id: uuid.UUID) -> bool:
    count = session.scalar(
        select(func.count()).select_from(TalentSkill).where(TalentSkill.talent_id == talent_id)
    )
    return bool(count)


def add_skill_links(session: Session, links: Sequence[JobSkill] | Sequence[TalentSkill]) -> None:
    """Add skill rows and mark their owners as updated: the candidate indexes find changed
    rows by `updated_at` (`app.matching.delta`), and a new skill changes the candidate."""
    session.add_all(links)
    now = utcnow()
    jobs = {link.job_id for link in links if isinstance(link, JobSkill)}
    talents = {link.talent_id for link in links if isinstance(link, TalentSkill)}
    if jobs:
        session.execute(update(Job).where(Job.id.in_(jobs)).values(updated_at=now))
    if talents:
        session.execute(update(Talent).where(Talent.id.in_(talents)).values(updated_at=now))
    session.flush()


# Inferred occupations


def _stale_occupation(model: OccupationOwner, version: str) -> ColumnElement[bool]:
    """No code and no inference yet, or a code inferred under another model version."""
    return or_(
        and_(model.occupation_source.is_(None), model.occupation_code.is_(None)),
        and_(
            model.occupation_source == "inferred",
            or_(
                model.occupation_model_version.is_(None),
                model.occupation_model_version != version,
            ),
        ),
    )


def stale_occupation_ids(
    session: Session, model: OccupationOwner, version: str, limit: int | None = None
) -> list[uuid.UUID]:
    query = (
        select(model.id)
        .where(_stale_occupation(model, version))
        .order_by(model.created_at, model.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def stale_occupation_rows(
    session: Session, model: OccupationOwner, ids: Sequence[uuid.UUID], version: str
) -> list[Any]:
    """The rows among `ids` that are still stale, by id (re-tested so a code given meanwhile
    is not overwritten)."""
    return list(
        session.scalars(
            select(model)
            .where(model.id.in_(ids), _stale_occupation(model, version))
            .order_by(model.id)
        )
    )


# Clustering


def job_ids_to_cluster(session: Session, status: str | None) -> list[uuid.UUID]:
    query = select(Job.id).order_by(Job.id)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query))


def job_titles_and_descriptions(
    session: Session, job_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    rows = session.execute(select(Job.id, Job.title, Job.description).where(Job.id.in_(job_ids)))
    return {r[0]: (r[1], r[2]) for r in rows}


def latest_cluster_run(session: Session) -> ClusterRun | None:
    return session.scalar(select(ClusterRun).order_by(ClusterRun.created_at.desc()).limit(1))


def cluster_labels(session: Session, run_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Cluster id per job of one run."""
    rows = session.execute(
        select(JobClusterAssignment.job_id, JobClusterAssignment.cluster_id).where(
            JobClusterAssignment.cluster_run_id == run_id
        )
    )
    return {row[0]: row[1] for row in rows}


def add_cluster_run(session: Session, run: ClusterRun) -> ClusterRun:
    """Add a run and flush, so its id can be stamped on its assignments."""
    session.add(run)
    session.flush()
    return run


def replace_active_assignments(
    session: Session, assignments: Sequence[JobClusterAssignment]
) -> None:
    """Retire every active assignment, then add `assignments` as the active ones."""
    session.execute(
        update(JobClusterAssignment)
        .where(JobClusterAssignment.is_active.is_(True))
        .values(is_active=False)
    )
    session.add_all(assignments)
    session.flush()


# Extractor evaluations


def add_evaluation_result(session: Session, row: EvaluationResult) -> EvaluationResult:
    session.add(row)
    session.flush()
    return row


def list_evaluation_results(
    session: Session, model_id: str | None = None, limit: int = 50
) -> list[EvaluationResult]:
    """Stored evaluations, newest first, optionally of one model id."""
    query = select(EvaluationResult).order_by(EvaluationResult.created_at.desc()).limit(limit)
    if model_id:
        query = query.where(EvaluationResult.model_id == model_id)
    return list(session.scalars(query))
