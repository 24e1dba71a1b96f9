"""`tm_drift_score` and `tm_drift_alert` on /metrics, read from the newest finished drift run.

A drift run happens in whatever process runs `app drift report` (a CronJob pod, a timer), and
no scraper sees that process's memory; the table is what every API worker shares. So each
scrape reads the newest succeeded run, at most once per `cache_seconds` per process, and
a database that cannot answer leaves the two series out (a scrape never fails for them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.drift import repository
from app.logging import get_logger

log = get_logger(__name__)

SCORE = "tm_drift_score"
ALERT = "tm_drift_alert"
CACHE_SECONDS = 30.0


class DriftCollector(Collector):
    def __init__(
        self, sessions: sessionmaker[Session], cache_seconds: float = CACHE_SECONDS
    ) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self._cached: tuple[float, tuple[float, bool, str | None] | None] | None = None
        self._guard = threading.Lock()

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(SCORE, ""), GaugeMetricFamily(ALERT, "")]

    def _newest(self) -> tuple[float, bool, str | None] | None:
        with self._guard:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            try:
                with self.sessions() as session:
                    newest = repository.newest_scored_run(session)
            except SQLAlchemyError as exc:
                log.warning("drift_metrics_unavailable", error=type(exc).__name__)
                return None
            self._cached = (now, newest)
            return newest

    def collect(self) -> Iterable[Metric]:
        newest = self._newest()
        if newest is None:
            return
        score, alerted, version = newest
        labels = ["model_version"]
        gauge = GaugeMetricFamily(
            SCORE, "Overall drift score (0-1) of the newest drift run.", labels=labels
        )
        gauge.add_metric([version or "none"], score)
        alert = GaugeMetricFamily(
            ALERT, "1 when the newest drift run's score exceeded its threshold.", labels=labels
        )
        alert.add_metric([version or "none"], 1.0 if alerted else 0.0)
        yield gauge
        yield alert
