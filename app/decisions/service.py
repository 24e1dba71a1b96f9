"""Which side a feedback type belongs to, the decision it stands for, and current decisions.

A side's current decision is its latest feedback row unless that row is an `undo`; a later row
of the same side replaces it (a dismissed job that is applied to is applied, not both).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.enums import Decision, FeedbackSide, FeedbackType
from app.decisions.repository import standing_rows

SIDE_OF: dict[FeedbackType, FeedbackSide] = {
    FeedbackType.APPLY: FeedbackSide.TALENT,
    FeedbackType.DISMISS: FeedbackSide.TALENT,
    FeedbackType.CONTACT: FeedbackSide.COMPANY,
    FeedbackType.REJECT: FeedbackSide.COMPANY,
}
"""The side of every type but `undo`, whose side is the sender's."""

DECISION_OF: dict[FeedbackType, Decision] = {
    FeedbackType.APPLY: Decision.APPLIED,
    FeedbackType.DISMISS: Decision.DISMISSED,
    FeedbackType.CONTACT: Decision.CONTACTED,
    FeedbackType.REJECT: Decision.REJECTED,
}


@dataclass(frozen=True, slots=True)
class CurrentDecision:
    """One side's standing decision on a pair, and the feedback row that made it."""

    feedback_id: uuid.UUID
    talent_id: uuid.UUID
    job_id: uuid.UUID
    side: FeedbackSide
    decision: Decision
    decided_at: datetime


def current_decisions(
    session: Session,
    side: FeedbackSide,
    *,
    talent_ids: Collection[uuid.UUID] | None = None,
    job_ids: Collection[uuid.UUID] | None = None,
) -> list[CurrentDecision]:
    """Standing decisions of `side` on the pairs of `talent_ids` x `job_ids` (None: any),
    newest first; undone pairs have none."""
    return [
        CurrentDecision(
            feedback_id=row.id,
            talent_id=row.talent_id,
            job_id=row.job_id,
            side=side,
            decision=DECISION_OF[FeedbackType(row.feedback_type)],
            decided_at=row.created_at,
        )
        for row in standing_rows(session, side, talent_ids=talent_ids, job_ids=job_ids)
    ]


def decision_of_pair(
    session: Session, side: FeedbackSide, talent_id: uuid.UUID, job_id: uuid.UUID
) -> CurrentDecision | None:
    """The standing decision of `side` on one pair, or None."""
    found = current_decisions(session, side, talent_ids=[talent_id], job_ids=[job_id])
    return found[0] if found else None
