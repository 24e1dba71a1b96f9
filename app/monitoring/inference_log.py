"""The inference log's write path: a sampled, bounded record of what the model saw and said.

Cheap by construction, because it sits on the match request path: a request is sampled with
probability `inference_log_sample_rate`, and a sampled one draws
`inference_log_rows_per_request` rows at random from the whole short list the model scored
(not the shown top rows, whose scores are high by selection and would read as drift against
the training data). Drawn rows go to a bounded in-process buffer; the next match write flushes
the buffer as one multi-row INSERT in the request's transaction, so scoring itself never
touches the database. The buffer drops its oldest rows when no write comes for a long time.

Rows hold the feature vector, the score, the source, the model version and the time: no ids
and no text, because drift is a property of the population. `app drift prune` (and every drift
run) applies the retention and the row cap.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.core.enums import MatchSource
from app.db.base import utcnow
from app.monitoring import repository
from app.settings import get_settings

BUFFER_ROWS = 2000

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LoggedRow:
    created_at: datetime
    source: str
    model_version: str | None
    score: float
    features: list[float]


class InferenceSampler:
    """Draws rows from scored short lists into a bounded buffer and flushes it on demand."""

    def __init__(self, sample_rate: float, rows_per_request: int, seed: int | None = None) -> None:
        self.sample_rate = sample_rate
        self.rows_per_request = rows_per_request
        self._random = random.Random(seed)  # noqa: S311 (sampling, not security)
        self._buffer: deque[LoggedRow] = deque(maxlen=BUFFER_ROWS)
        self._guard = threading.Lock()

    def offer(
        self,
        features: FloatArray,
        scores: FloatArray,
        source: MatchSource,
        model_version: str | None,
    ) -> None:
        """Maybe keep a few rows of one scored short list; costs one random draw when not."""
        if len(scores) == 0 or self._random.random() >= self.sample_rate:
            return
        take = min(self.rows_per_request, len(scores))
        now = utcnow()
        with self._guard:
            rows = self._random.sample(range(len(scores)), take)
            for row in rows:
                self._buffer.append(
                    LoggedRow(
                        now,
                        source.value,
                        model_version,
                        float(scores[row]),
                        [float(v) for v in features[row]],
                    )
                )

    def drain(self) -> list[LoggedRow]:
        with self._guard:
            rows = list(self._buffer)
            self._buffer.clear()
        return rows

    def flush(self, session: Session) -> int:
        """Insert the buffered rows through `session` (flush only); how many were written."""
        rows = self.drain()
        if rows:
            repository.insert_rows(session, rows)
        return len(rows)


_sampler: InferenceSampler | None = None
_sampler_guard = threading.Lock()


def sampler() -> InferenceSampler:
    """The process's sampler, configured from settings on first use."""
    global _sampler
    with _sampler_guard:
        if _sampler is None:
            settings = get_settings()
            _sampler = InferenceSampler(
                settings.inference_log_sample_rate, settings.inference_log_rows_per_request
            )
        return _sampler
