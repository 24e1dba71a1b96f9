"""JWKSCache against a real local JWKS server: caching, rotation, throttled refetch, outages."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from app.auth.errors import AuthUnavailableError
from app.auth.jwks import JWKSCache
from tests.jwt_tokens import JWKSServer, Keys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_cache(server: JWKSServer, clock: Clock, ttl: float = 600) -> JWKSCache:
    return JWKSCache(server.url, ttl=ttl, min_refetch_interval=30, timeout=2, clock=clock)


def test_keys_are_cached_for_the_ttl_then_refetched(keys: Keys, jwks_server: JWKSServer) -> None:
    clock = Clock()
    cache = make_cache(jwks_server, clock)
    assert cache.get(keys.ec_kid) is not None
    assert cache.get(keys.rsa_kid) is not None
    assert jwks_server.requests == 1
    clock.now += 599
    cache.get(keys.ec_kid)
    assert jwks_server.requests == 1
    clock.now += 2
    cache.get(keys.ec_kid)
    assert jwks_server.requests == 2


def test_unknown_kid_triggers_at_most_one_refetch_per_interval(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    clock = Clock()
    cache = make_cache(jwks_server, clock)
    cache.get(keys.ec_kid)
    for i in range(50):
        assert cache.get(f"random-kid-{i}") is None
    assert jwks_server.requests == 1  # the initial fetch already happened within the interval
    clock.now += 31
    for i in range(50):
        assert cache.get(f"other-kid-{i}") is None
    assert jwks_server.requests == 2


def test_rotation_a_new_kid_is_picked_up_after_the_refetch_interval(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    clock = Clock()
    cache = make_cache(jwks_server, clock)
    assert cache.get(keys.ec_kid) is not None
    rotated = Keys(ec_private=ec.generate_private_key(ec.SECP256R1()), rsa_private=keys.rsa_private)
    rotated.ec_kid = "ec-key-2"
    jwks_server.document = rotated.jwks()
    clock.now += 31
    assert cache.get("ec-key-2") is not None
    assert cache.get(keys.ec_kid) is None  # the retired key is gone with the new document


def test_an_outage_keeps_the_keys_we_had(keys: Keys, jwks_server: JWKSServer) -> None:
    clock = Clock()
    cache = make_cache(jwks_server, clock, ttl=60)
    assert cache.get(keys.ec_kid) is not None
    jwks_server.status = 500
    clock.now += 120
    assert cache.get(keys.ec_kid) is not None


def test_no_keys_ever_fetched_is_unavailable_not_unauthenticated(jwks_server: JWKSServer) -> None:
    jwks_server.status = 503
    cache = make_cache(jwks_server, Clock())
    with pytest.raises(AuthUnavailableError):
        cache.get("any")


def test_private_key_material_and_non_signing_keys_are_ignored(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    document = keys.jwks()
    document["keys"][0]["d"] = "c2VjcmV0"
    document["keys"][1]["use"] = "enc"
    document["keys"].append({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"})
    jwks_server.document = document
    cache = make_cache(jwks_server, Clock())
    assert cache.get(keys.ec_kid) is None
    assert cache.get(keys.rsa_kid) is None
    assert cache.get("hmac") is None


def test_purge_forces_a_fresh_fetch(keys: Keys, jwks_server: JWKSServer) -> None:
    cache = make_cache(jwks_server, Clock())
    cache.get(keys.ec_kid)
    cache.purge()
    cache.get(keys.ec_kid)
    assert jwks_server.requests == 2


def test_a_slow_refetch_for_an_unknown_kid_does_not_stall_cached_kids(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    cache = JWKSCache(jwks_server.url, ttl=600, min_refetch_interval=0, timeout=5)
    assert cache.get(keys.ec_kid) is not None
    jwks_server.delay = 1.5
    refetching = threading.Thread(target=cache.get, args=("unknown-kid",))
    refetching.start()
    deadline = time.monotonic() + 2
    while jwks_server.requests < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert jwks_server.requests == 2  # the slow fetch is in progress now
    started = time.perf_counter()
    assert cache.get(keys.ec_kid) is not None
    assert time.perf_counter() - started < 0.2  # held the lock for 1.5 s before
    refetching.join()


def test_concurrent_cold_lookups_share_one_fetch(keys: Keys, jwks_server: JWKSServer) -> None:
    cache = JWKSCache(jwks_server.url, ttl=600, min_refetch_interval=0, timeout=5)
    jwks_server.delay = 0.3
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(cache.get, [keys.ec_kid, keys.rsa_kid] * 4))
    assert all(key is not None for key in found)
    assert jwks_server.requests == 1
