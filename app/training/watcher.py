"""Each API worker follows the registry's active pointer and hot-swaps its in-memory model.

Why polling: it works the same on SQLite and Postgres, across processes and machines, and
the query is one indexed row (`is_active` for one model id) every few seconds. A worker that
misses a NOTIFY would drift; a worker that polls converges.

The swap is a reference replacement done only after the new model is completely loaded and
verified (sha256 against the registry and the artifact's own metadata, feature list against
the code), so a request that started on the old model finishes on it and the next one sees
the new model whole.

When the active artifact is missing or fails its checksum, the worker keeps the model it is
serving; if it serves none yet (a fresh start), it walks back through the activation history
to the newest version that loads. Either way it logs an error and reports `degraded` in its
status, which the health endpoint shows; with no loadable version at all it reports
`fallback`, and the rule-based matcher answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.session import session_scope
from app.logging import get_logger
from app.ml import registry
from app.ml.errors import ModelLoadError
from app.ml.matcher import MatchingModel
from app.training import repository

log = get_logger(__name__)

Loader = Callable[[Path, str], MatchingModel]
Swap = Callable[[MatchingModel], object]


def load_artifact(path: Path, sha256: str) -> MatchingModel:
    return MatchingModel.load(path, expected_sha256=sha256)


@dataclass(slots=True)
class WatcherStatus:
    """What health reports about the model: `ok`, `degraded` (serving an older version than
    the registry's active one), `fallback` (no model loaded) or `starting`."""

    model_id: str
    state: str = "starting"
    serving_version: str | None = None
    active_version: str | None = None
    error: str | None = None
    last_check_at: str | None = None
    last_swap_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Active:
    version: str
    artifact_path: str
    artifact_sha256: str


@dataclass
class ModelWatcher:
    engine: Engine
    swap: Swap
    model_id: str
    interval: float = 5.0
    loader: Loader = load_artifact
    status: WatcherStatus = field(init=False)
    _serving: _Active | None = field(default=None, init=False)
    _failed: set[tuple[str, str]] = field(default_factory=set, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        registry.validate_model_id(self.model_id)
        self.status = WatcherStatus(model_id=self.model_id)

    def _active_row(self, session: Session) -> _Active | None:
        row = repository.active_artifact(session, self.model_id)
        return None if row is None else _Active(row[0], row[1], row[2])

    def _try_load(self, target: _Active) -> MatchingModel | None:
        key = (target.version, target.artifact_sha256)
        try:
            model = self.loader(Path(target.artifact_path), target.artifact_sha256)
        except ModelLoadError as exc:
            if key not in self._failed:
                log.error(
                    "model_load_failed",
                    model_id=self.model_id,
                    version=target.version,
                    path=target.artifact_path,
                    error=str(exc),
                )
            self._failed.add(key)
            self.status.error = f"version {target.version} failed to load: {exc}"
            return None
        self._failed.discard(key)
        return model

    def _install(self, target: _Active, model: MatchingModel) -> None:
        self.swap(model)
        previous = self._serving.version if self._serving else None
        self._serving = target
        self.status.serving_version = target.version
        self.status.last_swap_at = _now()
        log.info("model_swapped", model_id=self.model_id, version=target.version, previous=previous)

    def _previous_good(self, session: Session, active: str | None) -> None:
        """Fresh worker whose active artifact is broken: serve the newest older version that
        loads, walking back through what was live before."""
        history = registry.activation_history(session, self.model_id)
        for version in reversed(history):
            if version == active:
                continue
            row = repository.version_artifact(session, version)
            if row is None:
                continue
            target = _Active(row[0], row[1], row[2])
            model = self._try_load(target)
            if model is not None:
                self._install(target, model)
                return

    def check_once(self) -> WatcherStatus:
        """One poll: load and swap if the active pointer moved; never raises for a bad model."""
        with self._check_lock, session_scope(self.engine) as session:
            active = self._active_row(session)
            self.status.active_version = active.version if active else None
            self.status.last_check_at = _now()
            if active is None:
                self.status.error = None if self._serving else "no active model version"
            elif self._serving is None or (
                (self._serving.version, self._serving.artifact_sha256)
                != (active.version, active.artifact_sha256)
            ):
                model = self._try_load(active)
                if model is not None:
                    self._install(active, model)
                    self.status.error = None
                elif self._serving is None:
                    error = self.status.error
                    self._previous_good(session, active.version)
                    self.status.error = error
            self.status.state = self._state(active)
            return WatcherStatus(**self.status.as_dict())

    def _state(self, active: _Active | None) -> str:
        if self._serving is None:
            return "fallback"
        if active is not None and self._serving.version != active.version:
            return "degraded"
        return "ok"

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception as exc:  # the database may be briefly away; keep serving
                self.status.error = f"registry poll failed: {exc}"
                log.exception("model_watch_poll_failed", model_id=self.model_id)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"model-watcher-{self.model_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _now() -> str:
    return datetime.now(UTC).isoformat()
