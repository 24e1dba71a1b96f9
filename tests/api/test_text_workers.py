"""The text models run in worker processes with bounded admission, and probes have a per-IP
limit: the structure behind "a paying abuser does not slow honest users down" (the latency
itself is measured by scripts/abuse_api.py, never here).

- a text task runs in another process, at a lower priority, and the serving process never
  loads the text models;
- a full text queue is refused at once with 503 and Retry-After;
- a worker that dies fails only its own request, with 503, and is replaced;
- stopping the app (or `app serve`) leaves no text worker behind;
- a probe flood from one IP is refused with 429, another IP is not.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.state import provider
from app.enrichment.errors import TextWorkerCrashedError
from app.enrichment.service import Enricher, get_enricher
from app.enrichment.workers import TextWorkers
from tests.api.conftest import World, bearer
from tests.api.processes import alive, descendants, nice_of, spawned_children
from tests.api.servers import serving
from tests.api.text_tasks import crash, waiting, worker_nice, worker_pid

POSTING = "Senior Python developer. Requirements: PostgreSQL, Docker, Kubernetes. Remote."
RESUME = "Jane Doe\nSenior Software Engineer, Acme Corp, Jan 2018 - Present\nPython, SQL"
SETTLE_SECONDS = 30.0
"""How long a stopped process may take to disappear (a bound on waiting, not a measurement)."""


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def pool() -> TextWorkers:
    return TextWorkers(processes=1, queue_size=1, nice=10)


def test_a_task_runs_in_another_process_at_lower_priority(pool: TextWorkers) -> None:
    try:
        pid = pool.run(worker_pid)
        assert pid != os.getpid()
        assert pool.run(worker_nice) == min(19, os.nice(0) + 10)
    finally:
        pool.close()
    assert _gone([pid])


def test_a_crashed_worker_fails_its_request_with_503_and_is_replaced(pool: TextWorkers) -> None:
    try:
        first = pool.run(worker_pid)
        with pytest.raises(TextWorkerCrashedError) as info:
            pool.run(crash)
        assert info.value.status_code == 503
        second = pool.run(worker_pid)
        assert second != first
        os.kill(second, signal.SIGKILL)  # dies while idle
        assert _gone([second])
        try:
            third = pool.run(worker_pid)
        except TextWorkerCrashedError:  # sent before the pool saw the death: once at most
            third = pool.run(worker_pid)
        assert third not in (first, second)
    finally:
        pool.close()


def test_text_endpoints_run_in_a_text_worker_and_shutdown_stops_it(
    make_client: Callable[..., TestClient], world: World
) -> None:
    client = make_client(text_workers=1)
    job = client.post("/api/v1/enrich/job", json={"text": POSTING}, headers=world.headers("admin"))
    talent = client.post(
        "/api/v1/enrich/talent", json={"text": RESUME}, headers=world.headers("admin")
    )
    score = client.post(
        "/api/v1/match/score",
        json={"resume_text": RESUME, "job_text": POSTING},
        headers=world.headers("talent_a"),
    )
    for response in (job, talent, score):
        assert response.status_code == 200, response.text
    assert job.json()["skills"]
    assert score.json()["inferred"]["job"]["fields"]["skills"]
    services = client.app.state.services  # type: ignore[attr-defined]
    assert not services.built(Enricher)  # the text models never loaded in this process
    pid = services.get(TextWorkers).run(worker_pid)
    assert pid != os.getpid()
    client.__exit__(None, None, None)  # the app's shutdown
    assert _gone([pid])


def test_a_full_text_queue_is_refused_at_once_with_503_and_retry_after(
    make_client: Callable[..., TestClient], world: World
) -> None:
    client = make_client()
    gate = threading.Event()
    workers = TextWorkers(processes=0, queue_size=0, nice=0, local_enricher=get_enricher)
    client.app.dependency_overrides[provider(TextWorkers)] = lambda: workers  # type: ignore[attr-defined]
    with ThreadPoolExecutor(1) as threads:
        held = threads.submit(workers.run, waiting, gate)
        deadline = time.monotonic() + SETTLE_SECONDS
        while workers.admitted < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = client.post(
            "/api/v1/enrich/job", json={"text": POSTING}, headers=world.headers("admin")
        )
        gate.set()
        assert held.result(timeout=60) == "done"
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "service_unavailable"
    assert int(refused.headers["Retry-After"]) > 0
    admitted = client.post(
        "/api/v1/enrich/job", json={"text": POSTING}, headers=world.headers("admin")
    )
    assert admitted.status_code == 200


def test_probes_over_the_limit_are_429_per_client_ip(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(probe_rate_limit="3/minute", probe_refusal_delay_seconds=0)
    statuses = [client.get("/api/v1/health").status_code for _ in range(3)]
    refused = client.get("/api/v1/health/ready")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    other_ip = TestClient(client.app, client=("10.0.0.2", 50000))
    assert other_ip.get("/api/v1/health").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_app_serve_runs_text_in_nice_workers_replaces_a_killed_one_and_leaves_none(
    pg_engine: Engine, postgres_url: str, tmp_path: Path, workers: int
) -> None:
    headers = bearer(uuid.uuid4(), "company")
    with serving(tmp_path, {"DATABASE_URL": postgres_url}, workers=workers) as server:

        def enrich() -> httpx.Response:
            return httpx.post(
                f"{server.url}/api/v1/enrich/job",
                json={"text": POSTING},
                headers=headers,
                timeout=120,
            )

        assert enrich().status_code == 200
        root = server.process.pid
        serving_pids = [root] if workers == 1 else spawned_children(root)
        assert len(serving_pids) == workers
        [text_worker] = [c for s in serving_pids for c in spawned_children(s)]
        assert nice_of(text_worker) == 10
        os.kill(text_worker, signal.SIGKILL)
        assert _gone([text_worker])
        statuses = [enrich().status_code for _ in range(3)]
        assert set(statuses) <= {200, 503}, statuses
        assert statuses.count(200) >= 2, statuses  # a 503 only if sent as the pool broke
        everything = descendants(root)
        assert [c for s in serving_pids for c in spawned_children(s)]  # replaced
    assert _gone(everything)
