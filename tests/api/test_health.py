"""The probes stay cheap under a flood: database facts are cached per process, single-flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.health.service import DatabaseFacts, ProbeCache


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def record(*args: Any) -> None:
        with lock:
            seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/health/ready"])
def test_a_probe_flood_costs_at_most_one_database_round_per_interval(
    make_client: Callable[..., TestClient], path: str
) -> None:
    client = make_client(health_cache_seconds=60, probe_rate_limit="1000/second")
    engine = client.app.state.services.get(Engine)  # type: ignore[attr-defined]
    client.get(path)  # the first probe reads the database
    with counted_statements(engine) as statements, ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: client.get(path).status_code, range(64)))
    assert statuses == [200] * 64
    assert statements == []


def test_facts_expire_after_the_interval(make_client: Callable[..., TestClient]) -> None:
    client = make_client(health_cache_seconds=0.2)
    engine = client.app.state.services.get(Engine)  # type: ignore[attr-defined]
    client.get("/api/v1/health")
    with counted_statements(engine) as statements:
        client.get("/api/v1/health")
        assert statements == []
        time.sleep(0.3)
        client.get("/api/v1/health")
        assert any("SELECT 1" in s for s in statements)


def test_concurrent_callers_share_one_computation() -> None:
    cache = ProbeCache(ttl=60)
    calls: list[str | None] = []
    gate = threading.Event()

    def slow(version: str | None) -> DatabaseFacts:
        calls.append(version)
        gate.wait(5)
        return DatabaseFacts(reachable=True, version=version, last_trained=None)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get, "v1", slow) for _ in range(8)]
        time.sleep(0.2)
        gate.set()
        results = [f.result() for f in futures]
    assert calls == ["v1"]
    assert {r.reachable for r in results} == {True}
    cache.get("v2", slow)  # another served version is not answered from v1's facts
    assert calls == ["v1", "v2"]
