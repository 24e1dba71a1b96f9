"""One place where exceptions become HTTP responses: the JSON error envelope.

Every error a client sees is `{"error": {"code", "message", "field"?, "request_id"}}`. Errors
raised on purpose are `AppError`s and carry their own status, code and field, so one handler
serves them all; validation errors and HTTP errors (unknown route, body too large) have theirs;
the rate limiter answers its 429 with `error_response` itself (`app.api.rate_limit`); anything
else is a 500 from the middleware. Stack traces go to the logs only. An outage (database
unreachable or out of connections, a model or the signing keys missing) is a 503 with
`Retry-After`, so clients and load balancers back off and retry instead of giving up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth.errors import AuthenticationError
from app.core.errors import STATUS_CODES, AppError, ServiceUnavailableError
from app.core.schemas import ErrorBody, ErrorEnvelope
from app.logging import get_logger
from app.monitoring.metrics import observe_error

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 5
# SQLAlchemy's errors that mean "the database cannot be reached or has no connection for us",
# as opposed to a bad statement or a violated constraint (bugs: 500).
DATABASE_OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
)


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


async def handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    """Any `AppError`: its status, code and field; WWW-Authenticate on 401 (RFC 6750)."""
    assert isinstance(exc, AppError)
    if isinstance(exc, AuthenticationError):
        log.info("auth_failed", reason=exc.reason)
    elif exc.status_code >= 500:
        log.error("domain_error", code=exc.code, error=exc.message, exc_info=exc)
    else:
        log.info("domain_error", code=exc.code, error=exc.message)
    headers = None
    if exc.status_code == 401:
        headers = _www_authenticate(request)
    elif exc.status_code == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error_response(
        request,
        exc.status_code,
        exc.code,
        exc.message,
        field=exc.field,
        headers=headers,
        extra=exc.extra(),
    )


async def handle_database_outage(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable or out of connections: a 503 `ServiceUnavailableError`.

    Logged with the driver's message only (`orig`): SQLAlchemy's own text quotes the statement
    and its parameters.
    """
    log.error(
        "database_unavailable",
        error_type=type(exc).__name__,
        error=(str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0][:300],
    )
    unavailable = ServiceUnavailableError("the database is unavailable; retry later")
    return error_response(
        request,
        unavailable.status_code,
        unavailable.code,
        unavailable.message,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    app.add_exception_handler(AppError, handle_app_error)
    for outage in DATABASE_OUTAGES:
        app.add_exception_handler(outage, handle_database_outage)
