"""POST /api/v1/feedback."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth.deps import AnyRoleUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.core.errors import NotFoundError, responses
from app.feedback.schemas import FeedbackRequest, FeedbackResponse
from app.feedback.service import record_feedback

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post(
    "/feedback",
    response_model=FeedbackResponse,
    summary="Record feedback on a match (idempotent)",
    responses=responses(*AUTH_ERRORS, NotFoundError),
)
def post_feedback(
    body: FeedbackRequest, user: AnyRoleUser, session: SessionDep, request: Request
) -> FeedbackResponse:
    """Same (talent, job, type) twice records one row and answers 200 both times.

    apply/dismiss: the talent itself; contact/reject: the company owning the job, for a talent
    it was shown or who applied; admin: anything.
    """
    request.state.params = body.model_dump(mode="json")
    recorded = record_feedback(session, user, body.talent_id, body.job_id, body.type)
    request.state.result_count = 1
    return FeedbackResponse(
        id=recorded.id,
        talent_id=recorded.talent_id,
        job_id=recorded.job_id,
        type=recorded.type,
        created=recorded.created,
        created_at=recorded.created_at,
    )
