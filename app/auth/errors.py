"""Auth errors; the API error handler turns each into one status (401, 403 or 503)."""

from __future__ import annotations


class AuthError(Exception):
    """Base of the errors raised while deciding who the caller is and what they may do."""


class AuthenticationError(AuthError):
    """No usable credentials: missing, malformed, badly signed, expired or wrong audience (401).

    The message is deliberately generic towards the client; `reason` says what failed, for logs.
    """

    def __init__(self, reason: str) -> None:
        super().__init__("invalid or missing bearer token")
        self.reason = reason


class PermissionDeniedError(AuthError):
    """The caller is known but may not do this (403)."""


class AuthUnavailableError(AuthError):
    """Keys to verify the token cannot be had right now (JWKS unreachable, nothing cached) (503)."""


class DevTokenDisabledError(AuthError):
    """The development token helper is off (production, or no secret to sign with)."""
