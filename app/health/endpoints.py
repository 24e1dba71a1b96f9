"""GET /api/v1/health (always 200, says what is wrong) and /api/v1/health/ready (503 if unusable).

Neither needs a token: orchestrators and the edge gateway probe them, and neither spends the
cost budget; each client IP has a probe budget of its own (`PROBE_RATE_LIMIT`, checked before
this module runs). Their database facts (reachable, `last_trained` of the served version) come
from a per-process cache (`health_cache_seconds`, single-flight), so a probe flood costs at
most one query per interval instead of one per probe. The model facts come from this worker's
matching state (what it actually serves) and the model watcher (whether that is the registry's
active version). Readiness does not require a model: the fallback rules serve without one, and
the body says which of the two is serving.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.core.errors import PROBE_STATUSES, responses
from app.core.state import provider
from app.health.schemas import HealthResponse, ReadyResponse
from app.health.service import DatabaseFacts, ProbeCache, Uptime, read_database_facts
from app.matching.endpoints import MatchingStateDep
from app.matching.service import MatchingState
from app.monitoring.metrics import set_active_model
from app.training.watcher import ModelWatcher

router = APIRouter(prefix="/api/v1/health", tags=["health"])
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(provider(sessionmaker))]
ProbeCacheDep = Annotated[ProbeCache, Depends(provider(ProbeCache))]


def serving_version(matching: MatchingState) -> str | None:
    model = matching.model
    return model.version if model is not None else None


async def _facts(
    cache: ProbeCache, factory: sessionmaker[Session], version: str | None
) -> DatabaseFacts:
    """Fresh cached facts are answered in the event loop; only the one caller per interval
    that must query (and those waiting for it) take a worker thread."""
    if (facts := cache.peek(version)) is not None:
        return facts
    return await run_in_threadpool(cache.get, version, partial(read_database_facts, factory))


@router.get(
    "",
    response_model=HealthResponse,
    summary="Service status (always 200)",
    responses=responses(common=PROBE_STATUSES),
)
async def health(
    factory: SessionFactoryDep,
    cache: ProbeCacheDep,
    matching: MatchingStateDep,
    watcher: Annotated[ModelWatcher, Depends(provider(ModelWatcher))],
    uptime: Annotated[Uptime, Depends(provider(Uptime))],
) -> HealthResponse:
    version = serving_version(matching)
    facts = await _facts(cache, factory, version)
    set_active_model(version)
    healthy = facts.reachable and version is not None and watcher.status.state == "ok"
    return HealthResponse(
        status="ok" if healthy else "degraded",
        model_version=version,
        last_trained=facts.last_trained,
        uptime_seconds=round(uptime.seconds, 3),
        database_reachable=facts.reachable,
        fallback_active=version is None,
    )


@router.get(
    "/ready",
    response_model=ReadyResponse,
    summary="Readiness: 503 while the database is unusable or the candidate indexes are still "
    "being built at start-up; ready on the fallback rules when no model is loaded",
    responses={
        **responses(common=PROBE_STATUSES),
        503: {"model": ReadyResponse, "description": "not ready"},
    },
)
async def ready(
    response: Response, factory: SessionFactoryDep, cache: ProbeCacheDep, matching: MatchingStateDep
) -> ReadyResponse:
    version = serving_version(matching)
    db_ok = (await _facts(cache, factory, version)).reachable
    warm = not matching.warming
    is_ready = db_ok and warm
    if not is_ready:
        response.status_code = 503
    return ReadyResponse(
        ready=is_ready,
        database_reachable=db_ok,
        model_loaded=version is not None,
        fallback_active=version is None,
        indexes_warm=warm,
    )
