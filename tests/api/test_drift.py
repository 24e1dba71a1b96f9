"""GET /api/v1/drift/runs and each run's HTML report: admins only, files from the report folder."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from app.db.monitoring_models import DriftRun
from app.drift.service import run_drift
from tests.api.conftest import bearer
from tests.drift.conftest import drift_settings, register_reference_model
from tests.drift.test_service import log_rows
from tests.jwt_tokens import BearerHeaders

ADMIN = BearerHeaders("admin")


@pytest.fixture
def drift_run(pg_engine: Engine, tmp_path: Path) -> uuid.UUID:
    with Session(pg_engine) as session:
        register_reference_model(session, tmp_path / "models")
        session.commit()
    log_rows(pg_engine, 400, shift=0.5)
    outcome = run_drift(
        pg_engine, window=timedelta(days=7), triggered_by="test", settings=drift_settings(tmp_path)
    )
    return outcome.run_id


def test_admins_list_runs_with_score_features_and_report_link(
    make_client: Callable[..., TestClient], drift_run: uuid.UUID, tmp_path: Path
) -> None:
    client = make_client(drift_report_dir=tmp_path / "reports")
    body = client.get("/api/v1/drift/runs", headers=ADMIN).json()
    [run] = body["runs"]
    assert run["id"] == str(drift_run)
    assert run["status"] == "succeeded"
    assert run["alerted"] is True
    assert run["overall_score"] > run["threshold"]
    assert run["overall_metric"] == "psi:missing_required_skills"
    assert run["top_features"][0]["status"] == "drift"
    assert run["report_url"] == f"/api/v1/drift/runs/{drift_run}/report"
    page = client.get(run["report_url"], headers=ADMIN)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "ALERT" in page.text


@pytest.mark.parametrize("role", ["talent", "company", None])
def test_nobody_else_sees_runs_or_reports(
    make_client: Callable[..., TestClient], drift_run: uuid.UUID, tmp_path: Path, role: str | None
) -> None:
    client = make_client(drift_report_dir=tmp_path / "reports")
    headers = bearer(uuid.uuid4(), role)
    assert client.get("/api/v1/drift/runs", headers=headers).status_code == 403
    report = client.get(f"/api/v1/drift/runs/{drift_run}/report", headers=headers)
    assert report.status_code == 403
    assert "<svg" not in report.text


def test_unknown_runs_and_reports_outside_the_report_folder_are_404(
    make_client: Callable[..., TestClient],
    drift_run: uuid.UUID,
    pg_engine: Engine,
    tmp_path: Path,
) -> None:
    client = make_client(drift_report_dir=tmp_path / "reports")
    missing = client.get(f"/api/v1/drift/runs/{uuid.uuid4()}/report", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "drift_run_not_found"
    secret = tmp_path / "secret.html"
    secret.write_text("not a report")
    with Session(pg_engine) as session:
        session.execute(
            update(DriftRun).where(DriftRun.id == drift_run).values(report_path=str(secret))
        )
        session.commit()
    assert client.get(f"/api/v1/drift/runs/{drift_run}/report", headers=ADMIN).status_code == 404
