"""Errors of applications: no application on the pair, a stage move the machine forbids."""

from __future__ import annotations

from app.core.errors import AppError


class ApplicationNotFoundError(AppError):
    """The talent has no standing application to this job (never applied, or withdrew)."""

    status_code = 404
    code = "application_not_found"
    field = "talent_id"


class StageNotAllowedError(AppError):
    """The application cannot move from its current stage to the one asked for (stages only
    move forward, one step at a time; hired and rejected are final)."""

    status_code = 409
    code = "stage_not_allowed"
    field = "stage"
