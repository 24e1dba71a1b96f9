"""Domain errors of matching; the API maps each to one HTTP status in a single handler."""

from __future__ import annotations

from app.core.errors import AppError


class NotFoundError(AppError):
    """The talent or job asked for does not exist (or is not matchable)."""

    status_code = 404
    code = "not_found"
