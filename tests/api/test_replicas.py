"""Two API replicas (separate `app serve` processes and ports) on one Postgres and one Redis.

What must hold when the API runs as several replicas behind a load balancer: one rate-limit
budget per client across replicas, a model promoted through one replica served by the other
within seconds, and a job written to the shared database matched by either. Everything is
observed through HTTP, as a client and an operator see it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.api.conftest import REDIS_URL, World, bearer
from tests.api.servers import Server, serving
from tests.factories import make_job
from tests.training.conftest import register_artifact

T2J = "/api/v1/match/talent-to-jobs"
PROMOTION_SECONDS = 10.0
"""A promotion reaches every replica within this (registry poll every 0.5 s)."""


@pytest.fixture
def replicas(
    pg_engine: Engine, postgres_url: str, world: World, redis_prefix: str, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    with Session(pg_engine) as session:
        register_artifact(session, tmp_path / "models", "v1.0", activate=True)
        register_artifact(session, tmp_path / "models", "v2.0", activate=False)
        session.commit()
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": redis_prefix,
        "RATE_LIMIT": "120/minute",
        "MODEL_POLL_SECONDS": "0.5",
    }
    with (
        serving(tmp_path / "a", env) as a,
        serving(tmp_path / "b", env) as b,
    ):
        yield a, b


def health(server: Server) -> dict[str, object]:
    response = httpx.get(f"{server.url}/api/v1/health", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def accepted_until_limited(servers: list[Server], headers: dict[str, str]) -> int:
    """Requests answered (any status but 429) before the first 429, cycling over `servers`."""
    for i in range(500):
        server = servers[i % len(servers)]
        response = httpx.get(f"{server.url}/api/v1/me", headers=headers, timeout=10)
        if response.status_code == 429:
            return i
    raise AssertionError("never limited")


def matched_jobs(server: Server, world: World) -> set[str]:
    response = httpx.post(
        f"{server.url}{T2J}",
        json={"talent_id": world.id("talent_a"), "limit": 20},
        headers=world.headers("talent_a"),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return {m["id"] for m in response.json()["matches"]}


def test_two_replicas_share_limits_models_and_data(
    replicas: tuple[Server, Server], world: World, pg_engine: Engine
) -> None:
    a, b = replicas
    assert health(a)["model_version"] == health(b)["model_version"] == "v1.0"

    # (b) A model promoted through replica A is served by replica B within seconds.
    promoted = httpx.post(
        f"{a.url}/api/v1/models/v2.0/activate",
        headers=bearer(uuid.uuid4(), "admin"),
        timeout=30,
    )
    assert promoted.status_code == 200, promoted.text
    started = time.monotonic()
    while health(b)["model_version"] != "v2.0":
        assert time.monotonic() - started < PROMOTION_SECONDS, "replica B kept the old model"
        time.sleep(0.1)

    # (c) A job written to the shared database after both replicas built their candidate
    # index is matched through the other replica as well.
    before_a, before_b = matched_jobs(a, world), matched_jobs(b, world)
    with Session(pg_engine) as session:
        job = str(make_job(session, title="Posted while both replicas run").id)
        session.commit()
    assert job not in before_a | before_b
    started = time.monotonic()
    while job not in matched_jobs(b, world):
        assert time.monotonic() - started < 15, "replica B never matched the new job"
        time.sleep(0.5)
    assert job in matched_jobs(a, world)

    # (a) One client, one budget: alternating between replicas is limited exactly as hitting
    # one replica is (per-replica counters would let the alternating client through twice).
    alone = accepted_until_limited([a], bearer(uuid.uuid4(), "talent"))
    alternating = accepted_until_limited([a, b], bearer(uuid.uuid4(), "talent"))
    assert alone > 0
    assert alternating == alone
