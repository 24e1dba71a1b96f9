"""Auth errors: who the caller is (401), what they may do (403), whether keys can be had (503)."""

from __future__ import annotations

from app.core.errors import AppError


class AuthError(AppError):
    """Base of the errors raised while deciding who the caller is and what they may do."""


class AuthenticationError(AuthError):
    """No usable credentials: missing, malformed, badly signed, expired or wrong audience.

    The message is deliberately generic towards the client; `reason` says what failed, for logs.
    A claim of the wrong type is named in `field` (the client wrote it, so it learns nothing).
    """

    status_code = 401
    code = "unauthorized"

    def __init__(self, reason: str, claim: str | None = None) -> None:
        super().__init__("invalid or missing bearer token", field=claim)
        self.reason = reason


class PermissionDeniedError(AuthError):
    """The caller is known but its role or ownership does not allow this."""

    status_code = 403
    code = "forbidden"


class AuthUnavailableError(AuthError):
    """Keys to verify the token cannot be had right now (JWKS unreachable, nothing cached)."""

    status_code = 503
    code = "auth_unavailable"


class DevTokenDisabledError(AuthError):
    """The development token helper is off (production, or no secret to sign with)."""

    status_code = 403
    code = "forbidden"


# What every route behind a bearer token may raise before its handler runs.
AUTH_ERRORS: tuple[type[AuthError], ...] = (
    AuthenticationError,
    PermissionDeniedError,
    AuthUnavailableError,
)
