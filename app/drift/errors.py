"""Errors of drift monitoring."""

from __future__ import annotations

from app.core.errors import AppError


class DriftRunNotFoundError(AppError):
    """No drift run with this id, or it has no report."""

    status_code = 404
    code = "drift_run_not_found"


class DriftInProgressError(AppError):
    """Another drift run holds the lock (another replica, timer or CronJob pod)."""

    status_code = 409
    code = "drift_in_progress"
