"""The whole learning loop on Postgres through the real API, and a broken active artifact.

Talents ask for matches (impressions are recorded), apply to jobs in their preferred industry
and dismiss the rest (feedback API), an admin triggers training (202, background run), the
new version is promoted, every worker's watcher swaps it in, and the next match request is
answered by it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.api.main import create_app
from app.db.models import Embedding
from app.ml import registry
from app.ml.embeddings import to_bytes
from app.settings import Settings
from app.training.watcher import ModelWatcher
from tests.factories import make_company, make_job, make_skill, make_talent
from tests.jwt_tokens import HS_SECRET, BearerHeaders, claims_for, hs256
from tests.training.conftest import corrupt, register_artifact

T2J = "/api/v1/match/talent-to-jobs"
INDUSTRIES = ("Software", "Finance", "Health", "Retail")
ADMIN = BearerHeaders("admin")


def _headers(sub: uuid.UUID, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {hs256(claims_for(sub, app_role=role))}"}


@dataclass
class Person:
    talent_id: uuid.UUID
    user: uuid.UUID
    preferred_company: uuid.UUID


def _settings(database_url: str, model_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "jwt_secret": HS_SECRET,
        "redis_url": None,
        "rate_limit": "100000/minute",
        "log_level": "WARNING",
        "model_dir": model_dir,
        "model_poll_seconds": 0.1,
        "matching_index_refresh_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def app_client(pg_engine: Engine, postgres_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(postgres_url, tmp_path / "models"))) as client:
        yield client


def _vector(rng: np.random.Generator) -> bytes:
    v = rng.normal(size=384).astype(np.float32)
    return to_bytes(v / np.linalg.norm(v))


def _world(
    engine: Engine, n_talents: int = 24, n_jobs: int = 24
) -> tuple[list[Person], dict[uuid.UUID, uuid.UUID]]:
    """Talents, and each job's company; every talent prefers one company's industry."""
    rng = np.random.default_rng(5)
    with Session(engine, expire_on_commit=False) as s:
        skill = make_skill(s)
        companies = [make_company(s, industry=ind) for ind in INDUSTRIES]
        jobs = [
            make_job(s, company=companies[i % len(companies)], skills=[(skill, True, 3)])
            for i in range(n_jobs)
        ]
        people = []
        for t in range(n_talents):
            company = companies[t % len(companies)]
            talent = make_talent(
                s, skills=[(skill, 3, 2.0)], preferred_industries=[company.industry]
            )
            assert talent.owner_user_id is not None
            people.append(Person(talent.id, talent.owner_user_id, company.id))
        owners = [("talent", p.talent_id) for p in people] + [("job", j.id) for j in jobs]
        for kind, owner in owners:
            s.add(
                Embedding(
                    owner_kind=kind,
                    owner_id=owner,
                    content_hash=uuid.uuid4().hex * 2,
                    model_id="all-MiniLM-L6-v2",
                    dim=384,
                    vector=_vector(rng),
                )
            )
        s.commit()
        return people, {j.id: j.company_id for j in jobs}


def _wait(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_feedback_to_training_to_serving(
    pg_engine: Engine, app_client: TestClient, tmp_path: Path
) -> None:
    with Session(pg_engine) as s:
        register_artifact(s, tmp_path / "initial", "v1.0", activate=True)
        s.commit()
    _wait(lambda: app_client.get("/api/v1/health").json()["model_version"] == "v1.0")
    people, company_of = _world(pg_engine)

    for person in people:
        headers = _headers(person.user, "talent")
        shown = app_client.post(
            T2J, json={"talent_id": str(person.talent_id), "limit": 12}, headers=headers
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["model_version"] == "v1.0"
        for match in shown.json()["matches"]:
            job_id = uuid.UUID(match["id"])
            kind = "apply" if company_of[job_id] == person.preferred_company else "dismiss"
            sent = app_client.post(
                "/api/v1/feedback",
                json={"talent_id": str(person.talent_id), "job_id": str(job_id), "type": kind},
                headers=headers,
            )
            assert sent.status_code in (200, 201), sent.text

    trigger = app_client.post("/api/v1/train/trigger", json={"force": True}, headers=ADMIN)
    assert trigger.status_code == 202
    run_id = trigger.json()["run_id"]
    runs: list[dict[str, Any]] = []
    _wait(
        lambda: (
            runs.append(app_client.get(f"/api/v1/train/runs/{run_id}", headers=ADMIN).json())
            or runs[-1]["status"] != "running"
        )
    )
    run = runs[-1]
    assert run["status"] == "succeeded", run["message"]
    assert run["promoted"], run["message"]
    new_version = run["candidate_version"]
    assert new_version == "v1.1"
    assert run["metrics"]["champion"]["version"] == "v1.0"

    _wait(lambda: app_client.get("/api/v1/health").json()["model_version"] == new_version)
    person = people[0]
    after = app_client.post(
        T2J,
        json={"talent_id": str(person.talent_id), "limit": 5},
        headers=_headers(person.user, "talent"),
    )
    assert after.status_code == 200
    assert after.json()["model_version"] == new_version
    top = [company_of[uuid.UUID(m["id"])] for m in after.json()["matches"]]
    assert top[:3] == [person.preferred_company] * 3

    rolled = app_client.post("/api/v1/models/v1.0/activate", headers=ADMIN)
    assert rolled.status_code == 200
    _wait(lambda: app_client.get("/api/v1/health").json()["model_version"] == "v1.0")


def test_corrupted_active_artifact_keeps_previous_and_health_says_so(
    pg_engine: Engine, app_client: TestClient, tmp_path: Path
) -> None:
    with Session(pg_engine, expire_on_commit=False) as s:
        register_artifact(s, tmp_path, "v1.0", activate=True)
        broken = register_artifact(s, tmp_path, "v1.1", activate=False)
        s.commit()
    _wait(lambda: app_client.get("/api/v1/health").json()["model_version"] == "v1.0")
    corrupt(broken.artifact_path)
    with Session(pg_engine) as s:
        registry.activate_version(s, "v1.1", actor="test")  # bypasses the API's verification
        s.commit()
    watcher = app_client.app.state.services.get(ModelWatcher)  # type: ignore[attr-defined]
    _wait(lambda: watcher.status.active_version == "v1.1")
    health = app_client.get("/api/v1/health").json()
    assert health["status"] == "degraded"
    assert health["model_version"] == "v1.0"
    assert health["fallback_active"] is False
    assert watcher.status.state == "degraded"
    assert "checksum" in (watcher.status.error or "")
