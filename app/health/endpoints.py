"""GET /api/v1/health (always 200, says what is wrong) and /api/v1/health/ready (503 if unusable).

Neither needs a token: orchestrators and the edge gateway probe them. The model facts come
from this worker's matching state (what it actually serves) and the model watcher (whether
that is the registry's active version); `last_trained` from the registry row of the served
version.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.auth.deps import SessionDep
from app.core.errors import PROBE_STATUSES, responses
from app.core.state import provider
from app.health.repository import database_reachable, trained_at
from app.health.schemas import HealthResponse, ReadyResponse
from app.health.service import Uptime
from app.matching.endpoints import MatchingStateDep
from app.matching.service import MatchingState
from app.monitoring.metrics import set_active_model
from app.training.watcher import ModelWatcher

router = APIRouter(prefix="/api/v1/health", tags=["health"])


def serving_version(matching: MatchingState) -> str | None:
    model = matching.model
    return model.version if model is not None else None


@router.get(
    "",
    response_model=HealthResponse,
    summary="Service status (always 200)",
    responses=responses(common=PROBE_STATUSES),
)
def health(
    session: SessionDep,
    matching: MatchingStateDep,
    watcher: Annotated[ModelWatcher, Depends(provider(ModelWatcher))],
    uptime: Annotated[Uptime, Depends(provider(Uptime))],
) -> HealthResponse:
    db_ok = database_reachable(session)
    version = serving_version(matching)
    set_active_model(version)
    healthy = db_ok and version is not None and watcher.status.state == "ok"
    return HealthResponse(
        status="ok" if healthy else "degraded",
        model_version=version,
        last_trained=trained_at(session, version) if db_ok else None,
        uptime_seconds=round(uptime.seconds, 3),
        database_reachable=db_ok,
        fallback_active=version is None,
    )


@router.get(
    "/ready",
    response_model=ReadyResponse,
    summary="Readiness: 503 while the model or the database is unusable, or while the "
    "candidate indexes are still being built at start-up",
    responses={
        **responses(common=PROBE_STATUSES),
        503: {"model": ReadyResponse, "description": "not ready"},
    },
)
def ready(response: Response, session: SessionDep, matching: MatchingStateDep) -> ReadyResponse:
    db_ok = database_reachable(session)
    loaded = serving_version(matching) is not None
    warm = not matching.warming
    is_ready = db_ok and loaded and warm
    if not is_ready:
        response.status_code = 503
    return ReadyResponse(
        ready=is_ready, database_reachable=db_ok, model_loaded=loaded, indexes_warm=warm
    )
