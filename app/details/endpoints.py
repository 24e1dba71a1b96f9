"""GET /api/v1/jobs/{job_id} and GET /api/v1/talents/{talent_id}: the detail pages one click
from a match card. Who may open which is decided in app.details.service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.auth.deps import AnyRoleUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.core.errors import NotFoundError, responses
from app.details.errors import JobNotVisibleError
from app.details.schemas import CandidateDetailResponse, JobDetailResponse
from app.details.service import candidate_detail, job_detail

router = APIRouter(prefix="/api/v1", tags=["details"])


@router.get(
    "/jobs/{job_id}",
    response_model=JobDetailResponse,
    summary="A job: description, skills, salary, location, remote policy, company",
    responses=responses(*AUTH_ERRORS, NotFoundError, JobNotVisibleError),
)
def get_job_detail(job_id: uuid.UUID, user: AnyRoleUser, session: SessionDep) -> JobDetailResponse:
    """Talents: open jobs, and closed ones they applied to (any other id is a 404, closed or
    unknown alike). Companies: their own jobs, open or closed (403 otherwise). Admins: any."""
    return JobDetailResponse.of(job_detail(session, user, job_id))


@router.get(
    "/talents/{talent_id}",
    response_model=CandidateDetailResponse,
    summary="A candidate's profile, as much of it as the caller may see",
    responses=responses(*AUTH_ERRORS, NotFoundError),
)
def get_candidate_detail(
    talent_id: uuid.UUID, user: AnyRoleUser, session: SessionDep
) -> CandidateDetailResponse:
    """A talent: itself. A company: a talent that applied to one of its jobs, or that it
    contacted or was shown in its own match results for one (403 otherwise, existing or not);
    bio, résumé and salary expectation only once the talent applied or was contacted
    (`disclosed`). Admins: anyone."""
    return CandidateDetailResponse.of(candidate_detail(session, user, talent_id))
