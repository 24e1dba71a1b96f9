"""POST /api/v1/match/talent-to-jobs, /job-to-talents, /score and /advice.

Handlers only authorize, call the matching service and convert; the service writes the
returned matches into the request's transaction, which the session dependency commits before
the response is sent. Who may ask: a talent for itself, a company for its own jobs, an
admin for anything; `score` reads nothing from the database, so any role may use it.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from app.auth.deps import AnyRoleUser, CompanyOrAdmin, SessionDep, TalentOrAdmin
from app.auth.errors import AUTH_ERRORS
from app.auth.ownership import ensure_job_access, ensure_talent_access
from app.core.errors import NotFoundError, responses
from app.core.state import provider
from app.directory.service import Label, Side, labels
from app.enrichment.endpoints import TextWorkersDep
from app.enrichment.errors import ModelConfigError, OccupationModelError, SectionModelError
from app.enrichment.zero_shot import Inferred, complete_pair, require_given
from app.matching.advice import advice_for
from app.matching.errors import InvalidCursorError, InvalidFilterError, StaleCursorError
from app.matching.schemas import (
    AdviceRequest,
    AdviceResponse,
    JobToTalentsRequest,
    MatchResponse,
    ScoreRequest,
    TalentToJobsRequest,
    inferred_out,
)
from app.matching.service import (
    MatchingState,
    match_job_to_talents,
    match_talent_to_jobs,
    score_pair,
)
from app.ml.errors import FeatureExtractionError, ModelLoadError
from app.ml.types import MatchOutcome
from app.monitoring.metrics import observe_match, set_active_model

router = APIRouter(prefix="/api/v1/match", tags=["matching"])
MatchingStateDep = Annotated[MatchingState, Depends(provider(MatchingState))]

MATCH_RESPONSES = responses(*AUTH_ERRORS, NotFoundError, FeatureExtractionError, ModelLoadError)
LIST_RESPONSES = responses(
    *AUTH_ERRORS,
    NotFoundError,
    FeatureExtractionError,
    ModelLoadError,
    InvalidFilterError,
    InvalidCursorError,
    StaleCursorError,
)
# Text given to /score is read by the enrichment models first.
SCORE_RESPONSES = responses(
    *AUTH_ERRORS,
    FeatureExtractionError,
    ModelLoadError,
    SectionModelError,
    ModelConfigError,
    OccupationModelError,
)


def _labels(session: Session, side: Side, outcome: MatchOutcome) -> dict[uuid.UUID, Label]:
    return labels(session, side, [m.id for m in outcome.matches if m.id is not None])


def _respond(
    request: Request,
    endpoint: str,
    outcome: MatchOutcome,
    started: float,
    match_labels: dict[uuid.UUID, Label] | None = None,
) -> MatchResponse:
    elapsed_ms = (time.perf_counter() - started) * 1000
    stages = {k: v for k, v in outcome.timings.items() if k != "total"}
    observe_match(endpoint, outcome.source, stages)
    set_active_model(outcome.model_version)
    request.state.result_count = len(outcome.matches)
    request.state.source = outcome.source
    request.state.model_version = outcome.model_version
    request.state.stage_timings = stages
    return MatchResponse.of(outcome, round(elapsed_ms, 2), match_labels)


@router.post(
    "/talent-to-jobs",
    response_model=MatchResponse,
    summary="Best open jobs for a talent, explained",
    responses=LIST_RESPONSES,
)
def talent_to_jobs(
    body: TalentToJobsRequest,
    user: TalentOrAdmin,
    session: SessionDep,
    matching: MatchingStateDep,
    request: Request,
) -> MatchResponse:
    """Talents may ask only for themselves (their token's `sub` owns the talent); admins for
    anyone. Returned matches are recorded as impressions for the learning loop. Each carries
    the talent's decision on it; dismissed jobs are left out unless `include_dismissed`.
    `filters` hold for every job returned; `next_cursor` asks for the next page; the
    `compact` view leaves explanations out."""
    request.state.params = body.model_dump(mode="json")
    ensure_talent_access(session, user, body.talent_id)
    started = time.perf_counter()
    outcome = match_talent_to_jobs(
        session,
        body.talent_id,
        body.limit,
        body.min_score,
        request_id=request.state.request_id,
        state=matching,
        include_dismissed=body.include_dismissed,
        filters=body.filters.to_domain() if body.filters else None,
        cursor=body.cursor,
        view=body.view,
    )
    return _respond(request, "talent-to-jobs", outcome, started, _labels(session, "job", outcome))


@router.post(
    "/job-to-talents",
    response_model=MatchResponse,
    summary="Best talents for a job, explained",
    responses=LIST_RESPONSES,
)
def job_to_talents(
    body: JobToTalentsRequest,
    user: CompanyOrAdmin,
    session: SessionDep,
    matching: MatchingStateDep,
    request: Request,
) -> MatchResponse:
    """Companies may ask only for jobs of companies they own; admins for any job. `filters`
    hold for every talent returned; paging and the compact view as for talent-to-jobs."""
    request.state.params = body.model_dump(mode="json")
    ensure_job_access(session, user, body.job_id)
    started = time.perf_counter()
    outcome = match_job_to_talents(
        session,
        body.job_id,
        body.limit,
        body.min_score,
        request_id=request.state.request_id,
        state=matching,
        filters=body.filters.to_domain() if body.filters else None,
        cursor=body.cursor,
        view=body.view,
    )
    return _respond(
        request, "job-to-talents", outcome, started, _labels(session, "talent", outcome)
    )


@router.post(
    "/score",
    response_model=MatchResponse,
    summary="Zero-shot: score and explain one talent payload against one job payload",
    responses=SCORE_RESPONSES,
)
def score(
    body: ScoreRequest,
    user: AnyRoleUser,
    matching: MatchingStateDep,
    workers: TextWorkersDep,
    request: Request,
) -> MatchResponse:
    """Nothing is read from or written to the database; texts without an embedding are
    embedded here. With `resume_text` / `job_text` the fields a side does not state are
    inferred from its text (skills, years, seniority, occupation...) and `inferred` says
    which, by which model version. The single match has `id: null`."""
    started = time.perf_counter()
    talent, job = body.talent.to_domain(), body.job.to_domain()
    inferred: dict[str, Inferred] = {}
    if body.resume_text is None and body.job_text is None:
        require_given(body.talent_fields(), body.job_fields(), resume_text=None, job_text=None)
    else:  # the text models run in a text worker, not in this process
        talent, job, inferred = workers.run(
            complete_pair,
            talent,
            body.talent_fields(),
            job,
            body.job_fields(),
            resume_text=body.resume_text,
            talent_headline=body.talent_headline,
            job_text=body.job_text,
            job_title=body.job_title,
        )
    result = score_pair(talent, job, state=matching)
    elapsed = time.perf_counter() - started
    outcome = MatchOutcome(
        matches=[result],
        model_version=result.model_version,
        source=result.source,
        timings={"total": elapsed},
    )
    response = _respond(request, "score", outcome, started)
    if inferred:
        response.inferred = {side: inferred_out(info) for side, info in inferred.items()}
    return response


@router.post(
    "/advice",
    response_model=AdviceResponse,
    summary="What-if advice: the changes to a talent's profile that raise its score the most",
    responses=MATCH_RESPONSES,
)
def advice(
    body: AdviceRequest,
    user: TalentOrAdmin,
    session: SessionDep,
    matching: MatchingStateDep,
    request: Request,
) -> AdviceResponse:
    """For one talent and one job (open or closed): single changes the talent can make
    (add a skill the job asks for, reach its level, more years of a skill or overall, the
    job's remote policy), each re-scored by the serving model, best gain first. Location,
    salary and protected traits are never suggested. Talents may ask only for themselves,
    admins for anyone; nothing is written."""
    request.state.params = body.model_dump(mode="json")
    ensure_talent_access(session, user, body.talent_id)
    started = time.perf_counter()
    result = advice_for(session, body.talent_id, body.job_id, matching.model, limit=body.limit)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    request.state.source = result.source
    request.state.model_version = result.model_version
    request.state.result_count = len(result.suggestions)
    return AdviceResponse.of(body.talent_id, body.job_id, result, elapsed_ms)
