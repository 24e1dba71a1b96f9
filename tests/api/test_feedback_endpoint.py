"""POST /api/v1/feedback over HTTP: idempotent 200s and who may send what about whom."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import Match, MatchFeedback
from tests.api.conftest import World

URL = "/api/v1/feedback"


def feedback_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(MatchFeedback)) or 0)


def show(engine: Engine, talent_id: uuid.UUID, job_id: uuid.UUID) -> None:
    with Session(engine) as session:
        session.add(Match(talent_id=talent_id, job_id=job_id, ml_score=50.0, source="fallback"))
        session.commit()


def test_same_feedback_twice_is_200_both_times_and_one_row(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    body = {"talent_id": str(world.talent_a), "job_id": str(world.job_a), "type": "apply"}
    first = client.post(URL, json=body, headers=world.headers("talent_a"))
    second = client.post(URL, json=body, headers=world.headers("talent_a"))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["created"] is True
    assert second.json()["created"] is False
    assert first.json()["id"] == second.json()["id"]
    assert feedback_rows(pg_engine) == 1


@pytest.mark.parametrize(
    ("who", "talent", "job", "kind", "expected"),
    [
        ("talent_a", "talent_a", "job_b", "apply", 200),
        ("talent_a", "talent_a", "job_b", "dismiss", 200),
        ("talent_a", "talent_b", "job_b", "apply", 403),
        ("talent_a", "talent_a", "job_a", "contact", 403),
        ("talent_a", "talent_a", "unknown", "apply", 404),
        ("company_a", "talent_a", "job_a", "contact", 200),
        ("company_a", "talent_a", "job_a", "reject", 200),
        ("company_a", "talent_b", "job_a", "contact", 403),
        ("company_a", "talent_a", "job_b", "contact", 403),
        ("company_b", "talent_a", "job_a", "reject", 403),
        ("company_a", "talent_a", "job_a", "apply", 403),
        ("admin", "talent_b", "job_b", "contact", 200),
        ("admin", "unknown", "job_b", "apply", 404),
        ("norole", "talent_a", "job_a", "apply", 403),
        ("anonymous", "talent_a", "job_a", "apply", 401),
    ],
)
def test_feedback_authorization(
    client: TestClient,
    world: World,
    pg_engine: Engine,
    who: str,
    talent: str,
    job: str,
    kind: str,
    expected: int,
) -> None:
    show(pg_engine, world.talent_a, world.job_a)  # company A was shown talent A for job A
    body = {"talent_id": world.id(talent), "job_id": world.id(job), "type": kind}
    response = client.post(URL, json=body, headers=world.headers(who))
    assert response.status_code == expected, response.text
    assert feedback_rows(pg_engine) == (1 if expected == 200 else 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"job_id": str(uuid.uuid4()), "type": "apply"}, "talent_id"),
        ({"talent_id": "not-a-uuid", "job_id": str(uuid.uuid4()), "type": "apply"}, "talent_id"),
        ({"talent_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()), "type": "like"}, "type"),
        (
            {"talent_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()), "type": "apply", "x": 1},
            "x",
        ),
    ],
)
def test_invalid_feedback_is_422_naming_the_field(
    client: TestClient, world: World, body: dict[str, object], field: str
) -> None:
    response = client.post(URL, json=body, headers=world.headers("admin"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
