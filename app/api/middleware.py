"""The outermost request wrapper: request id, body size cap, access logs, metrics, last resort.

Pure ASGI (not BaseHTTPMiddleware) so that streaming bodies are counted as they arrive and the
request id is bound in structlog's contextvars for every log line of the request. Handlers
leave `result_count`, `source` and `stage_timings` on `request.state`; this wrapper logs them
with the response, and logs the per-stage breakdown of requests slower than the threshold.
Any exception that reaches it becomes a 500 envelope (stack trace in the log only).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response
from app.logging import get_logger
from app.monitoring.metrics import observe_request

log = get_logger("app.api.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_SUMMARY_KEYS = ("talent_id", "job_id", "limit", "min_score", "type")


class PayloadTooLargeError(HTTPException):
    """Raised while reading a body past the cap; an HTTPException so FastAPI re-raises it as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def params_summary(body: Any) -> dict[str, Any]:
    """The identifying, non-personal parameters of a request body, for the access log."""
    if not isinstance(body, dict):
        return {}
    return {k: body[k] for k in _SUMMARY_KEYS if k in body and not isinstance(body[k], dict)}


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, slow_request_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.slow_request_seconds = slow_request_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        request = Request(scope)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            client=request.client.host if request.client else None,
        )
        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                response = error_response(
                    request, 413, "payload_too_large", f"request body exceeds {self.max_body_bytes}"
                )
                await response(scope, receive, send_wrapper)
            else:
                await self.app(scope, self._capped(receive), send_wrapper)
        except Exception as exc:
            log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
            if status_holder["started"]:
                raise
            response = error_response(request, 500, "internal_error", "internal server error")
            await response(scope, receive, send_wrapper)
        finally:
            self._log_response(request, scope, int(status_holder["status"]), started)
            structlog.contextvars.clear_contextvars()

    def _capped(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLargeError(limit)
            return message

        return capped

    def _log_response(self, request: Request, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_template(scope)
        observe_request(scope["method"], route, status, elapsed)
        state = request.state
        fields: dict[str, Any] = {
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "user": getattr(state, "user", None),
        }
        for key in ("params", "result_count", "source", "model_version"):
            value = getattr(state, key, None)
            if value is not None:
                fields[key] = value
        log.info("response", **fields)
        if elapsed >= self.slow_request_seconds:
            stages = getattr(state, "stage_timings", None) or {}
            log.warning(
                "slow_request",
                route=route,
                duration_ms=round(elapsed * 1000, 2),
                stages_ms={k: round(v * 1000, 2) for k, v in stages.items()},
            )


# The dashboard is a Vite build: its script and stylesheet are files of this origin, it calls
# only this API, and nothing may frame it (clickjacking).
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(path: str, production: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response gets for its path: no MIME sniffing and no referrer for all;
    HSTS in production (TLS is terminated in front of us there, never in development); API
    answers are per-user, so no cache may keep them; the dashboard gets its CSP."""
    headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    if production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    if path.startswith("/api/"):
        headers.append((b"cache-control", b"no-store"))
    elif path == "/dashboard" or path.startswith("/dashboard/"):
        headers += [
            (b"content-security-policy", DASHBOARD_CSP.encode()),
            (b"x-frame-options", b"DENY"),
        ]
    return headers


class SecurityHeadersMiddleware:
    """Adds `security_headers` to every HTTP response, errors included; outermost, so that
    the 500s and 413s written by the other middleware get them too."""

    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers(scope["path"], self.production)
        replaced = {name for name, _ in added}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
