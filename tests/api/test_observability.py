"""Metrics, access logs and exposure settings, observed on the running app."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.core.enums import EMBEDDING_DIM
from app.ml.embeddings import TextEmbedder
from app.monitoring.metrics import MODEL_TRAINED_AT
from app.training.pipeline import TrainingPipeline
from tests.api.conftest import World
from tests.api.servers import serving
from tests.training.conftest import feedback_world, register_artifact

T2J = "/api/v1/match/talent-to-jobs"


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(snapshot: dict[Any, float], name: str, **labels: str) -> float:
    return snapshot.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_stages_and_sources_are_counted(client: TestClient, world: World) -> None:
    before = samples(client)
    response = client.post(
        T2J, json={"talent_id": str(world.talent_a)}, headers=world.headers("talent_a")
    )
    assert response.status_code == 200
    client.post(T2J, json={"talent_id": str(world.talent_b)}, headers=world.headers("talent_a"))
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"method": "POST", "route": "/api/v1/match/talent-to-jobs"}
    assert delta("tm_http_requests_total", **route, status="200") == 1
    assert delta("tm_http_requests_total", **route, status="403") == 1
    assert delta("tm_http_request_duration_seconds_count", **route) == 2
    for stage in ("features", "prediction", "explanation"):
        assert delta("tm_match_stage_duration_seconds_count", stage=stage) == 1
    assert delta("tm_match_requests_total", endpoint="talent-to-jobs", source="fallback") == 1
    assert delta("tm_errors_total", type="forbidden") == 1
    assert value(after, "tm_active_model_info", version="none") == 1
    # Ratios are computed from counters in PromQL; no gauge "since start" is exported.
    assert not [name for name, _ in after if name.endswith("_ratio")]


def test_embedding_cache_lookups_are_counters(client: TestClient) -> None:
    embedder = client.app.state.services.get(TextEmbedder)  # type: ignore[attr-defined]
    text = f"cached text {uuid.uuid4()}"
    embedder.cache_put(embedder.hash(text), np.ones(EMBEDDING_DIM, dtype=np.float32))
    before = samples(client)
    embedder.encode([text, text, text])
    after = samples(client)
    assert (
        value(after, "tm_embedding_cache_hits_total")
        - value(before, "tm_embedding_cache_hits_total")
        == 3
    )
    assert value(after, "tm_embedding_cache_misses_total") == value(
        before, "tm_embedding_cache_misses_total"
    )


def test_served_model_age_grows_from_its_training_time(
    make_client: Callable[..., TestClient], pg_engine: Engine, tmp_path: Path
) -> None:
    with Session(pg_engine) as session:
        register_artifact(session, tmp_path, "v1.0", activate=True)
        session.commit()
    trained = datetime.fromisoformat(
        json.loads((tmp_path / "v1.0" / "metadata.json").read_text())["created_at"]
    ).timestamp()
    client = make_client(model_poll_seconds=60)
    first = samples(client)
    assert value(first, MODEL_TRAINED_AT) == pytest.approx(trained, abs=1e-3)
    time.sleep(0.05)
    second = samples(client)
    assert 0 < value(first, "tm_model_age_seconds") < value(second, "tm_model_age_seconds")
    assert value(second, "tm_model_age_seconds") == pytest.approx(time.time() - trained, abs=5)


def test_training_runs_promotions_and_rejections_are_counted(
    engine: Engine, tmp_path: Path
) -> None:
    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    names = {
        "skipped": ("tm_training_runs_total", {"status": "skipped"}),
        "succeeded": ("tm_training_runs_total", {"status": "succeeded"}),
        "promoted": ("tm_training_models_promoted_total", {}),
        "rejected": ("tm_training_models_rejected_total", {}),
    }
    before = {k: count(name, **labels) for k, (name, labels) in names.items()}
    pipeline = TrainingPipeline(engine, model_dir=tmp_path / "models")
    assert pipeline.run(force=True).status == "skipped"  # no feedback yet
    with Session(engine) as session:
        feedback_world(session)
        session.commit()
    started = time.time()
    assert pipeline.run(force=True).promoted
    weak = TrainingPipeline(
        engine, model_dir=tmp_path / "models", params={"min_data_in_leaf": 100_000}
    )
    assert not weak.run(force=True).promoted
    delta = {k: count(name, **labels) - before[k] for k, (name, labels) in names.items()}
    assert delta == {"skipped": 1, "succeeded": 2, "promoted": 1, "rejected": 1}
    last = count("tm_training_last_success_timestamp_seconds")
    assert started <= last <= time.time()


def test_route_labels_are_templates_not_raw_paths(client: TestClient) -> None:
    for _ in range(3):
        client.get(f"/api/v1/unknown/{uuid.uuid4()}")
    text = client.get("/metrics").text
    assert "/api/v1/unknown/" not in text
    assert 'route="unmatched"' in text


def events(stderr: str, name: str) -> list[dict[str, Any]]:
    """JSON log lines with event `name` (the app logs to stderr; capsys sees them when the app
    is built inside the test, after capsys replaced sys.stderr)."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == name:
                found.append(entry)
    return found


def test_every_request_and_response_is_logged_with_its_request_id(
    make_client: Callable[..., TestClient], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(log_level="INFO")
    response = client.post(
        T2J,
        json={"talent_id": str(world.talent_a), "limit": 2},
        headers={**world.headers("talent_a"), "X-Request-ID": "log-test-1"},
    )
    assert response.status_code == 200
    stderr = capsys.readouterr().err
    requests = [e for e in events(stderr, "request") if e.get("request_id") == "log-test-1"]
    responses = [e for e in events(stderr, "response") if e.get("request_id") == "log-test-1"]
    assert len(requests) == 1
    assert requests[0]["path"] == T2J
    (logged,) = responses
    assert logged["route"] == T2J
    assert logged["status"] == 200
    assert logged["user"] == str(world.talent_a_user)
    assert logged["params"] == {
        "talent_id": str(world.talent_a),
        "limit": 2,
        "min_score": 0.0,
        "include_dismissed": False,
        "filters": None,
        "cursor": None,
        "view": "full",
    }
    assert logged["result_count"] == len(response.json()["matches"])
    assert logged["source"] == "fallback"
    assert logged["duration_ms"] >= 0


def test_slow_requests_are_logged_with_the_stage_breakdown(
    make_client: Callable[..., TestClient], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(log_level="INFO", slow_request_seconds=1e-6)
    client.post(T2J, json={"talent_id": str(world.talent_a)}, headers=world.headers("talent_a"))
    slow = [e for e in events(capsys.readouterr().err, "slow_request") if e["route"] == T2J]
    assert slow
    assert {"features", "prediction", "explanation"} <= set(slow[0]["stages_ms"])


def test_production_hides_docs_and_metrics_by_default(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(environment="production")
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/metrics").status_code == 404
    assert client.get("/api/v1/health").status_code == 200


def test_production_can_opt_in_to_metrics(make_client: Callable[..., TestClient]) -> None:
    client = make_client(environment="production", expose_metrics=True)
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_scrape_token_guards_metrics(
    make_client: Callable[..., TestClient], environment: str
) -> None:
    token = "scrape-" + uuid.uuid4().hex
    client = make_client(environment=environment, metrics_scrape_token=token)
    refused = [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token}x"},
    ]
    for headers in refused:
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 404
        unknown = client.get("/no-such-path").json()["error"]
        assert {**response.json()["error"], "request_id": None} == {**unknown, "request_id": None}
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200
    assert "tm_http_requests_total" in allowed.text


HEALTH_200 = {"method": "GET", "route": "/api/v1/health", "status": "200"}
SCRAPES_200 = {"method": "GET", "route": "/metrics", "status": "200"}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """One scrape on a fresh connection (so any worker may answer it)."""
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def per_worker(metrics_dir: Path, labels: dict[str, str]) -> dict[str, float]:
    """`tm_http_requests_total{labels}` in each worker's own counter file, by pid."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        for family in MultiProcessCollector.merge([str(path)]):
            for s in family.samples:
                if s.name == "tm_http_requests_total" and s.labels == labels and s.value:
                    counts[path.stem.split("_")[-1]] = s.value
    return counts


def concurrently(calls: int, call: Callable[[], Any]) -> list[Any]:
    """`calls` calls from 4 threads, each on its own connection: both workers accept some."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: call(), range(calls)))


def test_every_scrape_of_two_workers_counts_both(
    pg_engine: Engine, postgres_url: str, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier server")  # unreadable
    # The probes are only the requests counted here; their per-IP limit has its own tests.
    env = {
        "DATABASE_URL": postgres_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PROBE_RATE_LIMIT": "1000/second",
    }
    n = 40

    def health() -> int:
        return httpx.get(f"{server.url}/api/v1/health", timeout=10).status_code

    with serving(tmp_path / "server", env, workers=2) as server:
        deadline = time.monotonic() + 120  # a worker starts in ~15 s on an idle machine
        while len(per_worker(metrics_dir, HEALTH_200)) < 2:  # the second worker is up
            assert time.monotonic() < deadline, "one worker never answered"
            concurrently(8, health)
            time.sleep(0.5)
        before = value(scrape(server.url), "tm_http_requests_total", **HEALTH_200)
        served_before = per_worker(metrics_dir, HEALTH_200)
        assert set(concurrently(n, health)) == {200}
        snapshots = concurrently(16, lambda: scrape(server.url))
        served = per_worker(metrics_dir, HEALTH_200)
        scrapes = per_worker(metrics_dir, SCRAPES_200)
    totals = [value(s, "tm_http_requests_total", **HEALTH_200) - before for s in snapshots]
    assert totals == [n] * 16
    # Both workers served some of the n requests, and answered some of the scrapes.
    assert all(served[pid] > served_before.get(pid, 0) for pid in served), (served_before, served)
    assert len(scrapes) == 2
    pids = {dict(k[1]).get("pid") for s in snapshots for k in s if k[0] == MODEL_TRAINED_AT}
    assert pids == set(served)
    # Stopped workers marked themselves dead: their live gauges are gone, their counts stay.
    assert not list(metrics_dir.glob("gauge_live*.db"))
    assert {p.stem.split("_")[-1] for p in metrics_dir.glob("counter_*.db")} == set(served)
