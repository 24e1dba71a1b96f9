"""Errors of the detail views."""

from __future__ import annotations

from app.core.errors import AppError


class JobNotVisibleError(AppError):
    """No such job for this caller: a talent sees open jobs and the closed ones it applied to,
    and cannot tell a closed job from one that never existed."""

    status_code = 404
    code = "not_found"
    field = "job_id"
