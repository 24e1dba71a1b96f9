"""Prometheus metrics of the API and the matching pipeline.

Metrics live in the process-wide default registry (plus the standard process/GC collectors) and
are defined once at import, so any number of apps built by `create_app()` in one process share
them. Route labels are route *templates*, never raw paths, to keep label cardinality bounded.
Each uvicorn worker has its own registry; a scrape sees the worker that answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGES = ("features", "embeddings", "prediction", "explanation")

HTTP_REQUESTS = Counter(
    "tm_http_requests_total",
    "HTTP requests by route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "tm_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
STAGE_LATENCY = Histogram(
    "tm_match_stage_duration_seconds",
    "Time spent per matching stage (features, embeddings, prediction, explanation, ...).",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
MATCH_REQUESTS = Counter(
    "tm_match_requests_total",
    "Answered match requests by endpoint and score source.",
    ["endpoint", "source"],
)
FALLBACK_RATIO = Gauge(
    "tm_match_fallback_ratio", "Share of match requests answered by the rule-based fallback."
)
ACTIVE_MODEL = Gauge(
    "tm_active_model_info", "1 for the model version currently serving, by version.", ["version"]
)
ERRORS = Counter("tm_errors_total", "Errors answered, by error type.", ["type"])

CONTENT_TYPE = CONTENT_TYPE_LATEST
_match_totals = {"ml": 0, "fallback": 0}
_active_version: list[str] = []


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def observe_match(endpoint: str, source: str, stage_seconds: Mapping[str, float]) -> None:
    MATCH_REQUESTS.labels(endpoint, source).inc()
    _match_totals[source] = _match_totals.get(source, 0) + 1
    total = sum(_match_totals.values())
    FALLBACK_RATIO.set(_match_totals.get("fallback", 0) / total)
    for stage, seconds in stage_seconds.items():
        STAGE_LATENCY.labels(stage).observe(max(0.0, seconds))


def set_active_model(version: str | None) -> None:
    label = version or "none"
    if _active_version and _active_version[0] == label:
        return
    for old in _active_version:
        ACTIVE_MODEL.remove(old)
    _active_version[:] = [label]
    ACTIVE_MODEL.labels(label).set(1)


def observe_error(error_type: str) -> None:
    ERRORS.labels(error_type).inc()


class _EmbeddingCacheCollector(Collector):
    """Reads the embedding cache's hit ratio at scrape time from whoever registered a source."""

    def __init__(self) -> None:
        self.source: Callable[[], tuple[int, int]] | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "tm_embedding_cache_hit_ratio", "Embedding cache hits / lookups since start."
        )
        hits, misses = self.source() if self.source is not None else (0, 0)
        lookups = hits + misses
        family.add_metric([], hits / lookups if lookups else 0.0)
        yield family


_embedding_cache = _EmbeddingCacheCollector()
REGISTRY.register(_embedding_cache)


def set_embedding_cache_source(source: Callable[[], tuple[int, int]] | None) -> None:
    """Register a callable returning (hits, misses) of the embedding cache."""
    _embedding_cache.source = source


def generate_latest() -> bytes:
    return _generate_latest(REGISTRY)
