"""POST /api/v1/enrich/job, POST /api/v1/enrich/talent and GET /api/v1/evaluation/results.

Enrichment of free text stores nothing; a stored job may be enriched (and, with store=true,
persisted idempotently at the configured version) by its company's owner or an admin. Résumé
text may be parsed by any signed-in role (a talent reads their own, a company a candidate's);
it is never stored, so there is nothing to own.
Evaluation results are read-only model metrics for any signed-in role.
The text models run in the app's text workers (`app.enrichment.workers`), not in this process.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.auth.deps import AnyRoleUser, CompanyOrAdmin, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.auth.ownership import ensure_job_access
from app.core.errors import NotFoundError, responses
from app.core.state import provider
from app.enrichment import repository
from app.enrichment.errors import EnrichmentNotFoundError, ModelConfigError, SectionModelError
from app.enrichment.schemas import (
    EnrichJobRequest,
    EnrichJobResponse,
    EnrichTalentRequest,
    EnrichTalentResponse,
    EvaluationResultOut,
    EvaluationResultsResponse,
)
from app.enrichment.service import (
    extract_text,
    job_extraction_text,
    read_resume,
    store_job_extraction,
)
from app.enrichment.workers import TextWorkers

TextWorkersDep = Annotated[TextWorkers, Depends(provider(TextWorkers))]

router = APIRouter(prefix="/api/v1", tags=["enrichment"])
# The configured models are loaded when first used: either may turn out to be unusable.
MODEL_ERRORS = (SectionModelError, ModelConfigError)


@router.post(
    "/enrich/job",
    response_model=EnrichJobResponse,
    summary="Canonical skills and sections of a posting",
    responses=responses(*AUTH_ERRORS, NotFoundError, EnrichmentNotFoundError, *MODEL_ERRORS),
)
def enrich_job_endpoint(
    body: EnrichJobRequest, user: CompanyOrAdmin, session: SessionDep, workers: TextWorkersDep
) -> EnrichJobResponse:
    started = time.perf_counter()
    if body.job_id is not None:
        ensure_job_access(session, user, body.job_id)
        job = repository.get_job(session, body.job_id)
        text = job_extraction_text(job) if job is not None else ""
    else:
        text = body.text or ""
    extraction = workers.run(extract_text, text)
    if body.job_id is not None and body.store:
        ms = (time.perf_counter() - started) * 1000
        store_job_extraction(session, body.job_id, extraction, ms)
    result, versions = extraction.result, extraction.versions
    return EnrichJobResponse.model_validate(
        {
            "enrichment_version": versions.enrichment,
            "skills_model_version": versions.skills,
            "section_model_version": versions.section,
            "skills": [s.as_dict() for s in result.skills],
            "sections": [c.as_dict() for c in result.sections],
            "alias_stats": result.alias_stats,
            "stored": body.store,
            "processing_time_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )


@router.post(
    "/enrich/talent",
    response_model=EnrichTalentResponse,
    summary="Structured profile (skills, years, seniority, education, title) of a résumé",
    responses=responses(*AUTH_ERRORS, *MODEL_ERRORS),
)
def enrich_talent_endpoint(
    body: EnrichTalentRequest, user: AnyRoleUser, workers: TextWorkersDep
) -> EnrichTalentResponse:
    started = time.perf_counter()
    parsed, versions = workers.run(read_resume, body.text)
    return EnrichTalentResponse.of(
        parsed,
        enrichment_version=versions.enrichment,
        skills_model_version=versions.skills,
        processing_time_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@router.get(
    "/evaluation/results",
    response_model=EvaluationResultsResponse,
    summary="Stored evaluations of the skills extractor, newest first",
    responses=responses(*AUTH_ERRORS),
)
def evaluation_results(
    user: AnyRoleUser,
    session: SessionDep,
    model_id: Annotated[str | None, Query(pattern=r"^[a-z_]+$", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EvaluationResultsResponse:
    rows = repository.list_evaluation_results(session, model_id=model_id, limit=limit)
    return EvaluationResultsResponse(results=[EvaluationResultOut.of(r) for r in rows])
