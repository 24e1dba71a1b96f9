"""SQL of feedback: appending one decision row, the per-talent write lock, a job's status.

None commits: the request's session dependency commits the row with the rest of the
request, or rolls it back.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.enums import FeedbackSide, FeedbackType
from app.db.models import Job, MatchFeedback, Talent


def lock_talent_decisions(session: Session, talent_id: uuid.UUID) -> None:
    """Serialise decision writes on one talent's pairs until the transaction ends.

    Reading the current decision and appending the next must not interleave with another
    writer, or two identical posts would both append. Postgres takes a row lock on the talent
    (`FOR UPDATE`); SQLite has one writer at a time anyway and ignores the clause.
    """
    session.execute(select(Talent.id).where(Talent.id == talent_id).with_for_update())


def append_feedback(
    session: Session,
    *,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: FeedbackType,
    side: FeedbackSide,
    actor_user_id: uuid.UUID,
    actor_role: str | None,
) -> MatchFeedback:
    """Add one history row (flushed, so its id and time are set)."""
    row = MatchFeedback(
        talent_id=talent_id,
        job_id=job_id,
        feedback_type=feedback_type,
        side=side,
        actor_user_id=actor_user_id,
        actor_role=actor_role,
    )
    session.add(row)
    session.flush()
    return row


def get_feedback(session: Session, feedback_id: uuid.UUID) -> MatchFeedback:
    return session.execute(
        select(MatchFeedback).where(MatchFeedback.id == feedback_id)
    ).scalar_one()


def job_status(session: Session, job_id: uuid.UUID) -> str | None:
    """The job's status, None when there is no such job."""
    return session.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()
