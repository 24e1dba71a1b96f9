"""Workers follow the active pointer, refuse broken artifacts and keep a good model serving."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.ml import registry
from app.ml.matcher import MatchingModel
from app.training.watcher import ModelWatcher
from tests.training.conftest import corrupt, register_artifact


class Holder:
    """Stands in for the service's engine state: remembers what it was given to serve."""

    def __init__(self) -> None:
        self.model: MatchingModel | None = None

    def swap(self, model: MatchingModel) -> None:
        self.model = model


def _watcher(engine: Engine, holder: Holder) -> ModelWatcher:
    return ModelWatcher(engine=engine, swap=holder.swap, model_id="talent_matcher", interval=0.05)


def test_follows_the_active_pointer(engine: Engine, tmp_path: Path) -> None:
    holder = Holder()
    watcher = _watcher(engine, holder)
    assert watcher.check_once().state == "fallback"
    with Session(engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.0", activate=True)
        s.commit()
    status = watcher.check_once()
    assert (status.state, status.serving_version) == ("ok", "v1.0")
    assert holder.model is not None
    assert holder.model.version == "v1.0"
    with Session(engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.1", activate=True)
        s.commit()
    assert watcher.check_once().serving_version == "v1.1"
    with Session(engine, expire_on_commit=False) as s:
        registry.rollback(s, "talent_matcher", actor="admin")
        s.commit()
    assert watcher.check_once().serving_version == "v1.0"
    assert holder.model.version == "v1.0"


def test_corrupted_active_keeps_previous_and_reports_degraded(
    engine: Engine, tmp_path: Path
) -> None:
    holder = Holder()
    watcher = _watcher(engine, holder)
    with Session(engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.0", activate=True)
        s.commit()
    watcher.check_once()
    with Session(engine, expire_on_commit=False) as s:
        bad = register_artifact(s, tmp_path, "v1.1", activate=False)
        corrupt(bad.artifact_path)
        registry.activate_version(s, "v1.1", actor="admin")
        s.commit()
    status = watcher.check_once()
    assert status.state == "degraded"
    assert status.serving_version == "v1.0"
    assert status.active_version == "v1.1"
    assert status.error is not None
    assert "checksum" in status.error
    assert holder.model is not None
    assert holder.model.version == "v1.0"


def test_fresh_worker_loads_the_previous_good_version(engine: Engine, tmp_path: Path) -> None:
    with Session(engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.0", activate=True)
        broken = register_artifact(s, tmp_path, "v1.1", activate=True)
        s.commit()
    shutil.rmtree(broken.artifact_path)
    holder = Holder()
    status = _watcher(engine, holder).check_once()
    assert (status.state, status.serving_version) == ("degraded", "v1.0")
    assert status.error is not None
    assert "v1.1" in status.error
    assert holder.model is not None


def test_no_loadable_version_reports_fallback(engine: Engine, tmp_path: Path) -> None:
    with Session(engine, expire_on_commit=False) as s:
        only = register_artifact(s, tmp_path, "v1.0", activate=True)
        s.commit()
    corrupt(only.artifact_path)
    holder = Holder()
    status = _watcher(engine, holder).check_once()
    assert status.state == "fallback"
    assert holder.model is None


def test_repaired_artifact_is_picked_up_on_a_later_poll(engine: Engine, tmp_path: Path) -> None:
    holder = Holder()
    watcher = _watcher(engine, holder)
    with Session(engine, expire_on_commit=False) as s:
        good = register_artifact(s, tmp_path, "v1.0", activate=True)
        s.commit()
    backup = tmp_path / "backup"
    shutil.copytree(good.artifact_path, backup)
    corrupt(good.artifact_path)
    assert watcher.check_once().state == "fallback"
    shutil.rmtree(good.artifact_path)
    shutil.copytree(backup, good.artifact_path)
    assert watcher.check_once().state == "ok"


def test_background_thread_swaps_without_being_asked(sqlite_engine: Engine, tmp_path: Path) -> None:
    holder = Holder()
    watcher = _watcher(sqlite_engine, holder)
    watcher.start()
    try:
        with Session(sqlite_engine, expire_on_commit=False) as s:
            register_artifact(s, tmp_path, "v1.0", activate=True)
            s.commit()
        deadline = time.monotonic() + 10
        while holder.model is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holder.model is not None
    finally:
        watcher.stop()
        from tests.conftest import clean_tables

        clean_tables(sqlite_engine)
