"""The one base class of every error the service raises on purpose.

Each subclass states its HTTP status and its stable machine-readable `code`; the API's single
handler turns any `AppError` into the JSON error envelope, so a domain never needs to know
about HTTP to say "this input is wrong" and which field it was. `responses(...)` documents the
same classes in the OpenAPI schema, so what a route declares and what it answers cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from app.core.schemas import ErrorEnvelope


class AppError(Exception):
    """An expected failure: a message for people, a `code` for programs, the offending `field`.

    `field` may be set per class (a registry error always concerns `version`) or per instance.
    """

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def extra(self) -> dict[str, Any]:
        """Top-level members added beside `error` in the envelope (none unless a class says)."""
        return {}


class NotFoundError(AppError):
    """A talent, job or other row named in the request does not exist (said to admins only)."""

    status_code = 404
    code = "not_found"


class ServiceUnavailableError(AppError):
    """A dependency the request needs (the database) is down or saturated; retry later."""

    status_code = 503
    code = "service_unavailable"


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

# What any route may answer whatever it does (auth, body cap, validation, rate limit, bugs,
# an outage of what it depends on).
COMMON_STATUSES: tuple[int, ...] = (401, 403, 413, 422, 429, 500, 503)
# The unauthenticated probes: no auth, no body, only a per-IP probe limit (429).
PROBE_STATUSES: tuple[int, ...] = (422, 429, 500)
_COMMON_MEANING = {
    401: "missing, malformed or expired bearer token (`WWW-Authenticate` says which)",
    403: "the token's role or ownership does not allow this",
    413: "request body over the size limit",
    422: "a parameter or body field is invalid; `field` names it",
    429: "rate limit exceeded; `Retry-After` says when to retry",
    500: "unexpected failure; details are in the server log under `request_id`",
    503: "the database, a model or the signing keys are unavailable; `Retry-After` says when "
    "to retry",
}


def _meaning(error: type[AppError]) -> str:
    """The first paragraph of the class docstring, on one line."""
    paragraph = (error.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).rstrip(".") or error.__name__


def responses(
    *errors: type[AppError], common: Iterable[int] = COMMON_STATUSES
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses=` of a route that may raise `errors` (plus the `common` statuses).

    One entry per status, each the error envelope, its description listing every `code` the
    status can carry and why.
    """
    lines: dict[int, list[str]] = {}

    def add(status: int, line: str) -> None:
        if line not in lines.setdefault(status, []):
            lines[status].append(line)

    for status in common:
        add(status, f"`{STATUS_CODES[status]}`: {_COMMON_MEANING[status]}")
    for error in errors:
        add(error.status_code, f"`{error.code}`: {_meaning(error)}")
    return {
        status: {"model": ErrorEnvelope, "description": "\n".join(f"- {x}" for x in lines[status])}
        for status in sorted(lines)
    }
