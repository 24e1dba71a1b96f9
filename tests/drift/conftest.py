"""Drift test helpers: an active tiny model with its reference, a local webhook server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from app.db.models import MLModelVersion
from app.ml import registry
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import MODEL_FILE, MatchingModel, ModelMetadata, fit_booster, sha256_file
from app.ml.reference import ReferenceSample
from app.settings import Settings


def drift_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "drift_report_dir": tmp_path / "reports",
        "drift_min_samples": 100,
        "drift_webhook_retries": 2,
        "drift_webhook_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def reference_model(version: str, rows: int = 1500, seed: int = 0) -> MatchingModel:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, len(FEATURE_NAMES)))
    booster = fit_booster(x, 100.0 * x[:, 0], params={"min_data_in_leaf": 5}, num_boost_round=5)
    model = MatchingModel(booster, ModelMetadata(version=version))
    model.reference_ = ReferenceSample.draw(x, model.predict(x), cap=1000)
    return model


def register_reference_model(session: Session, root: Path, version: str = "v1.0") -> MLModelVersion:
    directory = root / version
    reference_model(version).save(directory)
    row = registry.register_version(
        session,
        model_id="talent_matcher",
        version=version,
        metrics={},
        params={},
        feature_list=list(FEATURE_NAMES),
        artifact_path=str(directory),
        artifact_sha256=sha256_file(directory / MODEL_FILE),
        train_rows=1500,
        valid_rows=0,
        data_hash=None,
        training_window_start=None,
        training_window_end=None,
        created_by="test",
        activate=True,
    )
    session.flush()
    return row


class Webhook:
    """A local Slack-compatible webhook answering the given statuses in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length)))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[type[Webhook]]:
    made: list[Webhook] = []

    class Factory(Webhook):
        def __init__(self, statuses: list[int]) -> None:
            super().__init__(statuses)
            made.append(self)

    yield Factory
    for hook in made:
        hook.close()
