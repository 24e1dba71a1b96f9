"""POST /api/v1/enrich/job, POST /api/v1/enrich/talent and GET /api/v1/evaluation/results.

Enrichment of free text stores nothing; a stored job may be enriched (and, with store=true,
persisted idempotently at the configured version) by its company's owner or an admin. Résumé
text may be parsed by any signed-in role (a talent reads their own, a company a candidate's);
it is never stored, so there is nothing to own.
Evaluation results are read-only model metrics for any signed-in role.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.errors import register_error
from app.auth.deps import AnyRoleUser, CompanyOrAdmin, SessionDep
from app.auth.ownership import ensure_job_access
from app.core.errors import ERROR_RESPONSES
from app.db.models import Job
from app.enrichment.config import ModelConfigError
from app.enrichment.evaluation import list_results
from app.enrichment.occupation import infer_occupations
from app.enrichment.resume import parse_resume
from app.enrichment.schemas import (
    EnrichJobRequest,
    EnrichJobResponse,
    EnrichTalentRequest,
    EnrichTalentResponse,
    EvaluationResultOut,
    EvaluationResultsResponse,
)
from app.enrichment.section_model import SectionModelError
from app.enrichment.service import EnrichmentNotFoundError, enrich_job, get_engine, job_text

router = APIRouter(prefix="/api/v1", tags=["enrichment"])
register_error(EnrichmentNotFoundError, 404, "not_found")
register_error(SectionModelError, 503, "model_unavailable")
register_error(ModelConfigError, 503, "model_unavailable")


@router.post(
    "/enrich/job",
    response_model=EnrichJobResponse,
    summary="Canonical skills and sections of a posting",
    responses=ERROR_RESPONSES,
)
def enrich_job_endpoint(
    body: EnrichJobRequest, user: CompanyOrAdmin, session: SessionDep
) -> EnrichJobResponse:
    started = time.perf_counter()
    engine = get_engine()
    if body.job_id is not None:
        ensure_job_access(session, user, body.job_id)
        if body.store:
            enrich_job(session, body.job_id, engine)
            session.commit()
        job = session.get(Job, body.job_id)
        text = job_text(job) if job is not None else ""
    else:
        text = body.text or ""
    result = engine.extractor.extract(text)
    return EnrichJobResponse.model_validate(
        {
            "enrichment_version": engine.enrichment_version,
            "skills_model_version": engine.skills_version,
            "section_model_version": engine.section_version,
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
    responses=ERROR_RESPONSES,
)
def enrich_talent_endpoint(body: EnrichTalentRequest, user: AnyRoleUser) -> EnrichTalentResponse:
    started = time.perf_counter()
    engine = get_engine()
    parsed = parse_resume(body.text, engine.extractor, occupations=infer_occupations)
    return EnrichTalentResponse.of(
        parsed,
        enrichment_version=engine.enrichment_version,
        skills_model_version=engine.skills_version,
        processing_time_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@router.get(
    "/evaluation/results",
    response_model=EvaluationResultsResponse,
    summary="Stored evaluations of the skills extractor, newest first",
    responses=ERROR_RESPONSES,
)
def evaluation_results(
    user: AnyRoleUser,
    session: SessionDep,
    model_id: Annotated[str | None, Query(pattern=r"^[a-z_]+$", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EvaluationResultsResponse:
    rows = list_results(session, model_id=model_id, limit=limit)
    return EvaluationResultsResponse(results=[EvaluationResultOut.of(r) for r in rows])
