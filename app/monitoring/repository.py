"""All SQL of the inference log: the multi-row insert, the window read, and pruning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Result, delete, func, insert, select
from sqlalchemy.orm import Session

from app.db.base import uuid7
from app.db.monitoring_models import InferenceLogRow

if TYPE_CHECKING:
    from app.monitoring.inference_log import LoggedRow


def insert_rows(session: Session, rows: Sequence[LoggedRow]) -> None:
    session.execute(
        insert(InferenceLogRow),
        [
            {
                "id": uuid7(),
                "created_at": r.created_at,
                "source": r.source,
                "model_version": r.model_version,
                "score": r.score,
                "features": r.features,
            }
            for r in rows
        ],
    )
    session.flush()


def window_rows(
    session: Session, model_version: str, start: datetime, end: datetime, limit: int
) -> list[tuple[float, list[float]]]:
    """(score, features) of the model version's rows in [start, end), newest `limit` first."""
    rows = session.execute(
        select(InferenceLogRow.score, InferenceLogRow.features)
        .where(
            InferenceLogRow.model_version == model_version,
            InferenceLogRow.created_at >= start,
            InferenceLogRow.created_at < end,
        )
        .order_by(InferenceLogRow.created_at.desc())
        .limit(limit)
    )
    return [(float(score), list(features)) for score, features in rows]


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def prune(session: Session, older_than: datetime, max_rows: int) -> int:
    """Delete rows older than `older_than`, then the oldest beyond `max_rows`; rows deleted."""
    deleted = _rowcount(
        session.execute(delete(InferenceLogRow).where(InferenceLogRow.created_at < older_than))
    )
    total = session.scalar(select(func.count()).select_from(InferenceLogRow)) or 0
    if total > max_rows:
        # Ids are UUIDv7, ordered by creation time and unique, so this keeps exactly max_rows.
        cutoff = session.scalar(
            select(InferenceLogRow.id).order_by(InferenceLogRow.id.desc()).offset(max_rows).limit(1)
        )
        if cutoff is not None:
            deleted += _rowcount(
                session.execute(delete(InferenceLogRow).where(InferenceLogRow.id <= cutoff))
            )
    session.flush()
    return deleted
