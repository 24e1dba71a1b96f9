"""The weekly schedule, made to happen: every worker asks now and then whether training is due.

Asking is cheap (one registry row and one COUNT over the label query), and a run is started
only when the answer is yes, so the run history is not filled with "skipped" rows. Several
workers asking at once is harmless: the training lock lets one start and the others see 409
semantics (`TrainingInProgressError`) and carry on.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine

from app.db.session import session_scope
from app.logging import get_logger
from app.settings import Settings, get_settings
from app.training.errors import TrainingInProgressError
from app.training.pipeline import TrainingPipeline
from app.training.service import trigger_training

log = get_logger(__name__)


@dataclass
class TrainingScheduler:
    engine: Engine
    settings: Settings = field(default_factory=get_settings)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def check_once(self) -> uuid.UUID | None:
        """Start an unforced run if it is due; returns its id, or None."""
        pipeline = TrainingPipeline(self.engine, settings=self.settings)
        with session_scope(self.engine) as session:
            reason = pipeline.not_due_reason(session)
        if reason is not None:
            log.debug("training_not_due", reason=reason)
            return None
        try:
            return trigger_training(
                self.engine, force=False, triggered_by="scheduler", settings=self.settings
            )
        except TrainingInProgressError as exc:
            log.info("training_already_running", run_id=str(exc.run_id))
            return None

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check_once()
            except Exception:  # the database may be briefly away; ask again next time
                log.exception("training_schedule_check_failed")

    def start(self) -> None:
        """Begin asking every `training_check_minutes` (no thread when it is 0)."""
        minutes = self.settings.training_check_minutes
        if minutes <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, args=(minutes * 60.0,), name="training-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
