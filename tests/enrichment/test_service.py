"""Enrichment against a real database (SQLite and Postgres), with the real extractor."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.enrichment_models import JobEnrichment, SectionClassification
from app.db.models import JobSkill, Skill, TalentSkill
from app.enrichment.config import get_model_registry
from app.enrichment.errors import EnrichmentNotFoundError
from app.enrichment.repository import stale_job_ids
from app.enrichment.section_model import RuleSectionClassifier
from app.enrichment.service import (
    Enricher,
    enrich_job,
    enrich_jobs,
    extract_skills_for_job,
    extract_skills_for_talent,
)
from tests.factories import make_job, make_skill, make_talent

DESCRIPTION = (
    "Requirements:\n- Python and Postgres\n- K8s in production\n\n"
    "Benefits:\n- Gym and an Excel course\n\n"
    "EEO statement:\nWe are an equal opportunity employer."
)


@pytest.fixture(scope="module")
def engine_v1(fast_extractor) -> Enricher:
    registry = get_model_registry()
    classifier = RuleSectionClassifier(registry.entry("section_classification").version)
    return Enricher(fast_extractor, classifier, registry)


def bump(engine: Enricher, version: str) -> Enricher:
    registry = engine.registry.model_copy(update={"enrichment_version": version})
    return replace(engine, registry=registry)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_stale_jobs_are_enriched_once(session: Session, engine_v1: Enricher) -> None:
    jobs = [make_job(session, description=DESCRIPTION) for _ in range(3)]
    session.commit()
    version = engine_v1.enrichment_version
    assert set(stale_job_ids(session, version)) == {j.id for j in jobs}

    written = enrich_jobs(session, stale_job_ids(session, version), engine_v1, batch_size=2)
    assert len(written) == 3
    assert stale_job_ids(session, version) == []
    again = enrich_jobs(session, [j.id for j in jobs], engine_v1)
    assert again == []
    assert count(session, JobEnrichment) == 3

    row = session.scalar(select(JobEnrichment).where(JobEnrichment.job_id == jobs[0].id))
    assert row is not None
    assert row.enrichment_version == version
    assert row.skills_model_version == engine_v1.skills_version
    names = {s["name"] for s in row.skills}
    assert {"Python", "PostgreSQL", "Kubernetes"} <= names
    assert row.alias_stats["resolved"]["K8s"] == "Kubernetes"
    for skill in row.skills:
        assert 0 <= skill["confidence_score"] <= 1
        assert skill["source_strategies"]


def test_version_change_makes_jobs_stale_again(session: Session, engine_v1: Enricher) -> None:
    job = make_job(session, description=DESCRIPTION)
    session.commit()
    enrich_job(session, job.id, engine_v1)
    session.commit()
    v2 = bump(engine_v1, "enrichment_v9.0")
    assert stale_job_ids(session, v2.enrichment_version) == [job.id]
    enrich_job(session, job.id, v2)
    session.commit()
    versions = sorted(session.scalars(select(JobEnrichment.enrichment_version)))
    assert versions == [engine_v1.enrichment_version, "enrichment_v9.0"]
    assert stale_job_ids(session, "enrichment_v9.0") == []


def test_one_row_per_job_and_version_in_the_database(session: Session, engine_v1: Enricher) -> None:
    job = make_job(session)
    session.commit()
    enrich_job(session, job.id, engine_v1)
    session.commit()
    session.add(
        JobEnrichment(
            job_id=job.id,
            enrichment_version=engine_v1.enrichment_version,
            skills_model_version="x",
            section_model_version="y",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_sections_are_stored_with_version_and_method(session: Session, engine_v1: Enricher) -> None:
    job = make_job(session, description=DESCRIPTION)
    session.commit()
    enrich_job(session, job.id, engine_v1)
    session.commit()
    rows = list(
        session.scalars(
            select(SectionClassification)
            .where(SectionClassification.job_id == job.id)
            .order_by(SectionClassification.section_index)
        )
    )
    labels = {r.label: r for r in rows}
    assert {"requirements", "benefits", "legal"} <= set(labels)
    assert labels["requirements"].is_skills_relevant
    assert not labels["benefits"].is_skills_relevant
    assert all(r.classifier_version == engine_v1.section_version for r in rows)
    assert all(r.classification_method == "rule_based" for r in rows)


def test_job_without_skills_gets_extracted_skills(session: Session, engine_v1: Enricher) -> None:
    bare = make_job(session, description=DESCRIPTION)
    python = make_skill(session, "Python", category="Programming")
    given = make_job(session, description=DESCRIPTION, skills=[(python, True, 4)])
    session.commit()
    written = extract_skills_for_job(session, bare.id, engine_v1)
    session.commit()
    assert written >= 3
    rows = session.execute(
        select(Skill.name, JobSkill.required)
        .join(JobSkill, JobSkill.skill_id == Skill.id)
        .where(JobSkill.job_id == bare.id)
    ).all()
    required = dict(rows)
    assert required["Kubernetes"] is True
    assert required.get("Excel", False) is False
    assert session.scalar(select(Skill.id).where(Skill.name == "Python")) == python.id
    assert extract_skills_for_job(session, given.id, engine_v1) == 0
    assert extract_skills_for_job(session, bare.id, engine_v1) == 0


def test_talent_without_skills_gets_them_from_resume(session: Session, engine_v1: Enricher) -> None:
    talent = make_talent(session, bio="Backend developer: Golang, GCP and Postgres.")
    session.commit()
    assert extract_skills_for_talent(session, talent.id, engine_v1) >= 3
    session.commit()
    names = set(
        session.scalars(
            select(Skill.name)
            .join(TalentSkill, TalentSkill.skill_id == Skill.id)
            .where(TalentSkill.talent_id == talent.id)
        )
    )
    assert {"Go", "Google Cloud Platform", "PostgreSQL"} <= names
    assert extract_skills_for_talent(session, talent.id, engine_v1) == 0


def test_unknown_job_is_a_clear_error(session: Session, engine_v1: Enricher) -> None:
    import uuid

    with pytest.raises(EnrichmentNotFoundError):
        enrich_job(session, uuid.uuid4(), engine_v1)
