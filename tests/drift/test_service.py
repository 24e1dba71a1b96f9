"""Drift runs end to end on SQLite and Postgres: reference, inference log, report, alert, lock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.core.enums import MatchSource
from app.db.base import utcnow
from app.db.monitoring_models import DriftRun, InferenceLogRow
from app.db.session import session_scope
from app.drift import lock
from app.drift.errors import DriftInProgressError
from app.drift.service import parse_window, report_file, run_drift
from app.ml.features import FEATURE_NAMES
from app.ml.reference import REFERENCE_FILE
from app.monitoring.inference_log import InferenceSampler
from tests.drift.conftest import drift_settings, reference_model, register_reference_model

WEEK = timedelta(days=7)


def log_rows(engine: Engine, rows: int, *, shift: float = 0.0, seed: int = 1) -> None:
    """Rows scored by the registered model, through the real sampler (rate 1) and its flush."""
    model = reference_model("v1.0")
    rng = np.random.default_rng(seed)
    sampler = InferenceSampler(1.0, 10, seed=seed)
    features = rng.random((rows, len(FEATURE_NAMES)))
    features[:, 3] += shift
    for start in range(0, rows, 10):
        block = features[start : start + 10]
        sampler.offer(block, model.predict(block), MatchSource.ML, "v1.0")
    with session_scope(engine) as session:
        sampler.flush(session)


def runs(engine: Engine) -> list[DriftRun]:
    with session_scope(engine) as session:
        return list(session.scalars(select(DriftRun)))


def test_an_unshifted_week_succeeds_without_alert_and_writes_the_report(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    register_reference_model(session, tmp_path / "models")
    session.commit()
    log_rows(engine, 600)
    settings = drift_settings(tmp_path)
    outcome = run_drift(engine, window=WEEK, triggered_by="test", settings=settings)
    assert outcome.status == "succeeded"
    assert outcome.overall_score is not None
    assert outcome.overall_score < settings.drift_threshold
    assert not outcome.alerted
    assert outcome.alert_delivered is None
    [run] = runs(engine)
    assert run.status == "succeeded"
    assert run.current_rows == 600
    assert run.metrics["embedding"]["status"] == "not_enough_data"
    html = Path(run.report_path or "").read_text()
    assert "no alert" in html
    assert "<svg" in html
    assert "<script" not in html
    # The dashboard shows it under its CSP (no inline CSS): attributes only.
    assert "<style" not in html
    assert "style=" not in html
    with session_scope(engine) as s:
        assert report_file(s, run.id, settings) == Path(run.report_path or "").resolve()


def test_a_shifted_feature_alerts_through_a_webhook_that_fails_then_answers(
    engine: Engine, session: Session, tmp_path: Path, webhook
) -> None:
    register_reference_model(session, tmp_path / "models")
    session.commit()
    log_rows(engine, 600, shift=0.5)
    hook = webhook([503, 429])
    settings = drift_settings(tmp_path, drift_webhook_url=hook.url)
    outcome = run_drift(engine, window=WEEK, triggered_by="test", settings=settings)
    assert outcome.alerted
    assert outcome.alert_delivered is True
    assert len(hook.bodies) == 3
    assert "missing_required_skills" in hook.bodies[-1]["text"]
    [run] = runs(engine)
    assert run.alerted
    assert run.alert_delivered is True
    assert run.metrics["features"][0]["name"] == "missing_required_skills"


def test_a_webhook_that_keeps_failing_is_retried_a_bounded_number_of_times(
    engine: Engine, session: Session, tmp_path: Path, webhook
) -> None:
    register_reference_model(session, tmp_path / "models")
    session.commit()
    log_rows(engine, 600, shift=0.5)
    hook = webhook([500] * 10)
    settings = drift_settings(tmp_path, drift_webhook_url=hook.url, drift_webhook_retries=2)
    outcome = run_drift(engine, window=WEEK, triggered_by="test", settings=settings)
    assert outcome.status == "succeeded"
    assert outcome.alert_delivered is False
    assert len(hook.bodies) == 3


def test_an_unreachable_webhook_never_breaks_the_run(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    register_reference_model(session, tmp_path / "models")
    session.commit()
    log_rows(engine, 600, shift=0.5)
    settings = drift_settings(
        tmp_path, drift_webhook_url="http://127.0.0.1:9/hook", drift_webhook_retries=1
    )
    outcome = run_drift(engine, window=WEEK, triggered_by="test", settings=settings)
    assert outcome.status == "succeeded"
    assert outcome.alert_delivered is False


def test_rows_outside_the_window_and_of_other_versions_are_not_the_current_window(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    register_reference_model(session, tmp_path / "models")
    session.commit()
    log_rows(engine, 50)
    settings = drift_settings(tmp_path)
    outcome = run_drift(
        engine, window=WEEK, triggered_by="test", settings=settings, now=utcnow() - 2 * WEEK
    )
    [run] = runs(engine)
    assert outcome.status == "succeeded"
    assert run.current_rows == 0
    assert {f["status"] for f in run.metrics["features"]} == {"not_enough_data"}
    assert run.overall_score == 0.0
    assert not run.alerted


def test_no_active_model_or_a_tampered_reference_skips(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    settings = drift_settings(tmp_path)
    assert run_drift(engine, window=WEEK, triggered_by="t", settings=settings).status == "skipped"
    row = register_reference_model(session, tmp_path / "models")
    session.commit()
    path = Path(row.artifact_path) / REFERENCE_FILE
    path.write_bytes(path.read_bytes() + b"x")
    outcome = run_drift(engine, window=WEEK, triggered_by="t", settings=settings)
    assert outcome.status == "skipped"
    assert "does not match" in outcome.message


def test_a_second_run_while_one_holds_the_lock_is_refused(engine: Engine, tmp_path: Path) -> None:
    held = lock.try_acquire(engine)
    assert held is not None
    try:
        with pytest.raises(DriftInProgressError):
            run_drift(engine, window=WEEK, triggered_by="t", settings=drift_settings(tmp_path))
    finally:
        held.release()
    again = lock.try_acquire(engine)
    assert again is not None
    again.release()


def test_prune_applies_retention_and_the_row_cap(engine: Engine, tmp_path: Path) -> None:
    from app.monitoring.repository import prune

    log_rows(engine, 40)
    with session_scope(engine) as session:
        assert prune(session, utcnow() - timedelta(days=1), max_rows=25) == 15
        assert session.scalar(select(func.count()).select_from(InferenceLogRow)) == 25
        assert prune(session, utcnow() + timedelta(seconds=1), max_rows=1000) >= 1


@pytest.mark.parametrize(("text", "days"), [("7d", 7.0), ("36h", 1.5), ("90m", 0.0625)])
def test_windows(text: str, days: float) -> None:
    assert parse_window(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["7", "d", "-1d", "0d", "7w", "1.5d"])
def test_bad_windows(text: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_window(text)


def test_new_jobs_from_another_text_domain_drift_against_the_jobs_the_model_knew(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    """The embedding check reads stored job vectors: jobs created before the window (and the
    training) as reference, jobs created in the window as current."""
    import uuid

    from app.db.models import Embedding
    from app.ml.embeddings import to_bytes
    from app.settings import get_settings
    from tests.factories import make_company, make_job

    register_reference_model(session, tmp_path / "models")
    company = make_company(session)
    rng = np.random.default_rng(8)
    old_topic, new_topic = rng.normal(0, 1, 384), rng.normal(0, 1, 384)
    now = utcnow()
    for created, topic in ((now - 4 * WEEK, old_topic), (now - timedelta(days=1), new_topic)):
        for _ in range(120):
            job = make_job(session, company, created_at=created, updated_at=created)
            vector = topic + rng.normal(0, 1.0, 384)
            session.add(
                Embedding(
                    owner_kind="job",
                    owner_id=job.id,
                    content_hash=uuid.uuid4().hex,
                    model_id=get_settings().embedding_model_id,
                    dim=384,
                    vector=to_bytes(vector),
                )
            )
    session.commit()
    log_rows(engine, 300)
    outcome = run_drift(engine, window=WEEK, triggered_by="t", settings=drift_settings(tmp_path))
    [run] = runs(engine)
    embedding = run.metrics["embedding"]
    assert (embedding["reference_rows"], embedding["current_rows"]) == (120, 120)
    assert embedding["score"] > 0.9
    assert embedding["status"] == "drift"
    assert run.metrics["overall_metric"] == "embedding:domain_classifier_roc_auc"
    assert outcome.alerted
