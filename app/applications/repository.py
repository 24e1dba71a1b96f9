"""SQL of applications: standing applies (from the decision history), the stage history, the
companies' standing contacts a talent is shown, and the per-talent write lock.

An application is a standing talent-side `apply` (app.decisions' one reading of the feedback
history); its id is that feedback row's id. None of these commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Subquery, func, select
from sqlalchemy.orm import Session

from app.core.enums import ApplicationStage, FeedbackSide, FeedbackType, JobStatus
from app.db.models import ApplicationStageChange, Company, Job, Talent
from app.decisions.repository import standing_decisions


def lock_talent(session: Session, talent_id: uuid.UUID) -> None:
    """Serialise stage moves with every decision write on the talent's pairs until the
    transaction ends: the same row lock as feedback's (`FOR UPDATE`; SQLite has one writer)."""
    session.execute(select(Talent.id).where(Talent.id == talent_id).with_for_update())


def _applies(
    *, talent_ids: Collection[uuid.UUID] | None = None, job_ids: Collection[uuid.UUID] | None = None
) -> tuple[Subquery, ColumnElement[bool]]:
    """The talent side's standing decisions on the pairs, and the test that one is an apply."""
    standing = standing_decisions(FeedbackSide.TALENT, talent_ids=talent_ids, job_ids=job_ids)
    return standing, standing.c.feedback_type == FeedbackType.APPLY


def job_applications(
    session: Session, job_id: uuid.UUID
) -> Sequence[Row[uuid.UUID, uuid.UUID, datetime]]:
    """(application_id, talent_id, applied_at) of every standing application to the job,
    newest first."""
    standing, is_apply = _applies(job_ids=[job_id])
    return session.execute(
        select(standing.c.id, standing.c.talent_id, standing.c.created_at)
        .where(is_apply)
        .order_by(standing.c.created_at.desc(), standing.c.id.desc())
    ).all()


def _talent_jobs(
    session: Session,
    standing: Subquery,
    chosen: ColumnElement[bool],
    *,
    limit: int,
    offset: int,
) -> tuple[int, Sequence[Row[Any]]]:
    """(total, page of (id, job_id, created_at, title, status, company_name, location_name,
    remote_policy)) of the `chosen` standing decisions of one talent, newest first: the one
    shape of the talent's own lists, so applications and contacts page and join alike."""
    total = session.execute(select(func.count()).select_from(standing).where(chosen)).scalar()
    page = session.execute(
        select(
            standing.c.id,
            standing.c.job_id,
            standing.c.created_at,
            Job.title,
            Job.status,
            Company.name,
            Job.location_name,
            Job.remote_policy,
        )
        .join(Job, Job.id == standing.c.job_id)
        .join(Company, Company.id == Job.company_id)
        .where(chosen)
        .order_by(standing.c.created_at.desc(), standing.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total or 0), page


def talent_applications(
    session: Session, talent_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[int, Sequence[Row[Any]]]:
    """(total, page of (application_id, job_id, applied_at, title, status, company_name,
    location_name, remote_policy)) of a talent, newest first."""
    standing, is_apply = _applies(talent_ids=[talent_id])
    return _talent_jobs(session, standing, is_apply, limit=limit, offset=offset)


def talent_contacts(
    session: Session, talent_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[int, Sequence[Row[Any]]]:
    """(total, page of (feedback_id, job_id, contacted_at, title, status, company_name,
    location_name, remote_policy)) of the jobs whose company stands at `contact` on the talent,
    newest contact first. A standing reject is another decision, so it never shows here."""
    standing = standing_decisions(FeedbackSide.COMPANY, talent_ids=[talent_id])
    is_contact = standing.c.feedback_type == FeedbackType.CONTACT
    return _talent_jobs(session, standing, is_contact, limit=limit, offset=offset)


def job_is_closed(session: Session, job_id: uuid.UUID) -> bool:
    status = session.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()
    return status == JobStatus.CLOSED


def application_of_pair(
    session: Session, talent_id: uuid.UUID, job_id: uuid.UUID
) -> Row[uuid.UUID, datetime] | None:
    """(application_id, applied_at) of the talent's standing application to the job, if any."""
    standing, is_apply = _applies(talent_ids=[talent_id], job_ids=[job_id])
    return session.execute(select(standing.c.id, standing.c.created_at).where(is_apply)).first()


def stage_changes(
    session: Session, application_ids: Collection[uuid.UUID]
) -> Sequence[ApplicationStageChange]:
    """Every stage change of the given applications, oldest first."""
    if not application_ids:
        return []
    return (
        session.execute(
            select(ApplicationStageChange)
            .where(ApplicationStageChange.application_id.in_(list(application_ids)))
            .order_by(ApplicationStageChange.created_at, ApplicationStageChange.id)
        )
        .scalars()
        .all()
    )


def job_stage_changes(session: Session, job_id: uuid.UUID) -> Sequence[ApplicationStageChange]:
    """Every stage change on the job's pairs (also of ended applications), oldest first."""
    return (
        session.execute(
            select(ApplicationStageChange)
            .where(ApplicationStageChange.job_id == job_id)
            .order_by(ApplicationStageChange.created_at, ApplicationStageChange.id)
        )
        .scalars()
        .all()
    )


def append_stage_change(
    session: Session,
    *,
    application_id: uuid.UUID,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    stage: ApplicationStage,
    actor_user_id: uuid.UUID,
    actor_role: str | None,
) -> ApplicationStageChange:
    """Add one history row (flushed, so its id and time are set)."""
    row = ApplicationStageChange(
        application_id=application_id,
        talent_id=talent_id,
        job_id=job_id,
        stage=stage,
        actor_user_id=actor_user_id,
        actor_role=actor_role,
    )
    session.add(row)
    session.flush()
    return row
