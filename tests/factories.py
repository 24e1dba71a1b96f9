"""Factories that build valid rows with sensible defaults; tests override only what they test."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import (
    Company,
    Job,
    JobSkill,
    Match,
    MatchFeedback,
    Skill,
    Talent,
    TalentSkill,
)

_counter = itertools.count()


def make_company(session: Session, **overrides: Any) -> Company:
    values: dict[str, Any] = {
        "name": f"Company {next(_counter)}",
        "industry": "Software",
        "size": "medium",
        "work_style": "collaborative",
        "owner_user_id": uuid.uuid4(),
    }
    values.update(overrides)
    company = Company(**values)
    session.add(company)
    session.flush()
    return company


def make_skill(session: Session, name: str | None = None, **overrides: Any) -> Skill:
    values: dict[str, Any] = {
        "name": name or f"Skill {next(_counter)}",
        "category": "Programming",
        "aliases": [],
    }
    values.update(overrides)
    skill = Skill(**values)
    session.add(skill)
    session.flush()
    return skill


def make_talent(
    session: Session, skills: list[tuple[Skill, int, float]] | None = None, **overrides: Any
) -> Talent:
    values: dict[str, Any] = {
        "full_name": f"Talent {next(_counter)}",
        "headline": "Software Developer",
        "years_experience": 5.0,
        "seniority": "mid",
        "latitude": 52.52,
        "longitude": 13.40,
        "timezone": "Europe/Berlin",
        "remote_preference": "any",
        "salary_min": 60_000,
        "salary_max": 80_000,
        "owner_user_id": uuid.uuid4(),
        "bio": "Backend developer who likes Python and databases.",
    }
    values.update(overrides)
    talent = Talent(**values)
    # Through the relationships, so `talent.skills` is loaded (relationships are lazy="raise").
    talent.skills = [
        TalentSkill(skill=skill, proficiency=proficiency, years=years)
        for skill, proficiency, years in skills or []
    ]
    session.add(talent)
    session.flush()
    return talent


def make_job(
    session: Session,
    company: Company | None = None,
    skills: list[tuple[Skill, bool, int]] | None = None,
    **overrides: Any,
) -> Job:
    company = company or make_company(session)
    values: dict[str, Any] = {
        "company_id": company.id,
        "title": "Backend Engineer",
        "description": "Build APIs in Python on Postgres.",
        "seniority": "mid",
        "min_years": 3.0,
        "max_years": 8.0,
        "latitude": 52.52,
        "longitude": 13.40,
        "timezone": "Europe/Berlin",
        "remote_policy": "hybrid",
        "salary_min": 65_000,
        "salary_max": 85_000,
        "status": "open",
    }
    values.update(overrides)
    job = Job(**values)
    # Through the relationships, so `job.company` and `job.skills` are loaded (lazy="raise").
    job.company = company
    job.skills = [
        JobSkill(skill=skill, required=required, min_proficiency=min_proficiency)
        for skill, required, min_proficiency in skills or []
    ]
    session.add(job)
    session.flush()
    return job


def show_matches(
    session: Session,
    talent: Talent,
    jobs: Sequence[Job],
    *,
    at: datetime,
    request_id: str | None = "req",
    side: str | None = "talent",
) -> None:
    """`jobs` shown to `talent` in one request at `at`, in that order (the impression log)."""
    for position, job in enumerate(jobs, start=1):
        session.add(
            Match(
                talent_id=talent.id,
                job_id=job.id,
                ml_score=50.0,
                source="ml",
                position=position,
                request_id=request_id,
                subject_side=side,
                created_at=at,
            )
        )
    session.flush()


def make_feedback(
    session: Session, talent: Talent, job: Job, kind: str = "apply", **overrides: Any
) -> MatchFeedback:
    """One decision row on the pair (an application by default), as its side would send it."""
    values: dict[str, Any] = {
        "talent_id": talent.id,
        "job_id": job.id,
        "feedback_type": kind,
        "actor_role": "talent" if kind in ("apply", "dismiss") else "company",
    }
    values.update(overrides)
    row = MatchFeedback(**values)
    session.add(row)
    session.flush()
    return row
