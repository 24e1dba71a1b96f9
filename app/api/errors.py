"""One place where exceptions become HTTP responses: the JSON error envelope.

Every error a client sees is `{"error": {"code", "message", "field"?, "request_id"}}`. Errors
raised on purpose are `AppError`s and carry their own status, code and field, so one handler
serves them all; validation errors, HTTP errors (unknown route, body too large) and rate limits
have theirs; anything else is a 500 from the middleware. Stack traces go to the logs only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth.errors import AuthenticationError
from app.core.errors import STATUS_CODES, AppError
from app.core.schemas import ErrorBody, ErrorEnvelope
from app.logging import get_logger
from app.monitoring.metrics import observe_error

log = get_logger(__name__)


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """The envelope; `extra` adds top-level members beside `error` (e.g. `running_run_id`)."""
    observe_error(code)
    body = ErrorEnvelope(
        error=ErrorBody(code=code, message=message, field=field, request_id=request_id_of(request))
    )
    return JSONResponse(
        {**body.model_dump(exclude_none=True), **(extra or {})},
        status_code=status,
        headers=dict(headers) if headers else None,
    )


def _www_authenticate(request: Request) -> dict[str, str]:
    if request.headers.get("authorization"):
        return {"WWW-Authenticate": 'Bearer realm="talent-match", error="invalid_token"'}
    return {"WWW-Authenticate": 'Bearer realm="talent-match"'}


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    field = _field_of(first.get("loc", ()))
    message = f"{field}: {first.get('msg', 'invalid value')}"
    log.info("validation_error", field=field, errors=len(errors))
    return error_response(request, 422, "validation_error", message, field=field)


async def handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "error parsing the body" (undecodable bytes): a validation error of the body.
        return error_response(
            request, 422, "validation_error", "body: could not be parsed as JSON", field="body"
        )
    code = STATUS_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(request, exc.status_code, code, message, headers=exc.headers)


def handle_rate_limited(request: Request, exc: Exception) -> JSONResponse:
    """429 with the limiter's X-RateLimit-* headers and Retry-After."""
    assert isinstance(exc, RateLimitExceeded)
    response = error_response(
        request, 429, "rate_limited", f"rate limit exceeded: {exc.detail}; retry later"
    )
    limiter = request.app.state.services.get(Limiter)
    view_limit = getattr(request.state, "view_rate_limit", None)
    injected: JSONResponse = limiter._inject_headers(response, view_limit)
    if "retry-after" not in injected.headers:
        injected.headers["Retry-After"] = "60"
    return injected


async def handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    """Any `AppError`: its status, code and field; WWW-Authenticate on 401 (RFC 6750)."""
    assert isinstance(exc, AppError)
    if isinstance(exc, AuthenticationError):
        log.info("auth_failed", reason=exc.reason)
    elif exc.status_code >= 500:
        log.error("domain_error", code=exc.code, error=exc.message, exc_info=exc)
    else:
        log.info("domain_error", code=exc.code, error=exc.message)
    return error_response(
        request,
        exc.status_code,
        exc.code,
        exc.message,
        field=exc.field,
        headers=_www_authenticate(request) if exc.status_code == 401 else None,
        extra=exc.extra(),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    app.add_exception_handler(RateLimitExceeded, handle_rate_limited)
    app.add_exception_handler(AppError, handle_app_error)
