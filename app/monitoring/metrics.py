"""Prometheus metrics of the API, the matching pipeline and training.

Metrics are defined once at import, so any number of apps built by `create_app()` in one
process share them. Route labels are route *templates*, never raw paths, to keep label
cardinality bounded.

Several workers: `app serve` with `PROMETHEUS_MULTIPROC_DIR` set empties that directory and
exports it before uvicorn starts its workers, so prometheus_client in every worker writes its
values to per-process files there, and a scrape answered by any worker merges all of them
(`MultiProcessCollector`): counters and histograms are totals over the workers. Each gauge
states how workers combine (`multiprocess_mode`); a worker marks itself dead on shutdown, so
its `live*` gauges go away while its counts stay in the totals. Without the directory (one
process, tests) the default registry with the process/GC collectors is scraped.

Ratios are never gauges "since start" (they cannot be summed over workers nor windowed):
export the counts and divide in PromQL, e.g. embedding cache hit ratio over 5 minutes:
`rate(tm_embedding_cache_hits_total[5m]) / (rate(tm_embedding_cache_hits_total[5m]) +
rate(tm_embedding_cache_misses_total[5m]))`; fallback share:
`sum(rate(tm_match_requests_total{source="fallback"}[5m]))
/ sum(rate(tm_match_requests_total[5m]))`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    values,
)
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGES = ("features", "embeddings", "prediction", "explanation")
MODEL_TRAINED_AT = "tm_model_trained_timestamp_seconds"
MODEL_AGE = "tm_model_age_seconds"

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
    "Answered match requests by endpoint and score source (ml or fallback).",
    ["endpoint", "source"],
)
EMBEDDING_CACHE_HITS = Counter(
    "tm_embedding_cache_hits_total", "Texts whose embedding came from the in-process cache."
)
EMBEDDING_CACHE_MISSES = Counter(
    "tm_embedding_cache_misses_total", "Texts whose embedding had to be computed."
)
ACTIVE_MODEL = Gauge(
    "tm_active_model_info",
    "1 for the model version a live worker serves (`none`: the fallback), by version.",
    ["version"],
    multiprocess_mode="livemax",
)
SERVED_MODEL_TRAINED = Gauge(
    MODEL_TRAINED_AT,
    "When the model this worker serves was trained (unix seconds); absent on the fallback.",
    multiprocess_mode="liveall",
)
ERRORS = Counter("tm_errors_total", "Errors answered, by error type.", ["type"])
TRAINING_RUNS = Counter(
    "tm_training_runs_total",
    "Finished training runs by status (succeeded, skipped, failed).",
    ["status"],
)
TRAINING_LAST_SUCCESS = Gauge(
    "tm_training_last_success_timestamp_seconds",
    "When a training run last succeeded in a process of this deployment (unix seconds).",
    multiprocess_mode="max",
)
MODELS_PROMOTED = Counter(
    "tm_training_models_promoted_total", "Trained candidates that passed the gate and went live."
)
MODELS_REJECTED = Counter(
    "tm_training_models_rejected_total", "Trained candidates the promotion gate refused."
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
_active_version: list[str] = []
_scrape_registries: dict[Path, CollectorRegistry] = {}
_scrape_extras: dict[str, Collector] = {}
"""Collectors that read shared state (the database) at scrape time, by name: one per name,
so an app built later (tests build many) replaces the earlier one's."""


def multiprocess_enabled() -> bool:
    """Whether prometheus_client writes this process's values to the multiprocess directory.

    prometheus_client decides once, when it is first imported, from the environment; a process
    that imported it before `app serve` exported the directory (a single in-process worker)
    keeps its values in memory, and its scrape must read memory too.
    """
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def prepare_multiprocess_dir(directory: Path, *, serves_here: bool) -> None:
    """Empty `directory` of earlier processes' files and export it for workers about to start.

    Called by `app serve` before uvicorn starts its workers: values left by workers of an
    earlier server would otherwise be summed into this one's. The calling process keeps its own
    files only when it serves requests itself (one worker); a supervisor of several workers
    never serves, and its idle values would show up as one more worker.
    """
    directory.mkdir(parents=True, exist_ok=True)
    own = f"_{os.getpid()}.db"
    for path in directory.glob("*.db"):
        if not (serves_here and path.name.endswith(own)):
            path.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def mark_worker_dead(directory: Path | None) -> None:
    """On a worker's shutdown: drop its `live*` gauges (its counters stay in the totals)."""
    if multiprocess_enabled() and directory is not None:
        multiprocess.mark_process_dead(os.getpid(), str(directory))  # type: ignore[no-untyped-call]


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def observe_match(endpoint: str, source: str, stage_seconds: Mapping[str, float]) -> None:
    MATCH_REQUESTS.labels(endpoint, source).inc()
    for stage, seconds in stage_seconds.items():
        STAGE_LATENCY.labels(stage).observe(max(0.0, seconds))


def observe_embedding_lookups(hits: int, misses: int) -> None:
    """Count one batch of embedding cache lookups (the embedder calls this)."""
    if hits:
        EMBEDDING_CACHE_HITS.inc(hits)
    if misses:
        EMBEDDING_CACHE_MISSES.inc(misses)


def set_active_model(version: str | None) -> None:
    label = version or "none"
    if _active_version and _active_version[0] == label:
        return
    for old in _active_version:
        if multiprocess_enabled():
            # Labels cannot be removed from the files: 0 says "not served by this worker".
            ACTIVE_MODEL.labels(old).set(0)
        else:
            ACTIVE_MODEL.remove(old)
    _active_version[:] = [label]
    ACTIVE_MODEL.labels(label).set(1)


def observe_served_model(version: str | None, trained_at: str | None) -> None:
    """The worker now serves `version` (None: the fallback), trained at ISO time `trained_at`."""
    set_active_model(version)
    stamp = _timestamp(trained_at) if version is not None else None
    SERVED_MODEL_TRAINED.set(stamp if stamp is not None else float("nan"))


def observe_training_run(status: str, *, promoted: bool, candidate: str | None) -> None:
    """One finished run: its status, and for a trained candidate whether it went live."""
    TRAINING_RUNS.labels(status).inc()
    if status != "succeeded":
        return
    TRAINING_LAST_SUCCESS.set(time.time())
    if promoted:
        MODELS_PROMOTED.inc()
    elif candidate is not None:
        MODELS_REJECTED.inc()


def observe_error(error_type: str) -> None:
    ERRORS.labels(error_type).inc()


def _timestamp(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class _ModelAgeCollector(Collector):
    """`tm_model_age_seconds`: now minus the served model's training time, per worker.

    Computed at scrape time from the trained-at gauge, so it grows between scrapes without any
    worker writing; in multiprocess mode from every live worker's file (label `pid`).
    """

    def __init__(self, read: Callable[[], Iterable[Metric]]) -> None:
        self.read = read

    def describe(self) -> Iterable[Metric]:
        return [Metric(MODEL_AGE, "", "gauge")]

    def collect(self) -> Iterable[Metric]:
        now = time.time()
        age = Metric(MODEL_AGE, "Seconds since the served model was trained, per worker.", "gauge")
        for family in self.read():
            if family.name != MODEL_TRAINED_AT:
                continue
            for sample in family.samples:
                if sample.value > 0:  # 0 or NaN: this worker serves the fallback
                    age.add_sample(MODEL_AGE, sample.labels, max(0.0, now - sample.value))
        yield age


def _trained_at_files(directory: Path) -> Callable[[], Iterable[Metric]]:
    def read() -> Iterable[Metric]:
        files = [str(p) for p in directory.glob("gauge_liveall_*.db")]
        merged: Iterable[Metric] = multiprocess.MultiProcessCollector.merge(  # type: ignore[no-untyped-call]
            files, accumulate=False
        )
        return merged

    return read


REGISTRY.register(_ModelAgeCollector(SERVED_MODEL_TRAINED.collect))


def scrape_registry(directory: Path | None) -> CollectorRegistry:
    """What /metrics exposes: every worker's files in `directory` merged when this process
    writes there, else this process's own registry (with the process/GC collectors)."""
    if not multiprocess_enabled() or directory is None:
        return REGISTRY
    if directory not in _scrape_registries:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
        registry.register(_ModelAgeCollector(_trained_at_files(directory)))
        for collector in _scrape_extras.values():
            registry.register(collector)
        _scrape_registries[directory] = registry
    return _scrape_registries[directory]


def set_scrape_collector(name: str, collector: Collector) -> None:
    """Expose `collector` on every scrape, replacing the one registered under `name` before.

    For values that live in the database, not in a process: a drift run happens in a CronJob
    pod nobody scrapes, so the API's workers report the newest run's score from its row."""
    registries = [REGISTRY, *_scrape_registries.values()]
    previous = _scrape_extras.pop(name, None)
    for registry in registries:
        if previous is not None:
            registry.unregister(previous)
        registry.register(collector)
    _scrape_extras[name] = collector


def generate_latest(directory: Path | None = None) -> bytes:
    return _generate_latest(scrape_registry(directory))
