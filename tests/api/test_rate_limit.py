"""Rate limiting: per-client budgets spent by cost, shared across workers through Redis, safe
when Redis dies, keyed by an address a client cannot forge."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.requests import Request

from app.api.rate_limit import client_ip, parse_networks
from tests.api.conftest import REDIS_URL, World, bearer
from tests.jwt_tokens import HS_SECRET

REPO = Path(__file__).resolve().parents[2]

URL = "/api/v1/feedback"


def hit(client: TestClient, headers: dict[str, str] | None = None) -> int:
    body = {"talent_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()), "type": "apply"}
    return client.post(URL, json=body, headers=headers or {}).status_code


def test_over_the_limit_is_429_with_retry_after_and_envelope(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="5/minute")
    admin = bearer(uuid.uuid4(), "admin")
    assert [hit(client, admin) for _ in range(5)] == [404] * 5
    response = client.post(URL, json={}, headers=admin)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["x-ratelimit-limit"] == "5"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.json()["error"]["code"] == "rate_limited"


def test_successful_responses_carry_rate_limit_headers_but_no_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="5/minute")
    response = client.post(URL, json={}, headers=bearer(uuid.uuid4(), "admin"))
    assert response.headers["x-ratelimit-remaining"] == "4"
    assert "retry-after" not in response.headers


def test_authenticated_callers_have_their_own_buckets(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="3/minute")
    alice, bob = bearer(uuid.uuid4(), "admin"), bearer(uuid.uuid4(), "admin")
    assert [hit(client, alice) for _ in range(4)] == [404, 404, 404, 429]
    assert hit(client, bob) == 404
    assert hit(client) == 401  # anonymous callers share the IP bucket, not alice's


def test_invalid_tokens_count_against_the_ip(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="3/minute")
    forged = {"Authorization": f"Bearer forged.{uuid.uuid4().hex}.sig"}
    assert [hit(client, forged) for _ in range(3)] == [401] * 3
    assert hit(client) == 429


def test_health_and_metrics_are_never_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="2/minute")
    for _ in range(6):
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_redis_shares_one_limit_between_workers(
    make_client: Callable[..., TestClient], redis_prefix: str
) -> None:
    settings = {
        "rate_limit": "4/minute",
        "redis_url": REDIS_URL,
        "rate_limit_key_prefix": redis_prefix,
    }
    worker_1, worker_2 = make_client(**settings), make_client(**settings)
    caller = bearer(uuid.uuid4(), "admin")
    statuses = [hit(worker, caller) for worker in (worker_1, worker_2, worker_1, worker_2)]
    assert statuses == [404] * 4
    assert hit(worker_1, caller) == 429
    assert hit(worker_2, caller) == 429


def test_redis_down_keeps_limiting_in_memory_and_never_500s(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="3/minute", redis_url="redis://127.0.0.1:1/15")
    caller = bearer(uuid.uuid4(), "admin")
    assert [hit(client, caller) for _ in range(4)] == [404, 404, 404, 429]
    assert client.get("/api/v1/health").status_code == 200


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),  # trusted proxy: its client
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # left-most is client-supplied
        ("10.0.0.2", "1.2.3.4, 10.0.0.7", "1.2.3.4"),  # skip our own proxy chain
        ("10.0.0.2", "10.0.0.3", "10.0.0.2"),  # only proxies: the peer
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
    ],
)
def test_client_ip_trusts_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    trusted = parse_networks(["10.0.0.0/24"])
    assert client_ip(request_from(peer, forwarded), trusted) == expected


def test_long_texts_spend_more_of_the_budget(make_client: Callable[..., TestClient]) -> None:
    """A 20,000-character posting costs 1 + 20,016 // 500 = 41 units of a 60-unit budget, so
    a second one is refused before any model reads it (priced before authentication)."""
    client = make_client(rate_limit="60/minute")
    posting = {"text": "Python developer. " * 1112}  # 20,016 characters
    first = client.post("/api/v1/enrich/job", json=posting)
    assert first.status_code == 401
    assert first.headers["x-ratelimit-cost"] == "41"
    assert first.headers["x-ratelimit-remaining"] == "19"
    second = client.post("/api/v1/enrich/job", json=posting)
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) > 0
    assert second.json()["error"]["code"] == "rate_limited"
    short = client.post("/api/v1/enrich/job", json={"text": "Python developer"})
    assert short.status_code == 401  # the 19 units left still buy cheap requests
    assert short.headers["x-ratelimit-remaining"] == "18"


def test_match_requests_cost_more_with_a_higher_limit(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="20/minute")
    talent = {"talent_id": str(uuid.uuid4())}
    cheap = client.post("/api/v1/match/talent-to-jobs", json={**talent, "limit": 10})
    assert cheap.headers["x-ratelimit-cost"] == "1"
    dear = client.post("/api/v1/match/talent-to-jobs", json={**talent, "limit": 100})
    assert dear.headers["x-ratelimit-cost"] == "6"
    assert dear.headers["x-ratelimit-remaining"] == str(20 - 1 - 6)


def test_a_request_never_costs_more_than_the_whole_budget(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="5/minute")
    posting = {"text": "x" * 40_000}
    first = client.post("/api/v1/enrich/job", json=posting)
    assert (first.status_code, first.headers["x-ratelimit-cost"]) == (401, "5")
    assert client.post("/api/v1/enrich/job", json=posting).status_code == 429


def test_the_body_is_still_read_by_the_endpoint_after_pricing(
    make_client: Callable[..., TestClient], world: World
) -> None:
    client = make_client(rate_limit="100/minute")
    response = client.post(
        "/api/v1/match/talent-to-jobs",
        json={"talent_id": str(world.talent_a), "limit": 3},
        headers=world.headers("talent_a"),
    )
    assert response.status_code == 200
    assert len(response.json()["matches"]) <= 3
    assert response.headers["x-ratelimit-remaining"] == "99"


def test_an_oversized_body_is_413_not_500(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="100/minute", max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:  # no Content-Length: only the streamed cap can refuse it
        yield b'{"text": "'
        yield b"x" * 4096
        yield b'"}'

    response = client.post(
        "/api/v1/enrich/job", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_served_app_ignores_forwarded_for_from_an_untrusted_peer(
    postgres_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    """`app serve` on loopback, no TRUSTED_PROXIES: rotating X-Forwarded-For must not give an
    anonymous client a fresh bucket (uvicorn's own proxy handling trusts 127.0.0.1 by default)."""
    port = _free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": postgres_url,
        "JWT_SECRET": HS_SECRET,
        "RATE_LIMIT": "3/minute",
        "LOG_LEVEL": "WARNING",
        "WARM_EMBEDDINGS_ON_START": "false",
        "MATCHING_WARM_ON_START": "false",
        "TRAINING_CHECK_MINUTES": "0",
        "MODEL_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    env.pop("TRUSTED_PROXIES", None)
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        statuses = [
            httpx.post(
                f"{base}{URL}", json={}, headers={"X-Forwarded-For": f"198.51.100.{i}"}
            ).status_code
            for i in range(6)
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [401, 401, 401, 429, 429, 429]
