"""SQL of the probes: whether the database answers, and when the served model was trained.

A probe must answer even when the database does not, so both catch SQLAlchemy errors, log
them and roll the session back (leaving it usable, and the request's commit a no-op).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db.models import MLModelVersion
from app.logging import get_logger

log = get_logger(__name__)


def database_reachable(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("database_unreachable", error=str(exc))
        session.rollback()
        return False
    return True


def trained_at(session: Session, version: str | None) -> datetime | None:
    """`trained_at` of the registry row of `version`; None without a version or a database."""
    if version is None:
        return None
    try:
        return session.scalar(
            select(MLModelVersion.trained_at).where(MLModelVersion.version == version)
        )
    except SQLAlchemyError:
        session.rollback()
        return None
