"""A JWKS cache keyed by `kid`, with expiry, rotation and a throttled refetch on unknown kids.

The URL comes from settings only (never from a token's `jku`/`iss`). Keys are kept for at most
`ttl` seconds (Supabase edge-caches its JWKS for ~10 minutes, so ours never exceeds that); a
token with a `kid` we have not seen triggers at most one refetch per `min_refetch_interval`,
so a flood of random kids cannot turn us into a JWKS request amplifier. When a refresh fails,
the keys we already had keep working until a later refresh succeeds.

The fetch runs outside the lock, single-flight: one caller fetches, callers that need that
refresh (expired keys, or a kid the cache lacks) wait for it, and callers whose kid is cached
and fresh never wait. Holding the lock across the HTTP call used to stall every request for
the length of a slow fetch (2.8 s measured) whenever someone sent an unknown kid.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from app.auth.errors import AuthUnavailableError
from app.logging import get_logger

log = get_logger(__name__)

MAX_JWKS_BYTES = 64 * 1024
MAX_KEYS = 32
# kty each asymmetric algorithm needs; nothing else is ever loaded from a JWKS.
KEY_TYPES = {"ES256": "EC", "RS256": "RSA"}


@dataclass(frozen=True, slots=True)
class PublicJWK:
    kid: str
    kty: str
    alg: str | None
    data: dict[str, Any]

    def usable_for(self, alg: str) -> bool:
        return KEY_TYPES.get(alg) == self.kty and self.alg in (None, alg)


def _parse_keys(document: Any) -> dict[str, PublicJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("JWKS document has no 'keys' list")
    keys: dict[str, PublicJWK] = {}
    for raw in document["keys"][:MAX_KEYS]:
        if not isinstance(raw, dict):
            continue
        kid, kty = raw.get("kid"), raw.get("kty")
        if not isinstance(kid, str) or kty not in ("EC", "RSA"):
            continue
        if raw.get("use", "sig") != "sig" or "d" in raw:  # never accept private key material
            continue
        alg = raw.get("alg")
        keys[kid] = PublicJWK(kid, kty, alg if isinstance(alg, str) else None, dict(raw))
    return keys


def fetch_jwks(url: str, timeout: float) -> dict[str, PublicJWK]:
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        response = client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > MAX_JWKS_BYTES:
            raise ValueError("JWKS document too large")
        return _parse_keys(response.json())


class JWKSCache:
    def __init__(
        self,
        url: str,
        ttl: float,
        min_refetch_interval: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self._clock = clock
        self._keys: dict[str, PublicJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()
        self._in_flight: threading.Event | None = None
        self.fetch_count = 0

    def purge(self) -> None:
        """Forget every key: the next lookup fetches the document again."""
        with self._lock:
            self._keys = {}
            self._fetched_at = None
            self._attempted_at = None

    def get(self, kid: str) -> PublicJWK | None:
        with self._lock:
            now = self._clock()
            expired = self._fetched_at is None or now - self._fetched_at >= self.ttl
            needs_refresh = expired or kid not in self._keys
            flight = self._in_flight
            leader = needs_refresh and flight is None and self._may_refetch(now)
            if leader:
                self._attempted_at = now
                self.fetch_count += 1
                flight = self._in_flight = threading.Event()
        if leader:
            assert flight is not None
            self._refresh(now, flight)
        elif needs_refresh and flight is not None:
            # Someone is already fetching what we need: wait for that fetch, start no other.
            flight.wait(self.timeout + 1.0)
        with self._lock:
            if not self._keys and self._fetched_at is None:
                raise AuthUnavailableError("signing keys are unavailable")
            return self._keys.get(kid)

    def _may_refetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refetch_interval

    def _refresh(self, now: float, flight: threading.Event) -> None:
        """Fetch without the lock, then publish the keys (or keep the old ones on failure)."""
        keys: dict[str, PublicJWK] | None = None
        try:
            keys = fetch_jwks(self.url, self.timeout)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("jwks_fetch_failed", url=self.url, error=str(exc), kept=len(self._keys))
        finally:
            with self._lock:
                if keys is not None:
                    self._keys = keys
                    self._fetched_at = now
                self._in_flight = None
            flight.set()
        if keys is not None:
            log.info("jwks_fetched", url=self.url, kids=sorted(keys))
