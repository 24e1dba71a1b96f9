"""One training run at a time, across every worker and machine that shares the database.

- Postgres: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection for the whole run. If the process dies, its connection closes and Postgres drops
  the lock, so a crash can never wedge training.
- SQLite (one machine by nature): an exclusive `flock` on a file next to the database file
  (`<db>.training.lock`, or `<model_dir>/training.lock` for an in-memory database). The kernel
  releases it when the process dies, for the same reason.

A lock that cannot be taken is answered at once (never waits): the caller reports 409 with
the id of the run that holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

from app.logging import get_logger
from app.settings import get_settings

# A fixed 63-bit key derived from a name, so no other advisory lock user collides by accident.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"talent_match.training").digest()[:8], "big") >> 1

log = get_logger(__name__)


class TrainingLock(Protocol):
    kind: str

    def release(self) -> None: ...


class _AdvisoryLock:
    kind = "postgres_advisory_lock"

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._released:
                return
            self._released = True
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            self._conn.commit()
        except Exception:
            # A connection that may still hold the lock must never go back to the pool.
            log.exception("training_lock_unlock_failed")
            self._conn.invalidate()
        finally:
            self._conn.close()


class _FileLock:
    kind = "sqlite_file_lock"

    def __init__(self, fd: int, path: Path) -> None:
        self._fd = fd
        self.path = path
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._released:
                return
            self._released = True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)


def sqlite_lock_path(engine: Engine) -> Path:
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return Path(database).resolve().with_name(Path(database).name + ".training.lock")
    return get_settings().model_dir / "training.lock"


def try_acquire(engine: Engine) -> TrainingLock | None:
    """The training lock, or None when another run holds it."""
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
        return _AdvisoryLock(conn)
    path = sqlite_lock_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return _FileLock(fd, path)
