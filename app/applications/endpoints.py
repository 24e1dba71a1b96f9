"""The applicant inbox and stage moves of a company's jobs, and a talent's own applications:

GET  /api/v1/jobs/{job_id}/applications                       (the job's company, admin)
GET  /api/v1/jobs/{job_id}/applications/{talent_id}           (the job's company, admin)
POST /api/v1/jobs/{job_id}/applications/{talent_id}/stage     (the job's company, admin)
GET  /api/v1/talents/{talent_id}/applications                 (the talent itself, admin)
GET  /api/v1/talents/{talent_id}/contacts                     (the talent itself, admin)

Ownership is checked as for matches: a company only for its own jobs, a talent only for
itself (403 for anything else, existing or not), an admin for anything (404 when missing).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.applications.errors import ApplicationNotFoundError, StageNotAllowedError
from app.applications.schemas import (
    ApplicantDetailResponse,
    ApplicantsResponse,
    StageMoveResponse,
    StageRequest,
    TalentApplicationsResponse,
    TalentContactsResponse,
)
from app.applications.service import (
    applications_of_talent,
    contacts_of_talent,
    get_applicant,
    list_applicants,
    move_stage,
)
from app.auth.deps import CompanyOrAdmin, SessionDep, TalentOrAdmin
from app.auth.errors import AUTH_ERRORS
from app.core.enums import ApplicationStage
from app.core.errors import NotFoundError, responses
from app.core.state import provider
from app.feedback.errors import JobClosedError
from app.matching.service import MatchingState

router = APIRouter(prefix="/api/v1", tags=["applications"])
MatchingStateDep = Annotated[MatchingState, Depends(provider(MatchingState))]

MAX_PAGE = 100
MAX_OFFSET = 100_000
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Applications per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Applications to skip.")]
ContactLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Contacts per page.")]
ContactOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Contacts to skip.")]


@router.get(
    "/jobs/{job_id}/applications",
    response_model=ApplicantsResponse,
    summary="A job's applicants with their stage, score and explanation",
    responses=responses(*AUTH_ERRORS, NotFoundError),
)
def list_job_applications(
    job_id: uuid.UUID,
    user: CompanyOrAdmin,
    session: SessionDep,
    matching: MatchingStateDep,
    request: Request,
    stage: Annotated[
        ApplicationStage | None, Query(description="Only the applications at this stage.")
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ApplicantsResponse:
    """Talents whose standing decision on the job is `apply`, newest application first, each
    scored and explained for the job now by the serving model (also applicants the job's
    ranking never showed), and how many applications are at each stage. Withdrawn
    applications are absent. Nothing is recorded."""
    inbox = list_applicants(
        session, user, job_id, stage=stage, limit=limit, offset=offset, state=matching
    )
    request.state.result_count = len(inbox.page.items)
    return ApplicantsResponse.of(job_id, stage, inbox)


@router.get(
    "/jobs/{job_id}/applications/{talent_id}",
    response_model=ApplicantDetailResponse,
    summary="One application: stage, its history, score and explanation",
    responses=responses(*AUTH_ERRORS, NotFoundError, ApplicationNotFoundError),
)
def get_job_application(
    job_id: uuid.UUID,
    talent_id: uuid.UUID,
    user: CompanyOrAdmin,
    session: SessionDep,
    matching: MatchingStateDep,
) -> ApplicantDetailResponse:
    """404 `application_not_found` when the talent has no standing application to the job."""
    return ApplicantDetailResponse.detail(
        get_applicant(session, user, job_id, talent_id, state=matching)
    )


@router.post(
    "/jobs/{job_id}/applications/{talent_id}/stage",
    response_model=StageMoveResponse,
    summary="Move an application to its next stage (idempotent)",
    responses=responses(
        *AUTH_ERRORS, NotFoundError, ApplicationNotFoundError, JobClosedError, StageNotAllowedError
    ),
)
def move_application_stage(
    job_id: uuid.UUID,
    talent_id: uuid.UUID,
    body: StageRequest,
    user: CompanyOrAdmin,
    session: SessionDep,
    request: Request,
) -> StageMoveResponse:
    """new -> contacted -> interviewing -> hired, or rejected before hired; nothing moves back.
    `contacted` and `rejected` also record the company's contact / reject decision (what the
    match lists and the learning loop read). The current stage again answers 200 with
    `created: false`; a forbidden move is a 409 naming `stage`, a closed job a 409 naming
    `job_id`, and neither writes anything."""
    request.state.params = body.model_dump(mode="json")
    moved = move_stage(session, user, job_id, talent_id, body.stage)
    request.state.result_count = 1
    return StageMoveResponse.of(moved)


@router.get(
    "/talents/{talent_id}/applications",
    response_model=TalentApplicationsResponse,
    summary="A talent's own applications and where each stands",
    responses=responses(*AUTH_ERRORS, NotFoundError),
)
def list_talent_applications(
    talent_id: uuid.UUID,
    user: TalentOrAdmin,
    session: SessionDep,
    request: Request,
    limit: Limit = 20,
    offset: Offset = 0,
) -> TalentApplicationsResponse:
    """Standing applications, newest first, with job title, company and status (closed jobs
    too). The status is the company's stage as the talent may see it: `rejected` reads
    `not_selected`, `new` reads `submitted`."""
    page = applications_of_talent(session, user, talent_id, limit=limit, offset=offset)
    request.state.result_count = len(page.items)
    return TalentApplicationsResponse.of(talent_id, page)


@router.get(
    "/talents/{talent_id}/contacts",
    response_model=TalentContactsResponse,
    summary="The jobs whose company contacted the talent",
    responses=responses(*AUTH_ERRORS, NotFoundError),
)
def list_talent_contacts(
    talent_id: uuid.UUID,
    user: TalentOrAdmin,
    session: SessionDep,
    request: Request,
    limit: ContactLimit = 20,
    offset: ContactOffset = 0,
) -> TalentContactsResponse:
    """Jobs whose company's standing decision on the talent is `contact` (from its match list
    or a stage move to `contacted`), newest contact first, applied to or not, with the
    talent's own decision and its application status. An undone contact is absent and a
    reject never shows."""
    page = contacts_of_talent(session, user, talent_id, limit=limit, offset=offset)
    request.state.result_count = len(page.items)
    return TalentContactsResponse.of(talent_id, page)
