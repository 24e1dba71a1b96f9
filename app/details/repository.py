"""SQL of the detail views: a job or a talent with what the page shows, and what ties a
company or a talent to them (applications, contacts, the company's own match results)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.core.enums import FeedbackSide, FeedbackType
from app.db.models import Company, Job, JobSkill, Match, Talent, TalentSkill
from app.decisions.repository import standing_decisions


@dataclass(frozen=True, slots=True)
class CompanyTies:
    """What links a company's jobs to one talent."""

    applied: bool
    """The talent has a standing application to one of the company's jobs."""
    contacted: bool
    """The company's standing decision on the talent for one of its jobs is `contact`."""
    shown: bool
    """The talent is in a match result the company asked for, for one of its jobs."""


def load_job(session: Session, job_id: uuid.UUID) -> Job | None:
    """The job with its company and skills (and the skills' names) loaded."""
    return session.execute(
        select(Job)
        .where(Job.id == job_id)
        .options(
            joinedload(Job.company),
            selectinload(Job.skills).joinedload(JobSkill.skill),
        )
    ).scalar_one_or_none()


def load_talent(session: Session, talent_id: uuid.UUID) -> Talent | None:
    """The talent with its skills (and their names) loaded."""
    return session.execute(
        select(Talent)
        .where(Talent.id == talent_id)
        .options(selectinload(Talent.skills).joinedload(TalentSkill.skill))
    ).scalar_one_or_none()


def owner_applied_to_job(session: Session, owner_user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    """Whether the talent the user owns has a standing application to the job."""
    standing = standing_decisions(FeedbackSide.TALENT, job_ids=[job_id])
    owned = select(Talent.id).where(Talent.owner_user_id == owner_user_id)
    applied = (
        select(standing.c.id)
        .where(standing.c.talent_id.in_(owned), standing.c.feedback_type == FeedbackType.APPLY)
        .exists()
    )
    return bool(session.execute(select(applied)).scalar())


def company_ties(session: Session, owner_user_id: uuid.UUID, talent_id: uuid.UUID) -> CompanyTies:
    """How the jobs of the companies the user owns are tied to the talent (one statement)."""
    owned_jobs = (
        select(Job.id)
        .join(Company, Company.id == Job.company_id)
        .where(Company.owner_user_id == owner_user_id)
    )
    talent_side = standing_decisions(FeedbackSide.TALENT, talent_ids=[talent_id])
    company_side = standing_decisions(FeedbackSide.COMPANY, talent_ids=[talent_id])
    applied = (
        select(talent_side.c.id)
        .where(
            talent_side.c.job_id.in_(owned_jobs),
            talent_side.c.feedback_type == FeedbackType.APPLY,
        )
        .exists()
    )
    contacted = (
        select(company_side.c.id)
        .where(
            company_side.c.job_id.in_(owned_jobs),
            company_side.c.feedback_type == FeedbackType.CONTACT,
        )
        .exists()
    )
    shown = (
        select(Match.id)
        .where(
            Match.talent_id == talent_id,
            Match.job_id.in_(owned_jobs),
            Match.subject_side == "job",
        )
        .exists()
    )
    row = session.execute(select(applied, contacted, shown)).one()
    return CompanyTies(applied=bool(row[0]), contacted=bool(row[1]), shown=bool(row[2]))
