"""SQL of current decisions: the latest feedback row per (talent, job) and side.

`standing_decisions` is the one definition of "current"; the training labels build on the
same subquery, so serving, feedback and the learning loop cannot read the history differently.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Row, Subquery, func, select
from sqlalchemy.orm import Session

from app.core.enums import FeedbackSide, FeedbackType
from app.db.models import MatchFeedback


def standing_decisions(
    side: FeedbackSide | None = None,
    *,
    talent_ids: Collection[uuid.UUID] | None = None,
    job_ids: Collection[uuid.UUID] | None = None,
) -> Subquery:
    """(id, talent_id, job_id, side, feedback_type, created_at) of every standing decision:
    each side's latest row of a pair unless that row is an undo; optionally of one side and
    of the pairs of `talent_ids` x `job_ids`."""
    scope = []
    if side is not None:
        scope.append(MatchFeedback.side == side)
    if talent_ids is not None:
        scope.append(MatchFeedback.talent_id.in_(list(talent_ids)))
    if job_ids is not None:
        scope.append(MatchFeedback.job_id.in_(list(job_ids)))
    latest = (
        select(
            MatchFeedback.id,
            MatchFeedback.talent_id,
            MatchFeedback.job_id,
            MatchFeedback.side,
            MatchFeedback.feedback_type,
            MatchFeedback.created_at,
            func.row_number()
            .over(
                partition_by=(MatchFeedback.talent_id, MatchFeedback.job_id, MatchFeedback.side),
                order_by=(MatchFeedback.created_at.desc(), MatchFeedback.id.desc()),
            )
            .label("rn"),
        )
        .where(*scope)
        .subquery("latest")
    )
    return (
        select(
            latest.c.id,
            latest.c.talent_id,
            latest.c.job_id,
            latest.c.side,
            latest.c.feedback_type,
            latest.c.created_at,
        )
        .where(latest.c.rn == 1, latest.c.feedback_type != FeedbackType.UNDO)
        .subquery("standing")
    )


def standing_rows(
    session: Session,
    side: FeedbackSide,
    *,
    talent_ids: Collection[uuid.UUID] | None = None,
    job_ids: Collection[uuid.UUID] | None = None,
) -> Sequence[Row[uuid.UUID, uuid.UUID, uuid.UUID, str, datetime]]:
    """(id, talent_id, job_id, feedback_type, created_at) of `side`'s standing decisions on
    the pairs of `talent_ids` x `job_ids` (None: any), newest first."""
    standing = standing_decisions(side, talent_ids=talent_ids, job_ids=job_ids)
    return session.execute(
        select(
            standing.c.id,
            standing.c.talent_id,
            standing.c.job_id,
            standing.c.feedback_type,
            standing.c.created_at,
        ).order_by(standing.c.created_at.desc(), standing.c.id.desc())
    ).all()
