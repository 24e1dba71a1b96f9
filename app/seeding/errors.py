"""Errors of seeding the demo world."""

from __future__ import annotations

from app.core.errors import AppError


class SeedConflictError(AppError):
    """The database already holds rows of the world this seed would write."""

    status_code = 409
    code = "conflict"
