"""SQL of feedback: the idempotent insert on the unique (talent, job, type) triple and its read.

Neither commits: the request's session dependency commits the row with the rest of the
request, or rolls it back.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.base import uuid7
from app.db.models import MatchFeedback


def insert_feedback(
    session: Session,
    *,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: str,
    actor_user_id: uuid.UUID,
    actor_role: str | None,
) -> bool:
    """`INSERT ... ON CONFLICT DO NOTHING` of one feedback row; True when it added the row.

    A concurrent writer of the same triple makes Postgres wait for that transaction: when it
    commits this insert does nothing, so a duplicate never adds a row and never fails.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(MatchFeedback)
        .values(
            id=uuid7(),
            talent_id=talent_id,
            job_id=job_id,
            feedback_type=feedback_type,
            actor_user_id=actor_user_id,
            actor_role=actor_role,
        )
        .on_conflict_do_nothing(index_elements=["talent_id", "job_id", "feedback_type"])
        .returning(MatchFeedback.id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def get_feedback(
    session: Session, talent_id: uuid.UUID, job_id: uuid.UUID, feedback_type: str
) -> MatchFeedback:
    """The one row of the triple (just inserted, or the one that was already there)."""
    return session.execute(
        select(MatchFeedback).where(
            MatchFeedback.talent_id == talent_id,
            MatchFeedback.job_id == job_id,
            MatchFeedback.feedback_type == feedback_type,
        )
    ).scalar_one()
