"""Training and registry use cases for admins (no HTTP here): trigger, inspect, activate.

A trigger takes the training lock and records the run synchronously, so the caller learns at
once whether it started (and its id) or who is already running; the training itself runs in
a background thread of this process, which releases the lock when it ends.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.models import MLModelVersion, TrainingRun
from app.logging import get_logger
from app.ml import registry
from app.ml.errors import ModelLoadError
from app.ml.matcher import MODEL_FILE, MatchingModel, sha256_file
from app.settings import Settings, get_settings
from app.training import repository
from app.training.errors import ArtifactInvalidError, RunNotFoundError
from app.training.pipeline import TrainingPipeline, start_run

log = get_logger(__name__)


def trigger_training(
    engine: Engine, *, force: bool, triggered_by: str, settings: Settings | None = None
) -> uuid.UUID:
    """Start a run in the background and return its id; raises TrainingInProgressError."""
    pipeline = TrainingPipeline(engine, settings=settings or get_settings())
    run_id, lock = start_run(engine, force=force, triggered_by=triggered_by)
    try:
        thread = threading.Thread(
            target=pipeline.execute,
            args=(run_id, lock),
            kwargs={"force": force, "triggered_by": triggered_by},
            name=f"training-{run_id}",
            daemon=True,
        )
        thread.start()
    except BaseException:
        lock.release()
        raise
    return run_id


def get_run(session: Session, run_id: uuid.UUID) -> TrainingRun:
    run = repository.get_run(session, run_id)
    if run is None:
        raise RunNotFoundError(f"training run {run_id} not found")
    return run


def activation_block(row: MLModelVersion) -> str | None:
    """Why POST /models/{version}/activate would not make `row` live, or None when it would:
    the registry's rule, plus the two cases activation treats apart (already live: nothing
    to do; artifact file gone: `activate_verified` refuses). Checked per row of the model
    list so the dashboard offers Activate exactly where the server accepts it (hashing the
    model file is milliseconds; loading it, which activation also does, is not repeated)."""
    if row.is_active:
        return f"version {row.version!r} is already the active one"
    if (refusal := registry.activation_refusal(row)) is not None:
        return refusal
    model_file = Path(row.artifact_path) / MODEL_FILE
    if not model_file.is_file():
        return f"version {row.version!r} cannot be activated: its artifact is missing"
    if sha256_file(model_file) != row.artifact_sha256:
        return f"version {row.version!r} cannot be activated: its artifact fails its checksum"
    return None


def activate_verified(session: Session, version: str, *, actor: str) -> MLModelVersion:
    """Move the active pointer to `version` only if its artifact loads and verifies here."""
    row = registry.get_version(session, version)
    try:
        MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
    except ModelLoadError as exc:
        raise ArtifactInvalidError(f"version {version!r} cannot be activated: {exc}") from exc
    return registry.activate_version(session, version, actor=actor)
