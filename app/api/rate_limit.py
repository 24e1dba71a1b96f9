"""Per-client rate limiting weighted by cost: who a client is, what a request costs, where the
counters live.

A client is the token's `sub` when the request carries a valid token (so everyone behind one
gateway does not share a bucket), else its IP. The IP is the socket peer, except when the peer
is a configured trusted proxy: then it is the right-most `X-Forwarded-For` address that is not
itself a trusted proxy (left-most entries are client-supplied and can be forged). The server
must not rewrite the peer from proxy headers itself (`app serve` runs uvicorn with
`proxy_headers=False`), or a forged header would pick the bucket before this check runs.

Every client has one budget (`RATE_LIMIT`, e.g. 100/minute) and a request spends units of it:
one, plus one per `rate_limit_text_chars_per_unit` characters of text for the endpoints that
run the text models, plus one per `rate_limit_results_per_unit` results a match request asks
for. With the default 500 characters per unit a 20,000-character posting costs 41 units, not
1: its CPU is paid for. No request costs more than the whole budget, so the largest valid
request is still possible.

Counters are `limits` moving windows in Redis when `REDIS_URL` is set, so all workers and
replicas share one budget. If Redis goes down we keep limiting with per-process memory counters
and try Redis again after a pause: requests are neither refused with 5xx nor let through
unlimited.

The unauthenticated probes have a budget of their own (`ProbeLimiter`): per client IP, in this
process's memory, checked in the event loop before the probe runs, so an orchestrator is never
refused by a slow Redis and a flood of probes is refused at the price of a dictionary lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response
from app.auth.deps import resolve_principal
from app.auth.errors import AuthError
from app.logging import get_logger
from app.settings import Settings

log = get_logger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
REDIS_RETRY_SECONDS = 5.0
"""After a Redis error, the memory counters serve this long before Redis is tried again."""

TEXT_PATHS = frozenset({"/api/v1/enrich/job", "/api/v1/enrich/talent", "/api/v1/match/score"})
"""Endpoints whose cost grows with the text they are given (the text models read all of it)."""
MATCH_PATHS = frozenset({"/api/v1/match/talent-to-jobs", "/api/v1/match/job-to-talents"})
"""Endpoints whose cost grows with `limit` (explanations and stored impressions per result)."""
PROBE_PATHS = frozenset({"/api/v1/health", "/api/v1/health/ready"})
"""The unauthenticated probes: outside the cost budget, inside `ProbeLimiter`'s."""
MAX_DELAYED_REFUSALS = 1000
"""Refused probes held for their delay at once per process; beyond, refusals go out at once
(a held refusal is one sleeping coroutine and an open connection)."""
MAX_PROBE_CLIENTS = 10_000
"""Client IPs whose probe window is remembered; past this, ended windows are forgotten."""


def parse_networks(entries: Sequence[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _in(networks: tuple[IPNetwork, ...], address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request, trusted: tuple[IPNetwork, ...]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _in(trusted, peer):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # garbage in the chain: do not trust anything left of it
        if not _in(trusted, hop):
            return hop
    return peer


def make_key_func(settings: Settings) -> Callable[[Request], str]:
    trusted = parse_networks(settings.trusted_proxies)

    def key(request: Request) -> str:
        try:
            return f"user:{resolve_principal(request).sub}"
        except AuthError:
            return f"ip:{client_ip(request, trusted)}"

    return key


def _text_chars(value: Any) -> int:
    """Characters of every string in a parsed JSON body (keys excluded)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_text_chars(v) for v in value.values())
    if isinstance(value, list):
        return sum(_text_chars(v) for v in value)
    return 0


@dataclass(frozen=True, slots=True)
class CostModel:
    """Units a request spends; the body is the parsed JSON (None when absent or unparsable,
    which the endpoint will refuse anyway: such a request costs one unit)."""

    text_chars_per_unit: int
    results_per_unit: int

    def cost(self, path: str, body: Any) -> int:
        if not isinstance(body, dict):
            return 1
        if path in TEXT_PATHS:
            return 1 + _text_chars(body) // self.text_chars_per_unit
        if path in MATCH_PATHS:
            limit = body.get("limit")
            asked = limit if isinstance(limit, int) and not isinstance(limit, bool) else 0
            return 1 + max(asked, 0) // self.results_per_unit
        return 1


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one charge: whether it passed and the numbers the headers show."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    cost: int

    def headers(self, now: float) -> list[tuple[bytes, bytes]]:
        values = [
            (b"x-ratelimit-limit", str(self.limit)),
            (b"x-ratelimit-remaining", str(self.remaining)),
            (b"x-ratelimit-reset", str(math.ceil(self.reset_at))),
            (b"x-ratelimit-cost", str(self.cost)),
        ]
        if not self.allowed:
            values.append((b"retry-after", str(max(1, math.ceil(self.reset_at - now)))))
        return [(k, v.encode("latin-1")) for k, v in values]


class CostLimiter:
    """One moving-window budget per client in `limits` storage, charged by cost.

    Redis errors switch this process to memory counters for `REDIS_RETRY_SECONDS`; the first
    call after that pause tries Redis again.
    """

    def __init__(
        self,
        item: RateLimitItem,
        storage: Storage,
        *,
        key_prefix: str,
        key_func: Callable[[Request], str],
        costs: CostModel,
    ) -> None:
        self.item = item
        self.key_prefix = key_prefix
        self.key_func = key_func
        self.costs = costs
        self._storage = storage
        self._primary = MovingWindowRateLimiter(storage)
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()
        self._primary_down_until = 0.0

    def _strategy(self) -> MovingWindowRateLimiter:
        if isinstance(self._storage, MemoryStorage):
            return self._primary
        with self._lock:
            down = time.monotonic() < self._primary_down_until
        return self._memory if down else self._primary

    def charge(self, key: str, cost: int) -> Decision:
        """Spend `cost` units of `key`'s budget (capped at the whole budget) if they are left."""
        cost = max(1, min(cost, self.item.amount))
        strategy = self._strategy()
        try:
            allowed, stats = self._charge(strategy, key, cost)
        except self._storage.base_exceptions as exc:
            if strategy is self._memory:
                raise
            log.warning("rate_limit_storage_unavailable", error=str(exc))
            with self._lock:
                self._primary_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            allowed, stats = self._charge(self._memory, key, cost)
        reset_at, remaining = stats
        return Decision(allowed, self.item.amount, remaining, reset_at, cost)

    def _charge(
        self, strategy: MovingWindowRateLimiter, key: str, cost: int
    ) -> tuple[bool, tuple[float, int]]:
        allowed = strategy.hit(self.item, self.key_prefix, key, cost=cost)
        stats = strategy.get_window_stats(self.item, self.key_prefix, key)
        return allowed, (stats.reset_time, stats.remaining)


class ProbeLimiter:
    """Per-IP fixed windows for the probes, in a plain dict; refusals are answered late.

    Only the event loop touches it (no lock, no thread): `limits`' memory storage would start
    a timer thread every 10 ms while a flood lasts (its expiry sweep), and each new thread
    takes the interpreter lock from the requests being served.

    A flood client that sends its next probe as soon as the last is answered would otherwise
    turn the server's speed at refusing into its own request rate, keeping the event loop
    busy with refusals instead of probes. Holding each refusal for `refusal_delay` seconds
    caps such a client at one request per connection per delay, at the cost of a sleeping
    coroutine, and an orchestrator that keeps to its limit never meets the delay. The delay is
    jittered (0.5-1.5x): connections refused together would otherwise all come back in the
    same millisecond, every second, and whatever honest request met that burst waited for it.
    """

    def __init__(
        self, item: RateLimitItem, trusted: tuple[IPNetwork, ...], refusal_delay: float
    ) -> None:
        self.item = item
        self.trusted = trusted
        self.refusal_delay = refusal_delay
        self._window = float(item.get_expiry())
        self._clients: dict[str, tuple[float, int]] = {}  # ip -> (window start, probes in it)
        self._delayed = 0

    def allow(self, request: Request) -> bool:
        now = time.monotonic()
        ip = client_ip(request, self.trusted)
        start, count = self._clients.get(ip, (now, 0))
        if now - start >= self._window:
            start, count = now, 0
        elif ip not in self._clients and len(self._clients) >= MAX_PROBE_CLIENTS:
            self._forget_ended(now)
        self._clients[ip] = (start, count + 1)
        return count < self.item.amount

    def _forget_ended(self, now: float) -> None:
        self._clients = {
            ip: seen for ip, seen in self._clients.items() if now - seen[0] < self._window
        }

    async def delay_refusal(self) -> None:
        if self.refusal_delay <= 0 or self._delayed >= MAX_DELAYED_REFUSALS:
            return
        self._delayed += 1
        try:
            jitter = random.uniform(0.5, 1.5)  # noqa: S311 - spreading load, not a secret
            await asyncio.sleep(self.refusal_delay * jitter)
        finally:
            self._delayed -= 1


def make_probe_limiter(settings: Settings) -> ProbeLimiter:
    return ProbeLimiter(
        parse(settings.probe_rate_limit),
        parse_networks(settings.trusted_proxies),
        settings.probe_refusal_delay_seconds,
    )


def make_limiter(settings: Settings) -> CostLimiter:
    options: dict[str, float | str | bool] = {}
    if settings.redis_url:
        timeout = settings.rate_limit_redis_timeout_seconds
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    storage = storage_from_string(settings.redis_url or "memory://", **options)
    if not isinstance(storage, Storage):
        raise ValueError("REDIS_URL must name a synchronous storage (redis://, rediss://)")
    return CostLimiter(
        parse(settings.rate_limit),
        storage,
        key_prefix=settings.rate_limit_key_prefix,
        key_func=make_key_func(settings),
        costs=CostModel(
            text_chars_per_unit=settings.rate_limit_text_chars_per_unit,
            results_per_unit=settings.rate_limit_results_per_unit,
        ),
    )


def _costed(scope: Scope) -> bool:
    path = scope["path"]
    return scope["method"] == "POST" and (path in TEXT_PATHS or path in MATCH_PATHS)


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The app reads the buffered body once, then whatever the server sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RateLimitMiddleware:
    """Charges every request outside `exempt_paths` to its client's budget before the app runs,
    and every probe to its IP's probe budget.

    For the costed endpoints the (size-capped) body is read first, to price it, and replayed to
    the app. The charge runs in a worker thread because it talks to Redis (and may verify the
    token to key by `sub`). Successful responses carry the X-RateLimit-* headers; a refused
    request gets the 429 envelope with them and Retry-After. Paid-for text requests that arrive
    in a burst are bounded further on, by the text workers' admission (`TextWorkers`).
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: CostLimiter,
        exempt_paths: frozenset[str],
        probes: ProbeLimiter,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt_paths = exempt_paths
        self.probes = probes

    def _decide(self, request: Request, body: bytes | None) -> Decision:
        cost = 1 if body is None else self.limiter.costs.cost(request.url.path, _parse(body))
        return self.limiter.charge(self.limiter.key_func(request), cost)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in PROBE_PATHS:
            await self._probe(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body: bytes | None = None
        if _costed(scope):
            try:
                body = await request.body()
            except HTTPException as exc:  # the body cap of the outer middleware
                response = error_response(request, exc.status_code, "payload_too_large", exc.detail)
                await response(scope, receive, send)
                return
            receive = _replay(body, receive)
        decision = await run_in_threadpool(self._decide, request, body)
        headers = decision.headers(time.time())
        if not decision.allowed:
            response = error_response(
                request,
                429,
                "rate_limited",
                f"rate limit exceeded: {self.limiter.item} (this request costs {decision.cost}); "
                "retry later",
            )
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _probe(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self.probes.allow(request):
            await self.app(scope, receive, send)
            return
        await self.probes.delay_refusal()
        response = error_response(
            request,
            429,
            "rate_limited",
            f"probe rate limit exceeded: {self.probes.item} per client; retry later",
            headers={"Retry-After": str(max(1, math.ceil(self.probes.item.get_expiry())))},
        )
        await response(scope, receive, send)
