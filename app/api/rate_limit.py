"""Per-client rate limiting with slowapi: who a client is, and where the counters live.

A client is the token's `sub` when the request carries a valid token (so everyone behind one
gateway does not share a bucket), else its IP. The IP is the socket peer, except when the peer
is a configured trusted proxy: then it is the right-most `X-Forwarded-For` address that is not
itself a trusted proxy (left-most entries are client-supplied and can be forged).

Counters live in Redis when `REDIS_URL` is set, so all workers share one limit. If Redis goes
down we keep limiting with per-process memory counters (slowapi's in-memory fallback) and try
Redis again with backoff: requests are neither refused with 5xx nor let through unlimited.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any, cast

from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import handle_rate_limited
from app.auth.deps import resolve_principal
from app.auth.errors import AuthError
from app.settings import Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def make_limiter(settings: Settings) -> Limiter:
    storage_options: dict[str, Any] = {}
    if settings.redis_url:
        timeout = settings.rate_limit_redis_timeout_seconds
        storage_options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    return Limiter(
        key_func=make_key_func(settings),
        application_limits=[settings.rate_limit],
        in_memory_fallback=[settings.rate_limit],
        in_memory_fallback_enabled=True,
        headers_enabled=True,
        strategy="moving-window",
        storage_uri=settings.redis_url or "memory://",
        storage_options=cast(dict[str, str], storage_options),
        key_prefix=settings.rate_limit_key_prefix,
        swallow_errors=True,
    )


class RateLimitMiddleware:
    """Applies the limiter's application-wide limit to every request outside `exempt_paths`.

    slowapi's own middlewares find the endpoint by walking `app.routes`, which no longer works
    with FastAPI's included-router objects (every route would look unmatched and be exempt);
    our limit is the same for every route, so this middleware checks it by path instead and
    reuses slowapi's Limiter for storage, Redis fallback and headers. The check runs in a
    worker thread because it talks to Redis (and may verify the token to key by `sub`).
    """

    def __init__(self, app: ASGIApp, limiter: Limiter, exempt_paths: frozenset[str]) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt_paths = exempt_paths

    def _check(self, request: Request) -> list[tuple[bytes, bytes]]:
        self.limiter._check_request_limit(request, None, True)
        view_limit = getattr(request.state, "view_rate_limit", None)
        if view_limit is None:
            return []
        headers = self.limiter._inject_asgi_headers(MutableHeaders(), view_limit)
        # Retry-After belongs on the 429 only; successful responses get the X-RateLimit-* trio.
        return [(k, v) for k, v in headers.raw if k != b"retry-after"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            extra = await run_in_threadpool(self._check, request)
        except RateLimitExceeded as exc:
            response = handle_rate_limited(request, exc)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
