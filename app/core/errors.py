"""The one base class of every error the service raises on purpose.

Each subclass states its HTTP status and its stable machine-readable `code`; the API's single
handler turns any `AppError` into the JSON error envelope, so a domain never needs to know
about HTTP to say "this input is wrong" and which field it was.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.core.schemas import ErrorEnvelope


class AppError(Exception):
    """An expected failure: a message for people, a `code` for programs, the offending `field`."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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

# Standard documented error responses, for `responses=` on routes (OpenAPI completeness).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": code.replace("_", " ")}
    for status, code in STATUS_CODES.items()
    if status in (401, 403, 404, 413, 422, 429, 500, 503)
}
# For the unauthenticated probes: no auth, no rate limit, no body.
PROBE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: ERROR_RESPONSES[status] for status in (422, 500)
}
