"""Drift runs: the active model's training sample against the inference log of a window.

`run_drift` takes the drift lock (one run across replicas), records a `running` row, reads
the reference (the model's `reference.npz`, verified against the sha256 in its metadata) and
the current window (inference-log rows of that model version, job vectors of jobs created in
the window against those that existed when it was trained), computes the metrics
(app/drift/stats.py), writes the HTML report, prunes the inference log, then alerts (logs,
gauge, webhook) and finishes the row. Each phase commits in its own `session_scope`, as
training's do, so a run is visible as `running` while it computes; the alert is sent outside
any transaction and never fails the run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.monitoring_models import DriftRun
from app.db.session import session_scope
from app.drift import alerts, lock, report, repository
from app.drift.errors import DriftInProgressError, DriftRunNotFoundError
from app.drift.stats import DriftResult, compute_drift
from app.logging import get_logger
from app.ml import registry
from app.ml.embeddings import from_bytes
from app.ml.errors import ModelLoadError
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import MatchingModel, sha256_file
from app.ml.reference import REFERENCE_FILE, ReferenceSample
from app.monitoring import repository as inference_repository
from app.settings import Settings

log = get_logger(__name__)

CURRENT_MAX_ROWS = 50_000
REFERENCE_JOB_VECTORS = 2000
CURRENT_JOB_VECTORS = 2000


@dataclass(frozen=True, slots=True)
class DriftOutcome:
    run_id: uuid.UUID
    status: str
    overall_score: float | None
    alerted: bool
    alert_delivered: bool | None
    report_path: Path | None
    message: str


@dataclass(frozen=True, slots=True)
class _Inputs:
    version: str
    reference: ReferenceSample
    current_features: np.ndarray
    current_scores: np.ndarray
    reference_vectors: np.ndarray
    current_vectors: np.ndarray


def parse_window(value: str) -> timedelta:
    """'7d', '36h' or '90m' as a duration; anything else is a ValueError naming the form."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = value[:-1], value[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) < 1:
        raise ValueError(f"window {value!r}: expected a positive number and d, h or m (e.g. 7d)")
    return timedelta(**{units[unit]: int(number)})


def verified_reference(artifact_dir: Path, artifact_sha256: str) -> ReferenceSample:
    """The model's reference sample, refused unless its sha256 is the one in the metadata."""
    model = MatchingModel.load(artifact_dir, expected_sha256=artifact_sha256)
    wanted = model.metadata.reference_sha256
    if wanted is None:
        raise ModelLoadError(f"model {model.version} was trained without a drift reference")
    actual = sha256_file(artifact_dir / REFERENCE_FILE)
    if actual != wanted:
        raise ModelLoadError(f"drift reference of {model.version} does not match its metadata")
    return ReferenceSample.load(artifact_dir)


def _inputs(session: Session, start: datetime, end: datetime, settings: Settings) -> _Inputs | str:
    """Everything a run compares, or why it cannot run (skipped)."""
    row = registry.active_version(session, settings.matcher_model_id)
    if row is None:
        return "no active model: the fallback serves, there is no training data to compare"
    try:
        reference = verified_reference(Path(row.artifact_path), row.artifact_sha256)
    except ModelLoadError as exc:
        return f"no usable reference for {row.version}: {exc.message}"
    rows = inference_repository.window_rows(session, row.version, start, end, CURRENT_MAX_ROWS)
    width = len(FEATURE_NAMES)
    features = np.array([r[1] for r in rows], dtype=np.float64).reshape(len(rows), width)
    model_id = settings.embedding_model_id
    ref_blobs = repository.job_vectors(
        session,
        model_id,
        created_from=None,
        created_before=min(row.trained_at, start),
        limit=REFERENCE_JOB_VECTORS,
    )
    cur_blobs = repository.job_vectors(
        session, model_id, created_from=start, created_before=end, limit=CURRENT_JOB_VECTORS
    )
    return _Inputs(
        version=row.version,
        reference=reference,
        current_features=features,
        current_scores=np.array([r[0] for r in rows], dtype=np.float64),
        reference_vectors=from_bytes(ref_blobs).astype(np.float64),
        current_vectors=from_bytes(cur_blobs).astype(np.float64),
    )


def _compute(inputs: _Inputs, settings: Settings) -> DriftResult:
    result = compute_drift(
        list(FEATURE_NAMES),
        inputs.reference.features,
        inputs.reference.scores,
        inputs.current_features,
        inputs.current_scores,
        inputs.reference_vectors,
        inputs.current_vectors,
        bins=settings.drift_bins,
        min_samples=settings.drift_min_samples,
        threshold=settings.drift_threshold,
    )
    if result.current_rows < settings.drift_min_samples:
        result.notes.append(
            f"{result.current_rows} inference-log rows in the window, under the minimum of "
            f"{settings.drift_min_samples}: features and score are 'not enough data'"
        )
    return result


def run_drift(
    engine: Engine,
    *,
    window: timedelta,
    triggered_by: str,
    settings: Settings,
    now: datetime | None = None,
) -> DriftOutcome:
    """One drift run over [now - window, now); DriftInProgressError when one is running."""
    held = lock.try_acquire(engine)
    if held is None:
        raise DriftInProgressError("another drift run is in progress")
    try:
        return _locked_run(engine, window, triggered_by, settings, now or utcnow())
    finally:
        held.release()


def _locked_run(
    engine: Engine, window: timedelta, triggered_by: str, settings: Settings, end: datetime
) -> DriftOutcome:
    start = end - window
    with session_scope(engine) as session:
        repository.fail_abandoned_runs(session)
        run_id = repository.create_run(
            session,
            triggered_by=triggered_by,
            window_start=start,
            window_end=end,
            threshold=settings.drift_threshold,
        ).id
    try:
        with session_scope(engine) as session:
            inputs = _inputs(session, start, end, settings)
            inference_repository.prune(
                session,
                end - timedelta(days=settings.inference_log_retention_days),
                settings.inference_log_max_rows,
            )
        if isinstance(inputs, str):
            with session_scope(engine) as session:
                repository.finish_run(session, run_id, status="skipped", message=inputs)
            log.info("drift_skipped", run_id=str(run_id), reason=inputs)
            return DriftOutcome(run_id, "skipped", None, False, None, None, inputs)
        result = _compute(inputs, settings)
        path = report.write(
            result,
            settings.drift_report_dir / f"{run_id}.html",
            title=f"Drift of {inputs.version}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC",
        )
    except Exception as exc:
        with session_scope(engine) as session:
            repository.finish_run(
                session, run_id, status="failed", message=f"{type(exc).__name__}: {exc}"[:2000]
            )
        log.exception("drift_run_failed", run_id=str(run_id))
        raise
    delivered = _alert(result, inputs.version, settings, run_id)
    message = (
        f"overall drift {result.overall_score:.3f} ({result.overall_metric}); "
        + ("ALERT" if result.alert else "no alert")
        + f" at threshold {settings.drift_threshold:.2f}"
    )
    with session_scope(engine) as session:
        repository.finish_run(
            session,
            run_id,
            status="succeeded",
            model_version=inputs.version,
            reference_rows=result.reference_rows,
            current_rows=result.current_rows,
            overall_score=result.overall_score,
            alerted=result.alert,
            alert_delivered=delivered,
            metrics=result.as_json(),
            report_path=str(path),
            message=message,
        )
    return DriftOutcome(
        run_id, "succeeded", result.overall_score, result.alert, delivered, path, message
    )


def _alert(result: DriftResult, version: str, settings: Settings, run_id: uuid.UUID) -> bool | None:
    webhook = settings.drift_webhook_url
    try:
        return alerts.publish(
            result,
            model_version=version,
            webhook_url=webhook.get_secret_value() if webhook else None,
            retries=settings.drift_webhook_retries,
            timeout=settings.drift_webhook_timeout_seconds,
            report_url=f"/api/v1/drift/runs/{run_id}/report",
        )
    except Exception:
        # A broken alert channel is an operations problem, not a reason to lose the run.
        log.exception("drift_alert_failed", run_id=str(run_id))
        return False


def list_runs(session: Session, limit: int) -> list[DriftRun]:
    return repository.list_runs(session, limit)


def report_file(session: Session, run_id: uuid.UUID, settings: Settings) -> Path:
    """The run's report, only from inside the configured report folder."""
    run = repository.get_run(session, run_id)
    if run is None or not run.report_path:
        raise DriftRunNotFoundError(f"drift run {run_id} has no report", field="run_id")
    path = Path(run.report_path).resolve()
    if not path.is_relative_to(settings.drift_report_dir.resolve()) or not path.is_file():
        raise DriftRunNotFoundError(f"report of drift run {run_id} is gone", field="run_id")
    return path
