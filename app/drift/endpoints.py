"""Admin endpoints of drift monitoring: the runs with their scores, and each run's report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse

from app.auth.deps import AdminUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.core.errors import responses
from app.core.state import provider
from app.drift.errors import DriftRunNotFoundError
from app.drift.schemas import DriftRunListResponse, DriftRunResponse
from app.drift.service import list_runs, report_file
from app.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["drift"])

RunId = Annotated[uuid.UUID, Path(description="Id of a drift run (GET /api/v1/drift/runs).")]


@router.get(
    "/drift/runs",
    response_model=DriftRunListResponse,
    summary="Drift runs, newest first, with their score and report link (admin)",
    responses=responses(*AUTH_ERRORS),
)
def drift_runs(
    user: AdminUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100, description="How many runs.")] = 20,
) -> DriftRunListResponse:
    return DriftRunListResponse(runs=[DriftRunResponse.of(r) for r in list_runs(session, limit)])


@router.get(
    "/drift/runs/{run_id}/report",
    response_class=FileResponse,
    summary="The HTML report of a drift run (admin)",
    responses={
        **responses(*AUTH_ERRORS, DriftRunNotFoundError),
        200: {"content": {"text/html": {}}, "description": "A self-contained HTML page."},
    },
)
def drift_report(
    run_id: RunId,
    user: AdminUser,
    session: SessionDep,
    settings: Annotated[Settings, Depends(provider(Settings))],
) -> FileResponse:
    """Served from DRIFT_REPORT_DIR only; the page has no scripts (CSP-safe inline SVG)."""
    return FileResponse(report_file(session, run_id, settings), media_type="text/html")
