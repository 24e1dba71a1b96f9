"""Admin training endpoints through the real app: auth, 202/409, run status, list, activate."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.api.main import create_app
from app.ml import registry
from app.settings import Settings
from app.training.pipeline import start_run
from tests.jwt_tokens import HS_SECRET, BearerHeaders
from tests.training.conftest import corrupt, feedback_world, register_artifact

ADMIN = BearerHeaders("admin")
TALENT = BearerHeaders("talent")


@pytest.fixture
def make_client(engine: Engine, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": engine.url.render_as_string(hide_password=False),
            "jwt_secret": HS_SECRET,
            "redis_url": None,
            "rate_limit": "10000/minute",
            "log_level": "WARNING",
            "model_dir": tmp_path / "models",
        }
        values.update(overrides)
        client = TestClient(create_app(Settings(_env_file=None, **values)))  # type: ignore[call-arg]
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def wait_for_run(client: TestClient, run_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/train/runs/{run_id}", headers=ADMIN).json()
        if body["status"] != "running" or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/train/trigger"),
        ("get", f"/api/v1/train/runs/{uuid.uuid4()}"),
        ("get", "/api/v1/models"),
        ("post", "/api/v1/models/v1.0/activate"),
    ],
)
def test_admin_only(client: TestClient, method: str, path: str) -> None:
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers=TALENT).status_code == 403


def test_trigger_without_enough_feedback_is_skipped(client: TestClient) -> None:
    response = client.post("/api/v1/train/trigger", json={"force": False}, headers=ADMIN)
    assert response.status_code == 202
    run = wait_for_run(client, response.json()["run_id"])
    assert run["status"] == "skipped"
    assert run["outcome"] == "skipped"
    assert "too little new feedback" in run["message"]
    assert [(st["stage"], st["state"]) for st in run["stages"]] == [
        ("labels", "stopped"),
        ("training", "not_reached"),
        ("evaluation", "not_reached"),
        ("gate", "not_reached"),
    ]
    assert client.get("/api/v1/models", headers=ADMIN).json()["versions"] == []


def test_a_forced_run_says_which_floor_force_does_not_lift(client: TestClient) -> None:
    response = client.post("/api/v1/train/trigger", json={"force": True}, headers=ADMIN)
    run = wait_for_run(client, response.json()["run_id"])
    assert run["forced"] is True
    assert run["outcome"] == "skipped"
    assert "need at least 20 to train" in run["message"]
    assert "force lifts only the weekly schedule and the new-feedback minimum" in run["message"]
    labels = run["stages"][0]
    assert labels == {
        "stage": "labels",
        "state": "stopped",
        "numbers": {"new_samples": 0, "labelled_samples": 0, "seed_rows": None},
    }
    spec = client.get("/openapi.json").json()["components"]["schemas"]["TriggerRequest"]
    assert "lifts only those two rules" in spec["properties"]["force"]["description"]


def test_trigger_trains_and_the_version_is_listed(engine: Engine, client: TestClient) -> None:
    with Session(engine) as s:
        feedback_world(s)
        s.commit()
    response = client.post("/api/v1/train/trigger", json={"force": True}, headers=ADMIN)
    assert response.status_code == 202
    run = wait_for_run(client, response.json()["run_id"])
    assert run["status"] == "succeeded", run["message"]
    assert run["promoted"] is True
    assert run["outcome"] == "promoted"
    assert run["metrics"]["ndcg_at_10"] > 0
    stages = {st["stage"]: st for st in run["stages"]}
    assert [st["state"] for st in run["stages"]] == ["done"] * 4
    assert stages["labels"]["numbers"]["labelled_samples"] > 20
    assert stages["training"]["numbers"]["train_rows"] > stages["training"]["numbers"]["valid_rows"]
    assert stages["evaluation"]["numbers"]["candidate_ndcg_at_10"] == run["metrics"]["ndcg_at_10"]
    assert stages["evaluation"]["numbers"]["champion"] == "fallback"
    assert stages["gate"]["numbers"]["promoted"] is True
    versions = client.get("/api/v1/models", headers=ADMIN).json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [("v1.0", "active")]
    assert versions[0]["headline"]["ndcg_at_10"] == run["metrics"]["ndcg_at_10"]
    assert versions[0]["activatable"] is False
    assert versions[0]["train_rows"] > 0
    assert "artifact_path" not in versions[0]


def test_second_trigger_gets_409_with_the_running_id(engine: Engine, client: TestClient) -> None:
    run_id, lock = start_run(engine, force=True, triggered_by="elsewhere")
    try:
        response = client.post("/api/v1/train/trigger", json={"force": True}, headers=ADMIN)
    finally:
        lock.release()
    assert response.status_code == 409
    body = response.json()
    assert body["running_run_id"] == str(run_id)
    assert body["error"]["code"] == "training_in_progress"


def test_unknown_run_is_404_and_bad_id_is_422(client: TestClient) -> None:
    assert client.get(f"/api/v1/train/runs/{uuid.uuid4()}", headers=ADMIN).status_code == 404
    bad = client.get("/api/v1/train/runs/not-a-uuid", headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "run_id"


def test_trigger_refuses_unknown_fields(client: TestClient) -> None:
    response = client.post("/api/v1/train/trigger", json={"forse": True}, headers=ADMIN)
    assert response.status_code == 422


def test_rollback_and_roll_forward_via_api(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.0", activate=True)
        register_artifact(s, tmp_path, "v1.1", activate=True)
        broken = register_artifact(s, tmp_path, "v1.2", activate=False)
        s.commit()
    back = client.post("/api/v1/models/v1.0/activate", headers=ADMIN)
    assert back.status_code == 200
    assert back.json()["status"] == "active"
    with Session(engine) as s:
        assert registry.active_version(s, "talent_matcher").version == "v1.0"  # type: ignore[union-attr]
    assert client.post("/api/v1/models/v1.1/activate", headers=ADMIN).status_code == 200

    corrupt(broken.artifact_path)
    refused = client.post("/api/v1/models/v1.2/activate", headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "artifact_invalid"
    assert client.post("/api/v1/models/v9.9/activate", headers=ADMIN).status_code == 404
    bad = client.post("/api/v1/models/1.0/activate", headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "version"
    with Session(engine) as s:
        assert registry.active_version(s, "talent_matcher").version == "v1.1"  # type: ignore[union-attr]


def test_model_list_shows_every_version_s_metrics_and_where_activation_is_accepted(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as s:
        initial = register_artifact(s, tmp_path, "v1.0", activate=True)
        initial.metrics = {
            "model": {"ndcg_at_10": 0.71, "rmse": 9.0},
            "random": {"ndcg_at_10": 0.3},
        }
        register_artifact(s, tmp_path, "v1.1", activate=False)
        register_artifact(s, tmp_path, "v1.2", activate=False)
        registry.reject_version(s, "v1.2", actor="test", reason="below the promotion margin")
        broken = register_artifact(s, tmp_path, "v1.3", activate=False)
        s.commit()
    corrupt(broken.artifact_path)
    versions = {
        v["version"]: v for v in client.get("/api/v1/models", headers=ADMIN).json()["versions"]
    }
    assert versions["v1.0"]["headline"] == {
        "ndcg_at_10": 0.71,
        "auc": None,
        "calibration_error": None,
    }
    assert versions["v1.1"]["headline"]["ndcg_at_10"] == 0.5
    flags = {k: (v["activatable"], v["activation_blocked_reason"]) for k, v in versions.items()}
    assert flags["v1.1"] == (True, None)
    assert flags["v1.0"][0] is False
    assert "already the active one" in flags["v1.0"][1]
    assert flags["v1.2"][0] is False
    assert "rejected by its promotion gate" in flags["v1.2"][1]
    assert flags["v1.3"][0] is False
    assert "checksum" in flags["v1.3"][1]
    # The flag is the server's own rule: refused exactly where it says so.
    assert client.post("/api/v1/models/v1.2/activate", headers=ADMIN).status_code == 409
    assert client.post("/api/v1/models/v1.3/activate", headers=ADMIN).status_code == 409
    activated = client.post("/api/v1/models/v1.1/activate", headers=ADMIN)
    assert activated.status_code == 200
    assert activated.json()["activatable"] is False
    after = {
        v["version"]: v for v in client.get("/api/v1/models", headers=ADMIN).json()["versions"]
    }
    assert after["v1.0"]["activatable"] is True
