"""SQL of object-level authorization: who owns a talent or a job, and what a company has seen.

Each answer is `(found, owner)` so the caller can tell "no such row" from "not yours": only
admins learn the former (404); everyone else gets 403 either way (app/auth/ownership.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.core.enums import FeedbackType
from app.db.models import Company, Job, Match, MatchFeedback, Talent


def talent_owner(session: Session, talent_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
    row = session.execute(select(Talent.owner_user_id).where(Talent.id == talent_id)).first()
    return (row is not None, row[0] if row else None)


def job_owner(session: Session, job_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
    row = session.execute(
        select(Company.owner_user_id)
        .join(Job, Job.company_id == Company.id)
        .where(Job.id == job_id)
    ).first()
    return (row is not None, row[0] if row else None)


def talent_seen_by_job(session: Session, talent_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    """Whether the talent was ranked for the job or applied to it: what a company may act on."""
    ranked = exists().where(Match.talent_id == talent_id, Match.job_id == job_id)
    applied = exists().where(
        MatchFeedback.talent_id == talent_id,
        MatchFeedback.job_id == job_id,
        MatchFeedback.feedback_type == FeedbackType.APPLY,
    )
    return bool(session.execute(select(ranked | applied)).scalar())
