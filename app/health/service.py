"""What the probes report that no other domain owns: how long this app has been up, and the
database facts they share for a second or two."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.health.repository import database_reachable, trained_at


@dataclass(frozen=True, slots=True)
class Uptime:
    """Created with the app; `seconds` is measured on the monotonic clock (immune to NTP)."""

    started_at: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started_at


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """What the probes learn from the database: whether it answers, and when `version` (the
    model this worker serves) was trained."""

    reachable: bool
    version: str | None
    last_trained: datetime | None


class ProbeCache:
    """The probes' database facts, reused for `ttl` seconds per process, single-flight.

    Probes are unauthenticated and exempt from the rate limit (an orchestrator must always
    reach them), so without this every probe was a database round trip any client could
    multiply. Now a flood costs at most one query per interval: the first caller after expiry
    queries while concurrent callers wait on the lock and then share its answer. A change of
    the served version invalidates at once (a promotion shows on the next probe).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._facts: DatabaseFacts | None = None
        self._at = -math.inf

    def _fresh(self, version: str | None) -> DatabaseFacts | None:
        facts = self._facts
        if facts is None or facts.version != version:
            return None
        return facts if time.monotonic() - self._at < self.ttl else None

    def peek(self, version: str | None) -> DatabaseFacts | None:
        """The cached facts while fresh, without waiting: the probes' fast path."""
        return self._fresh(version)

    def get(
        self, version: str | None, compute: Callable[[str | None], DatabaseFacts]
    ) -> DatabaseFacts:
        if (facts := self._fresh(version)) is not None:
            return facts
        with self._lock:
            if (facts := self._fresh(version)) is not None:
                return facts
            facts = compute(version)
            self._facts, self._at = facts, time.monotonic()
            return facts


def read_database_facts(factory: sessionmaker[Session], version: str | None) -> DatabaseFacts:
    """One short session: `SELECT 1`, then the served version's training time if it answered."""
    with factory() as session:
        reachable = database_reachable(session)
        last_trained = trained_at(session, version) if reachable else None
    return DatabaseFacts(reachable=reachable, version=version, last_trained=last_trained)
