"""Errors of recording decisions: a closed job, nothing to undo, a list without a subject."""

from __future__ import annotations

from app.core.errors import AppError


class JobClosedError(AppError):
    """The job is closed: its decisions are final and no feedback is recorded on it."""

    status_code = 409
    code = "job_closed"
    field = "job_id"


class NothingToUndoError(AppError):
    """`undo` was sent for a pair on which the sender's side has no standing decision."""

    status_code = 409
    code = "nothing_to_undo"
    field = "type"


class DecisionQueryError(AppError):
    """A decision list needs exactly one of `talent_id` (a talent's) or `job_id` (a job's)."""

    status_code = 422
    code = "validation_error"
    field = "talent_id"
