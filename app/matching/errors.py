"""Errors of match requests that only the matching service can detect: filters that need the
subject's own data, and page cursors."""

from __future__ import annotations

from app.core.errors import AppError


class InvalidFilterError(AppError):
    """A filter the request's subject cannot use: a radius around a subject without a
    location, or a skill name no skill has; `field` names the filter (`filters.skills.1`)."""

    status_code = 422
    code = "invalid_filter"
    field = "filters"


class InvalidCursorError(AppError):
    """The cursor is not one this service issued for this request (malformed, edited, or
    from a request with other filters or another subject)."""

    status_code = 422
    code = "invalid_cursor"
    field = "cursor"


class StaleCursorError(AppError):
    """The ranking the cursor points into is gone (another model or retrieval setting is
    serving): start again without `cursor`."""

    status_code = 409
    code = "stale_cursor"
    field = "cursor"
