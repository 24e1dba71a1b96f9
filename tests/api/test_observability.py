"""Metrics, access logs and exposure settings, observed on the running app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import World

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


def test_requests_stages_and_ratios_are_counted(client: TestClient, world: World) -> None:
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
    assert 0 < value(after, "tm_match_fallback_ratio") <= 1
    assert ("tm_embedding_cache_hit_ratio", ()) in after
    assert value(after, "tm_active_model_info", version="none") == 1


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
    assert logged["params"] == {"talent_id": str(world.talent_a), "limit": 2, "min_score": 0.0}
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
