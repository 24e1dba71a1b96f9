"""GET /metrics: Prometheus text exposition (mounted only when metrics are exposed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.monitoring.metrics import CONTENT_TYPE, generate_latest

router = APIRouter(tags=["monitoring"])


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE)
