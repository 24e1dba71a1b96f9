"""Recording decisions: who may say what, one current decision per side, and its history.

Each side of a (talent, job) pair has one current decision (app.decisions): the talent applies
or dismisses, the job's company contacts or rejects, and either may `undo` its own, which
returns that side to "no decision". Every change appends a row to the history; a post that
would not change the side's decision (the same type again) appends nothing and answers with
the row that stands, so retries and concurrent duplicates are harmless. A later decision of the
same side replaces the earlier one (apply after dismiss is applied, never both).

Talents decide about themselves; companies about talents they were shown for (or who applied
to) their own jobs; admins may record anything (an admin's undo takes back the pair's most
recent standing decision). A closed job takes no more feedback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.ownership import ensure_job_access, ensure_talent_access
from app.auth.principal import Principal
from app.auth.repository import job_owner, talent_owner, talent_seen_by_job
from app.core.enums import Decision, FeedbackSide, FeedbackType, JobStatus
from app.core.errors import NotFoundError
from app.decisions.service import (
    DECISION_OF,
    SIDE_OF,
    CurrentDecision,
    current_decisions,
    decision_of_pair,
)
from app.feedback.errors import DecisionQueryError, JobClosedError, NothingToUndoError
from app.feedback.repository import (
    append_feedback,
    get_feedback,
    job_status,
    lock_talent_decisions,
)


@dataclass(frozen=True, slots=True)
class RecordedFeedback:
    id: uuid.UUID
    talent_id: uuid.UUID
    job_id: uuid.UUID
    type: FeedbackType
    side: FeedbackSide
    decision: Decision | None
    created: bool
    created_at: datetime


def _authorize_talent_side(
    principal: Principal, talent_found: bool, talent_user: uuid.UUID | None, job_found: bool
) -> None:
    if principal.role != "talent" or not talent_found or talent_user != principal.sub:
        raise PermissionDeniedError("only the talent itself may decide on the talent's side")
    if not job_found:
        raise NotFoundError("job not found", field="job_id")


def _authorize_company_side(
    session: Session,
    principal: Principal,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    *,
    must_have_seen: bool,
) -> None:
    job_found, job_user = job_owner(session, job_id)
    if principal.role != "company" or not job_found or job_user != principal.sub:
        raise PermissionDeniedError("only the job's company may decide on the company's side")
    talent_found, _ = talent_owner(session, talent_id)
    if not talent_found or (must_have_seen and not talent_seen_by_job(session, talent_id, job_id)):
        raise PermissionDeniedError("this talent was not ranked for and did not apply to the job")


def authorize_feedback(
    session: Session,
    principal: Principal,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: FeedbackType,
) -> FeedbackSide | None:
    """Refuse what the caller may not send; return the side it decides on (None: an admin's
    undo, whose side is the pair's most recent standing decision)."""
    if principal.is_admin:
        if not talent_owner(session, talent_id)[0]:
            raise NotFoundError("talent not found", field="talent_id")
        if not job_owner(session, job_id)[0]:
            raise NotFoundError("job not found", field="job_id")
        return SIDE_OF.get(feedback_type)
    side = SIDE_OF.get(feedback_type)
    if side is None:  # undo: the sender's own side
        side = FeedbackSide.TALENT if principal.role == "talent" else FeedbackSide.COMPANY
    if side == FeedbackSide.TALENT:
        talent_found, talent_user = talent_owner(session, talent_id)
        _authorize_talent_side(principal, talent_found, talent_user, job_owner(session, job_id)[0])
    else:
        _authorize_company_side(
            session,
            principal,
            talent_id,
            job_id,
            must_have_seen=feedback_type != FeedbackType.UNDO,
        )
    return side


def _standing(
    session: Session, talent_id: uuid.UUID, job_id: uuid.UUID, side: FeedbackSide | None
) -> CurrentDecision | None:
    """The standing decision of `side`, or (None) the pair's most recent one of either side."""
    if side is not None:
        return decision_of_pair(session, side, talent_id, job_id)
    both = [decision_of_pair(session, s, talent_id, job_id) for s in FeedbackSide]
    standing = [d for d in both if d is not None]
    return max(standing, key=lambda d: d.decided_at) if standing else None


def record_feedback(
    session: Session,
    principal: Principal,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    feedback_type: FeedbackType,
) -> RecordedFeedback:
    """Authorize, check the job is open and the change is possible, then append (flushed,
    committed by the caller). Nothing is written when any check fails."""
    feedback_type = FeedbackType(feedback_type)
    side = authorize_feedback(session, principal, talent_id, job_id, feedback_type)
    if job_status(session, job_id) == JobStatus.CLOSED:
        raise JobClosedError(f"job {job_id} is closed")
    lock_talent_decisions(session, talent_id)
    standing = _standing(session, talent_id, job_id, side)
    if feedback_type == FeedbackType.UNDO:
        if standing is None:
            raise NothingToUndoError("there is no decision on this pair to undo")
        side = standing.side
    else:
        side = SIDE_OF[feedback_type]
        if standing is not None and standing.decision == DECISION_OF[feedback_type]:
            row = get_feedback(session, standing.feedback_id)
            return RecordedFeedback(
                id=row.id,
                talent_id=talent_id,
                job_id=job_id,
                type=feedback_type,
                side=side,
                decision=standing.decision,
                created=False,
                created_at=row.created_at,
            )
    row = append_feedback(
        session,
        talent_id=talent_id,
        job_id=job_id,
        feedback_type=feedback_type,
        side=side,
        actor_user_id=principal.sub,
        actor_role=principal.role,
    )
    return RecordedFeedback(
        id=row.id,
        talent_id=talent_id,
        job_id=job_id,
        type=feedback_type,
        side=side,
        decision=DECISION_OF.get(feedback_type),
        created=True,
        created_at=row.created_at,
    )


def list_decisions(
    session: Session,
    principal: Principal,
    *,
    talent_id: uuid.UUID | None,
    job_id: uuid.UUID | None,
) -> list[CurrentDecision]:
    """The standing decisions of one talent (its own side) or of one job (its company's side),
    newest first; callers see only talents and jobs they may act on."""
    if talent_id is not None and job_id is None:
        ensure_talent_access(session, principal, talent_id)
        return current_decisions(session, FeedbackSide.TALENT, talent_ids=[talent_id])
    if job_id is not None and talent_id is None:
        ensure_job_access(session, principal, job_id)
        return current_decisions(session, FeedbackSide.COMPANY, job_ids=[job_id])
    raise DecisionQueryError("give exactly one of talent_id or job_id")
