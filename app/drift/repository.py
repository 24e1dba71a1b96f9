"""All SQL of drift runs: run rows, and the job vectors of the embedding check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Embedding, Job
from app.db.monitoring_models import DriftRun


def create_run(
    session: Session,
    *,
    triggered_by: str,
    window_start: datetime,
    window_end: datetime,
    threshold: float,
) -> DriftRun:
    run = DriftRun(
        triggered_by=triggered_by,
        window_start=window_start,
        window_end=window_end,
        threshold=threshold,
        metrics={},
    )
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: uuid.UUID, **values: Any) -> None:
    session.execute(
        update(DriftRun).where(DriftRun.id == run_id).values(finished_at=utcnow(), **values)
    )
    session.flush()


def fail_abandoned_runs(session: Session) -> int:
    """Close `running` rows left by a dead process (the caller holds the lock, so none live)."""
    result = session.execute(
        update(DriftRun)
        .where(DriftRun.status == "running")
        .values(status="failed", finished_at=utcnow(), message="abandoned: the process died")
    )
    session.flush()
    return int(cast(CursorResult[Any], result).rowcount)


def get_run(session: Session, run_id: uuid.UUID) -> DriftRun | None:
    return session.get(DriftRun, run_id)


def list_runs(session: Session, limit: int) -> list[DriftRun]:
    return list(
        session.scalars(
            select(DriftRun).order_by(DriftRun.started_at.desc(), DriftRun.id.desc()).limit(limit)
        )
    )


def newest_scored_run(session: Session) -> tuple[float, bool, str | None] | None:
    """(overall score, alerted, model version) of the newest succeeded run, if any."""
    row = session.execute(
        select(DriftRun.overall_score, DriftRun.alerted, DriftRun.model_version)
        .where(DriftRun.status == "succeeded", DriftRun.overall_score.is_not(None))
        .order_by(DriftRun.started_at.desc(), DriftRun.id.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None:
        return None
    return float(row[0]), bool(row[1]), row[2]


def job_vectors(
    session: Session,
    model_id: str,
    *,
    created_from: datetime | None,
    created_before: datetime,
    limit: int,
) -> list[bytes]:
    """Stored vectors of jobs created in [created_from, created_before), newest first."""
    query = (
        select(Embedding.vector)
        .join(Job, Job.id == Embedding.owner_id)
        .where(
            Embedding.owner_kind == "job",
            Embedding.model_id == model_id,
            Job.created_at < created_before,
        )
        .order_by(Job.created_at.desc())
        .limit(limit)
    )
    if created_from is not None:
        query = query.where(Job.created_at >= created_from)
    return [row[0] for row in session.execute(query)]
