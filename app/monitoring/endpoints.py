"""GET /metrics: Prometheus text exposition, open or behind a scrape token.

Who may scrape: with `METRICS_SCRAPE_TOKEN` set, only a request bearing it
(`Authorization: Bearer <token>`), in every environment; without one, everyone where metrics
are exposed (development and test by default, `EXPOSE_METRICS`), nobody in production. A
refused scrape gets the same 404 as an unknown path, so the endpoint's existence is not told.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from app.core.state import provider
from app.monitoring.metrics import CONTENT_TYPE, generate_latest
from app.settings import Settings

router = APIRouter(tags=["monitoring"])


def scrape_allowed(settings: Settings, authorization: str | None) -> bool:
    token = settings.metrics_scrape_token
    if token is None:
        return settings.metrics_exposed
    scheme, _, presented = (authorization or "").partition(" ")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected)


@router.get("/metrics", include_in_schema=False)
def metrics(
    settings: Annotated[Settings, Depends(provider(Settings))],
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    if not scrape_allowed(settings, authorization):
        raise HTTPException(status_code=404)
    return Response(generate_latest(settings.prometheus_multiproc_dir), media_type=CONTENT_TYPE)
