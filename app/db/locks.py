"""Named locks that admit one holder across every worker and machine sharing the database.

- Postgres: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection for as long as the holder runs. If the process dies, its connection closes and
  Postgres drops the lock, so a crash can never wedge the job it guards.
- SQLite (one machine by nature): an exclusive `flock` on a file next to the database file
  (`<db>.<name>.lock`, or `<model_dir>/<name>.lock` for an in-memory database). The kernel
  releases it when the process dies, for the same reason.

A lock that cannot be taken is answered at once (never waits): training answers 409 with the
run that holds it, a second drift CronJob pod exits with "already running". Each job has its
own name, so a long training run never blocks a drift run.
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

log = get_logger(__name__)


class HeldLock(Protocol):
    kind: str

    def release(self) -> None: ...


def advisory_key(name: str) -> int:
    """A fixed 63-bit key derived from the name, so no other advisory lock user collides by
    accident."""
    return int.from_bytes(hashlib.sha256(f"talent_match.{name}".encode()).digest()[:8], "big") >> 1


class _AdvisoryLock:
    kind = "postgres_advisory_lock"

    def __init__(self, conn: Connection, name: str) -> None:
        self._conn = conn
        self._name = name
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if self._released:
                return
            self._released = True
        try:
            key = advisory_key(self._name)
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            self._conn.commit()
        except Exception:
            # A connection that may still hold the lock must never go back to the pool.
            log.exception("lock_unlock_failed", lock=self._name)
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


def sqlite_lock_path(engine: Engine, name: str) -> Path:
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return Path(database).resolve().with_name(f"{Path(database).name}.{name}.lock")
    return get_settings().model_dir / f"{name}.lock"


def try_acquire(engine: Engine, name: str) -> HeldLock | None:
    """The lock called `name`, or None when another holder has it."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        try:
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(name)}
                ).scalar()
            )
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return None
        return _AdvisoryLock(conn, name)
    path = sqlite_lock_path(engine, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return _FileLock(fd, path)
