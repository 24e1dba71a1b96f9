"""GET /api/v1/health (always 200, says what is wrong) and /api/v1/health/ready (503 if unusable).

Neither needs a token: orchestrators and the edge gateway probe them. The model facts come
from this worker's matching engine (what it actually serves) and the model watcher (whether
that is the registry's active version); `last_trained` from the registry row of the served
version.
"""

from __future__ import annotations

import time
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.auth.deps import SessionDep
from app.core.errors import PROBE_RESPONSES
from app.db.models import MLModelVersion
from app.health.schemas import HealthResponse, ReadyResponse
from app.logging import get_logger
from app.matching.service import get_engine_state
from app.monitoring.metrics import set_active_model
from app.training.watcher import ModelWatcher

router = APIRouter(prefix="/api/v1/health", tags=["health"])
log = get_logger(__name__)


def database_reachable(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("database_unreachable", error=str(exc))
        session.rollback()
        return False
    return True


def trained_at(session: Session, version: str | None) -> datetime | None:
    if version is None:
        return None
    try:
        return session.scalar(
            select(MLModelVersion.trained_at).where(MLModelVersion.version == version)
        )
    except SQLAlchemyError:
        session.rollback()
        return None


def serving_version() -> str | None:
    model = get_engine_state().model
    return model.version if model is not None else None


@router.get(
    "",
    response_model=HealthResponse,
    summary="Service status (always 200)",
    responses=PROBE_RESPONSES,
)
def health(request: Request, session: SessionDep) -> HealthResponse:
    db_ok = database_reachable(session)
    version = serving_version()
    watcher: ModelWatcher = request.app.state.model_watcher
    set_active_model(version)
    healthy = db_ok and version is not None and watcher.status.state == "ok"
    return HealthResponse(
        status="ok" if healthy else "degraded",
        model_version=version,
        last_trained=trained_at(session, version) if db_ok else None,
        uptime_seconds=round(time.monotonic() - request.app.state.started_at, 3),
        database_reachable=db_ok,
        fallback_active=version is None,
    )


@router.get(
    "/ready",
    response_model=ReadyResponse,
    summary="Readiness: 503 while the model or the database is unusable, or while the "
    "candidate indexes are still being built at start-up",
    responses={**PROBE_RESPONSES, 503: {"model": ReadyResponse, "description": "not ready"}},
)
def ready(request: Request, response: Response, session: SessionDep) -> ReadyResponse:
    db_ok = database_reachable(session)
    loaded = serving_version() is not None
    warm_up = getattr(request.app.state, "matching_warm_up", None)
    warm = warm_up is None or not warm_up.is_alive()
    is_ready = db_ok and loaded and warm
    if not is_ready:
        response.status_code = 503
    return ReadyResponse(
        ready=is_ready, database_reachable=db_ok, model_loaded=loaded, indexes_warm=warm
    )
