"""Recording feedback: who may say what, and exactly one row per (talent, job, type).

Talents send apply/dismiss about themselves; companies send contact/reject about talents they
were shown for (or who applied to) their own jobs; admins may record anything. The write is an
`INSERT ... ON CONFLICT DO NOTHING` on the unique triple, so a retried or concurrent duplicate
never adds a row and never fails: the caller gets the row that exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.principal import Principal
from app.auth.repository import job_owner, talent_owner, talent_seen_by_job
from app.core.enums import FeedbackType
from app.core.errors import NotFoundError
from app.feedback.repository import get_feedback, insert_feedback

TALENT_TYPES = frozenset({FeedbackType.APPLY, FeedbackType.DISMISS})
COMPANY_TYPES = frozenset({FeedbackType.CONTACT, FeedbackType.REJECT})


@dataclass(frozen=True, slots=True)
class RecordedFeedback:
    id: uuid.UUID
    talent_id: uuid.UUID
    job_id: uuid.UUID
    type: FeedbackType
    created: bool
    created_at: datetime


def authorize_feedback(
    session: Session,
    principal: Principal,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: FeedbackType,
) -> None:
    talent_found, talent_user = talent_owner(session, talent_id)
    job_found, job_user = job_owner(session, job_id)
    if principal.is_admin:
        if not talent_found:
            raise NotFoundError("talent not found")
        if not job_found:
            raise NotFoundError("job not found")
        return
    if feedback_type in TALENT_TYPES:
        if principal.role != "talent" or not talent_found or talent_user != principal.sub:
            raise PermissionDeniedError(f"only the talent itself may send {feedback_type}")
        if not job_found:
            raise NotFoundError("job not found")
        return
    if principal.role != "company" or not job_found or job_user != principal.sub:
        raise PermissionDeniedError(f"only the job's company may send {feedback_type}")
    if not talent_found or not talent_seen_by_job(session, talent_id, job_id):
        raise PermissionDeniedError("this talent was not ranked for and did not apply to the job")


def record_feedback(
    session: Session,
    principal: Principal,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: FeedbackType,
) -> RecordedFeedback:
    """Authorize, then upsert (flushed, committed by the caller); returns the (new or
    existing) row."""
    authorize_feedback(session, principal, talent_id, job_id, feedback_type)
    created = insert_feedback(
        session,
        talent_id=talent_id,
        job_id=job_id,
        feedback_type=feedback_type,
        actor_user_id=principal.sub,
        actor_role=principal.role,
    )
    row = get_feedback(session, talent_id, job_id, feedback_type)
    return RecordedFeedback(
        id=row.id,
        talent_id=row.talent_id,
        job_id=row.job_id,
        type=feedback_type,
        created=created,
        created_at=row.created_at,
    )
