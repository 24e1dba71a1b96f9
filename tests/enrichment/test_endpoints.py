"""The enrichment API on the real app and the per-session Postgres database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.api.main import create_app
from app.db.enrichment_models import JobEnrichment
from app.enrichment.evaluation import GoldSpan, load_records, score, store_result
from tests.api.conftest import api_settings, bearer
from tests.factories import make_company, make_job
from tests.jwt_tokens import BearerHeaders

TEXT = "Requirements: Python, K8s and Postgres.\nBenefits: free gym."


@pytest.fixture
def api(pg_engine: Engine, postgres_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(postgres_url))) as client:
        yield client


@pytest.fixture
def owned_job(pg_engine: Engine) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(owner user id, their job id, another company's job id)."""
    owner = uuid.uuid4()
    with Session(pg_engine) as session:
        mine = make_job(
            session, company=make_company(session, owner_user_id=owner), description=TEXT
        )
        theirs = make_job(session, description=TEXT)
        session.commit()
        return owner, mine.id, theirs.id


def test_company_enriches_text_without_storing(api: TestClient, pg_engine: Engine) -> None:
    response = api.post(
        "/api/v1/enrich/job", json={"text": TEXT}, headers=bearer(uuid.uuid4(), "company")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    names = {s["name"] for s in body["skills"]}
    assert {"Python", "Kubernetes", "PostgreSQL"} <= names
    assert body["enrichment_version"].startswith("enrichment_v")
    assert body["alias_stats"]["resolved"]["K8s"] == "Kubernetes"
    assert [s["label"] for s in body["sections"]] == ["requirements", "benefits"]
    assert body["stored"] is False
    with Session(pg_engine) as session:
        assert session.scalar(select(JobEnrichment.id)) is None


@pytest.mark.parametrize(
    ("headers", "status"),
    # Minted on every read: a token made at collection expires before a long suite gets here.
    [({}, 401), (BearerHeaders("talent"), 403), (BearerHeaders(None), 403)],
)
def test_only_companies_and_admins_may_enrich(
    api: TestClient, headers: dict[str, str], status: int
) -> None:
    assert (
        api.post("/api/v1/enrich/job", json={"text": TEXT}, headers=headers).status_code == status
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text or job_id"),
        ({"text": TEXT, "store": True}, "store requires job_id"),
        ({"text": ""}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": TEXT, "colour": 1}, "colour"),
    ],
)
def test_bad_bodies_are_422_naming_the_problem(api: TestClient, payload: dict, field: str) -> None:
    response = api.post("/api/v1/enrich/job", json=payload, headers=bearer(uuid.uuid4(), "admin"))
    assert response.status_code == 422
    assert field in response.text


def test_owner_stores_enrichment_of_own_job_only(
    api: TestClient, pg_engine: Engine, owned_job: tuple[uuid.UUID, uuid.UUID, uuid.UUID]
) -> None:
    owner, mine, theirs = owned_job
    headers = bearer(owner, "company")
    response = api.post(
        "/api/v1/enrich/job", json={"job_id": str(mine), "store": True}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["stored"] is True
    again = api.post(
        "/api/v1/enrich/job", json={"job_id": str(mine), "store": True}, headers=headers
    )
    assert again.status_code == 200
    with Session(pg_engine) as session:
        rows = list(session.scalars(select(JobEnrichment).where(JobEnrichment.job_id == mine)))
    assert len(rows) == 1
    refused = api.post(
        "/api/v1/enrich/job", json={"job_id": str(theirs), "store": True}, headers=headers
    )
    assert refused.status_code == 403
    missing = api.post(
        "/api/v1/enrich/job", json={"job_id": str(uuid.uuid4())}, headers=bearer(None, "admin")
    )
    assert missing.status_code == 404


def test_evaluation_results_are_listed(api: TestClient, pg_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "Java", "spans": [{"start": 0, "end": 4, "label": "knowledge"}]}\n')
    with Session(pg_engine) as session:
        store_result(
            session,
            score(load_records(path), [[GoldSpan(0, 4, "knowledge")]]),
            model_id="skills_extractor",
            model_version="skills_extraction_v1.0",
            strategies=["lexicon"],
            dataset_path=path,
        )
        session.commit()
    assert api.get("/api/v1/evaluation/results").status_code == 401
    response = api.get(
        "/api/v1/evaluation/results",
        params={"model_id": "skills_extractor"},
        headers=bearer(uuid.uuid4(), "talent"),
    )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["overall_f1"] == 1.0
    assert result["sample_count"] == 1
    bad = api.get(
        "/api/v1/evaluation/results",
        params={"model_id": "Bad-Id"},
        headers=bearer(uuid.uuid4(), "admin"),
    )
    assert bad.status_code == 422
