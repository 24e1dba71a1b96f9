"""One drift run at a time across replicas: the training lock's discipline, its own key.

Postgres: a session-level advisory lock on a dedicated connection for the whole run, dropped
by Postgres when the process dies. SQLite: an exclusive `flock` on `<database>.drift.lock`,
dropped by the kernel likewise. A lock that cannot be taken is answered at once: a second
CronJob pod or timer exits with "already running" instead of queueing (app/training/lock.py
explains the choice; the two stay separate so a long training run never blocks drift).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from app.logging import get_logger
from app.settings import get_settings

ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"talent_match.drift").digest()[:8], "big") >> 1

log = get_logger(__name__)

Release = Callable[[], None]


def lock_path(engine: Engine) -> Path:
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return Path(database).resolve().with_name(Path(database).name + ".drift.lock")
    return get_settings().model_dir / "drift.lock"


def try_acquire(engine: Engine) -> Release | None:
    """A function that releases the drift lock, or None when another run holds it."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        try:
            got = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
            )
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return None

        def release_advisory() -> None:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
            except Exception:
                # A connection that may still hold the lock must never go back to the pool.
                log.exception("drift_lock_unlock_failed")
                conn.invalidate()
            finally:
                conn.close()

        return release_advisory
    path = lock_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None

    def release_file() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return release_file
