"""Rate limiting: per-client buckets, shared across workers through Redis, safe when Redis dies."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.api.rate_limit import client_ip, parse_networks
from tests.api.conftest import REDIS_URL, bearer

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
