"""One training run at a time, across every worker and machine that shares the database
(`app.db.locks`: a Postgres advisory lock or a SQLite file lock, answered at once)."""

from __future__ import annotations

from sqlalchemy import Engine

from app.db.locks import HeldLock as TrainingLock
from app.db.locks import try_acquire as _try_acquire

__all__ = ["TrainingLock", "try_acquire"]


def try_acquire(engine: Engine) -> TrainingLock | None:
    """The training lock, or None when another run holds it."""
    return _try_acquire(engine, "training")
