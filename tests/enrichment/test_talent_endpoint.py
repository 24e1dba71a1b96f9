"""POST /api/v1/enrich/talent on the real app and the per-session Postgres database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.api.main import create_app
from app.db.models import Skill, Talent, TalentSkill
from app.enrichment.schemas import MAX_TEXT_CHARS
from tests.api.conftest import api_settings, bearer
from tests.jwt_tokens import BearerHeaders

URL = "/api/v1/enrich/talent"
RESUME = """Alex Kim
## Experience
Senior Backend Engineer, Acme Corp
Jan 2019 – Present
- Python and PostgreSQL services on Kubernetes.

Software Engineer at Foo Inc | 06/2015 - 12/2018
- Java microservices.

## Education
Master of Science in Computer Science, 2013 - 2015
"""


@pytest.fixture
def api(pg_engine: Engine, postgres_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(postgres_url))) as client:
        yield client


def _counts(engine: Engine) -> tuple[int | None, ...]:
    with Session(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t))
            for t in (Talent, TalentSkill, Skill)
        )


def test_a_talent_parses_a_resume_and_nothing_is_stored(api: TestClient, pg_engine: Engine) -> None:
    before = _counts(pg_engine)
    response = api.post(URL, json={"text": RESUME}, headers=bearer(uuid.uuid4(), "talent"))
    assert response.status_code == 200, response.text
    body = response.json()
    names = {s["name"] for s in body["skills"]}
    assert {"Python", "PostgreSQL", "Kubernetes", "Java"} <= names
    python = next(s for s in body["skills"] if s["name"] == "Python")
    assert python["years"] is not None
    assert python["years"] > 5
    years = body["years_experience"]
    assert years["source"] == "date_ranges"
    assert years["value"] > 9
    assert 0 < years["confidence"] <= 1
    assert body["seniority"]["value"] == "senior"
    assert body["education"]["value"] == "master"
    assert body["headline"]["value"] == "Senior Backend Engineer"
    assert [e["current"] for e in body["experiences"]] == [True, False]
    assert body["experiences"][1] == {
        "title": "Software Engineer",
        "start": "2015-06",
        "end": "2018-12",
        "current": False,
        "years": 3.58,
    }
    assert body["enrichment_version"].startswith("enrichment_v")
    assert len(body["occupations"]) <= 3
    if not body["occupations"]:
        assert any("occupation inference unavailable" in n for n in body["notes"])
    assert 0.5 < body["confidence"] <= 1
    assert _counts(pg_engine) == before


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (BearerHeaders(None), 403),
        (BearerHeaders("company"), 200),
        (BearerHeaders("admin"), 200),
    ],
)
def test_any_signed_in_role_may_parse(
    api: TestClient, headers: dict[str, str], status: int
) -> None:
    assert api.post(URL, json={"text": "Python developer"}, headers=headers).status_code == status


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"text": RESUME, "store": True}, "store"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(
    api: TestClient, payload: dict[str, Any], field: str
) -> None:
    response = api.post(URL, json=payload, headers=bearer(uuid.uuid4(), "talent"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.text


def test_a_200_kb_text_is_refused_like_enrich_job(api: TestClient) -> None:
    text = "Python developer. " * (200_000 // 18)
    talent = api.post(URL, json={"text": text}, headers=bearer(uuid.uuid4(), "admin"))
    job = api.post("/api/v1/enrich/job", json={"text": text}, headers=bearer(uuid.uuid4(), "admin"))
    assert talent.status_code == job.status_code
    assert talent.status_code == 413  # the body limit (settings.max_body_bytes) comes first
    assert talent.json()["error"]["code"] == job.json()["error"]["code"] == "payload_too_large"


def test_another_language_is_200_with_low_confidence(api: TestClient) -> None:
    text = (
        "Berufserfahrung: Ich arbeite seit vielen Jahren als Verkäuferin bei einer großen Firma "
        "und kümmere mich um die Kundschaft und die Abläufe im Lager."
    )
    response = api.post(URL, json={"text": text}, headers=bearer(uuid.uuid4(), "talent"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["confidence"] <= 0.2
    assert any("little was recognised" in n for n in body["notes"])
