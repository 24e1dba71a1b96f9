"""One drift run at a time across replicas (`app.db.locks`, its own name so a long training
run never blocks drift): a second CronJob pod or timer exits with "already running" instead of
queueing."""

from __future__ import annotations

from sqlalchemy import Engine

from app.db.locks import HeldLock
from app.db.locks import try_acquire as _try_acquire


def try_acquire(engine: Engine) -> HeldLock | None:
    """The drift lock, or None when another run holds it."""
    return _try_acquire(engine, "drift")
