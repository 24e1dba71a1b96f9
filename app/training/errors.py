"""Errors of the learning loop's use cases: unknown runs, unusable artifacts, a busy lock."""

from __future__ import annotations

import uuid
from typing import Any

from app.core.errors import AppError
from app.ml.errors import RegistryError


class RunNotFoundError(AppError):
    """No training run has that id."""

    status_code = 404
    code = "not_found"


class ArtifactInvalidError(RegistryError):
    """The artifact is missing or fails verification: activating it would break serving."""

    status_code = 409
    code = "artifact_invalid"


class TrainingInProgressError(AppError):
    """Another run holds the training lock; `running_run_id` in the body names it.

    `run_id` is None when that run's row is not visible yet.
    """

    status_code = 409
    code = "training_in_progress"

    def __init__(self, run_id: uuid.UUID | None) -> None:
        super().__init__(f"a training run is already in progress (run {run_id})")
        self.run_id = run_id

    def extra(self) -> dict[str, Any]:
        return {"running_run_id": None if self.run_id is None else str(self.run_id)}
