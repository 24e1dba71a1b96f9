"""The app factory: `uvicorn --factory app.api.main:create_app`.

To add a router, import it here and append it to `ROUTERS` (one line). Errors need no
registration: every `AppError` states its own status and code (`app.api.errors`).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.api.errors import install_error_handlers
from app.api.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from app.api.openapi import operation_id
from app.api.rate_limit import RateLimitMiddleware, make_limiter, make_probe_limiter
from app.api.strict_query import reject_unknown_query_params
from app.applications import endpoints as applications_endpoints
from app.auth.dev_tokens import hs256_secret
from app.auth.jwks import JWKSCache
from app.auth.tokens import TokenVerifier
from app.core.state import Services
from app.db.session import make_engine, session_scope
from app.details import endpoints as details_endpoints
from app.directory import endpoints as directory_endpoints
from app.drift import endpoints as drift_endpoints
from app.drift.metrics import DriftCollector
from app.enrichment import endpoints as enrichment_endpoints
from app.enrichment.service import Enricher, get_enricher
from app.enrichment.workers import TextWorkers
from app.feedback import endpoints as feedback_endpoints
from app.health import endpoints as health_endpoints
from app.health.service import ProbeCache, Uptime
from app.logging import configure_logging, get_logger
from app.matching import endpoints as matching_endpoints
from app.matching.service import MatchingState, MatchLogBounds
from app.ml.embeddings import TextEmbedder, get_embedder, warm_open_jobs
from app.monitoring import endpoints as monitoring_endpoints
from app.monitoring.metrics import (
    mark_worker_dead,
    observe_embedding_lookups,
    observe_served_model,
    set_scrape_collector,
)
from app.settings import Settings, get_settings
from app.training import endpoints as training_endpoints
from app.training.scheduler import TrainingScheduler
from app.training.watcher import ModelWatcher

log = get_logger(__name__)

ROUTERS: tuple[APIRouter, ...] = (
    health_endpoints.router,
    matching_endpoints.router,
    directory_endpoints.router,
    feedback_endpoints.router,
    training_endpoints.router,
    drift_endpoints.router,
    enrichment_endpoints.router,
    applications_endpoints.router,
    details_endpoints.router,
)
# Probes and scrapes are outside the cost budget (an orchestrator must always reach them); the
# probes have a per-IP budget of their own (`app.api.rate_limit.ProbeLimiter`).
RATE_LIMIT_EXEMPT = frozenset({"/api/v1/health", "/api/v1/health/ready", "/metrics"})

DESCRIPTION = """Explainable talent <-> job matching.

Every endpoint except health and metrics needs a Supabase bearer token. Roles come from
`app_metadata.role`: **talent** (matches and feedback for itself), **company** (its own jobs),
**admin** (anything). Errors share one envelope: `{"error": {"code", "message", "field",
"request_id"}}`. Limits: a budget of 100 units/minute per client (a request costs 1, plus 1 per
2,000 characters of text given to enrichment or /match/score, plus 1 per 20 results a match
asks for; `X-RateLimit-Cost` says what it cost), bodies up to 64 KiB.
"""


def _verifier(settings: Settings) -> TokenVerifier:
    jwks = None
    if settings.jwt_jwks_url:
        jwks = JWKSCache(
            settings.jwt_jwks_url,
            ttl=settings.jwks_cache_seconds,
            min_refetch_interval=settings.jwks_min_refetch_seconds,
            timeout=settings.jwks_fetch_timeout_seconds,
        )
    return TokenVerifier(settings, hs256_secret(settings), jwks)


def _first_check(watcher: ModelWatcher) -> str:
    try:
        return watcher.check_once().state
    except SQLAlchemyError as exc:
        log.error("model_registry_unreachable_at_start", error=str(exc))
        return "fallback"


def _warm_embeddings(engine: Engine, embedder: TextEmbedder) -> None:
    """Load the embedding model and open jobs' stored vectors; failures only cost latency."""
    try:
        with session_scope(engine) as session:
            warm_open_jobs(session, embedder)
        embedder.model  # noqa: B018 - loading is the point
    except Exception:  # a warm-up must never take the worker down
        log.exception("embedding_warm_up_failed")


def _warm_matching(engine: Engine, matching: MatchingState, stopping: threading.Event) -> None:
    """Build both candidate indexes before a match request needs them, then keep them fresh
    in the background; if the build fails, requests build on first use instead."""
    try:
        with session_scope(engine) as session:
            matching.warm(session)
    except Exception:  # a warm-up must never take the worker down
        log.exception("matching_warm_up_failed")
        return
    if not stopping.is_set():
        matching.start_background_refresh(engine)


def _mount_dashboard(app: FastAPI, directory: Path) -> None:
    """Serve the built dashboard (`frontend/dist`) at /dashboard/, and send / there; without a
    build the API runs alone (the dashboard is optional: `npm run build` in frontend/)."""
    if not (directory / "index.html").is_file():
        return
    app.mount("/dashboard", StaticFiles(directory=directory, html=True), name="dashboard")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard/")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url)
    embedder = get_embedder()
    matching = MatchingState(embedder=embedder, match_log=MatchLogBounds.of(settings))
    watcher = ModelWatcher(
        engine=engine,
        swap=matching.swap_model,
        model_id=settings.matcher_model_id,
        interval=settings.model_poll_seconds,
    )
    scheduler = TrainingScheduler(engine, settings)
    services = Services()
    text_workers = TextWorkers.of(settings, local_enricher=lambda: services.get(Enricher))

    @asynccontextmanager
    async def lifespan(running_app: FastAPI) -> AsyncIterator[None]:
        # Load the active model before the first request (fallback if none loads), then follow
        # the registry's active pointer in the background.
        status = await run_in_threadpool(_first_check, watcher)
        if matching.model is None:
            observe_served_model(None, None)  # a swap reports a model; the fallback says so here
        watcher.start()
        scheduler.start()
        embedder.on_lookup = observe_embedding_lookups
        if settings.warm_embeddings_on_start:
            text_workers.warm()
            threading.Thread(
                target=_warm_embeddings,
                args=(engine, embedder),
                name="embedding-warm-up",
                daemon=True,
            ).start()
        stopping = threading.Event()
        matching_warm_up = threading.Thread(
            target=_warm_matching,
            args=(engine, matching, stopping),
            name="matching-warm-up",
            daemon=True,
        )
        if settings.matching_warm_on_start:
            matching.warm_up = matching_warm_up  # readiness waits for it
            matching_warm_up.start()
        log.info("api_started", environment=settings.environment, model=status)
        yield
        stopping.set()
        if matching_warm_up.is_alive():
            matching_warm_up.join(timeout=60)
        matching.stop_background_refresh()
        scheduler.stop()
        watcher.stop()
        await run_in_threadpool(text_workers.close)
        engine.dispose()
        mark_worker_dead(settings.prometheus_multiproc_dir)

    docs = settings.docs_exposed
    app = FastAPI(
        title="talent-match API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_params)],
        generate_unique_id_function=operation_id,
    )
    limiter = make_limiter(settings)
    for value in (
        settings,
        sessionmaker[Session](bind=engine, expire_on_commit=False),
        _verifier(settings),
        matching,
        embedder,
        watcher,
        scheduler,
        limiter,
        Uptime(),
        ProbeCache(settings.health_cache_seconds),
        text_workers,
    ):
        services.add(value)
    services.add(engine, Engine)
    services.add_lazy(Enricher, get_enricher)
    app.state.services = services
    set_scrape_collector("drift", DriftCollector(sessionmaker(bind=engine)))

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(monitoring_endpoints.router)  # it decides who may scrape
    _mount_dashboard(app, settings.dashboard_dir)
    install_error_handlers(app)

    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        exempt_paths=RATE_LIMIT_EXEMPT,
        probes=make_probe_limiter(settings),
    )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        slow_request_seconds=settings.slow_request_seconds,
    )
    app.add_middleware(SecurityHeadersMiddleware, production=settings.is_production)
    return app
