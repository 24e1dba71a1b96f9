"""POST /api/v1/feedback and GET /api/v1/feedback/decisions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.auth.deps import AnyRoleUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.core.errors import NotFoundError, responses
from app.feedback.errors import DecisionQueryError, JobClosedError, NothingToUndoError
from app.feedback.schemas import (
    DecisionOut,
    DecisionsResponse,
    FeedbackRequest,
    FeedbackResponse,
)
from app.feedback.service import list_decisions, record_feedback

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post(
    "/feedback",
    response_model=FeedbackResponse,
    summary="Record a decision on a match (idempotent)",
    responses=responses(*AUTH_ERRORS, NotFoundError, JobClosedError, NothingToUndoError),
)
def post_feedback(
    body: FeedbackRequest, user: AnyRoleUser, session: SessionDep, request: Request
) -> FeedbackResponse:
    """Sets the sender's side of the (talent, job) pair; the same decision twice records one
    row and answers 200 both times, a different one replaces it, `undo` clears it.

    apply/dismiss: the talent itself; contact/reject: the company owning the job, for a talent
    it was shown or who applied; undo: either, for its own side; admin: anything.
    """
    request.state.params = body.model_dump(mode="json")
    recorded = record_feedback(session, user, body.talent_id, body.job_id, body.type)
    request.state.result_count = 1
    return FeedbackResponse(
        id=recorded.id,
        talent_id=recorded.talent_id,
        job_id=recorded.job_id,
        type=recorded.type,
        side=recorded.side,
        decision=recorded.decision,
        created=recorded.created,
        created_at=recorded.created_at,
    )


@router.get(
    "/feedback/decisions",
    response_model=DecisionsResponse,
    summary="Standing decisions of a talent, or of a job's company",
    responses=responses(*AUTH_ERRORS, NotFoundError, DecisionQueryError),
)
def get_decisions(
    user: AnyRoleUser,
    session: SessionDep,
    request: Request,
    talent_id: Annotated[
        uuid.UUID | None, Query(description="A talent's own decisions (talent or admin).")
    ] = None,
    job_id: Annotated[
        uuid.UUID | None,
        Query(description="The company's decisions on its job (company or admin)."),
    ] = None,
) -> DecisionsResponse:
    """Exactly one of `talent_id` / `job_id`; each pair appears with its current decision
    only (undone pairs are absent)."""
    decisions = list_decisions(session, user, talent_id=talent_id, job_id=job_id)
    request.state.result_count = len(decisions)
    return DecisionsResponse(
        decisions=[
            DecisionOut(
                talent_id=d.talent_id,
                job_id=d.job_id,
                side=d.side,
                decision=d.decision,
                decided_at=d.decided_at,
            )
            for d in decisions
        ]
    )
