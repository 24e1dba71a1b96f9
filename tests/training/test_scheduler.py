"""The scheduler starts a run only when the schedule and the feedback volume say so."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import TrainingRun
from app.settings import Settings
from app.training.scheduler import TrainingScheduler
from tests.training.conftest import feedback_world


def _wait_finished(engine: Engine, timeout: float = 60.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as s:
            statuses = list(s.scalars(select(TrainingRun.status)))
        if "running" not in statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)


def test_starts_a_run_only_when_due(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, model_dir=tmp_path, training_min_new_samples=50)  # type: ignore[call-arg]
    scheduler = TrainingScheduler(engine, settings)
    assert scheduler.check_once() is None  # no feedback yet: nothing recorded either
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(TrainingRun)) == 0
        feedback_world(s)
        s.commit()
    assert scheduler.check_once() is not None
    assert _wait_finished(engine) == ["succeeded"]
    assert scheduler.check_once() is None  # trained just now: next due in 7 days


def test_zero_minutes_disables_the_thread(engine: Engine) -> None:
    scheduler = TrainingScheduler(engine, Settings(_env_file=None, training_check_minutes=0))  # type: ignore[call-arg]
    scheduler.start()
    assert scheduler._thread is None
    scheduler.stop()
