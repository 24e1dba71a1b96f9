"""POST /api/v1/match/advice on the real app and Postgres: who may ask, what comes back."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import Match
from tests.api.conftest import TALENT_ACCESS, World

ADVICE = "/api/v1/match/advice"
T2J = "/api/v1/match/talent-to-jobs"


@pytest.mark.parametrize(("who", "target", "expected"), TALENT_ACCESS)
def test_advice_authorization(
    client: TestClient, world: World, who: str, target: str, expected: int
) -> None:
    response = client.post(
        ADVICE,
        json={"talent_id": world.id(target), "job_id": world.id("job_b")},
        headers=world.headers(who),
    )
    assert response.status_code == expected, response.text


def test_advice_names_the_missing_skill_and_matches_the_served_score(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    headers = world.headers("talent_a")
    with Session(pg_engine) as session:
        matches_before = session.scalar(select(func.count()).select_from(Match))
    response = client.post(
        ADVICE,
        json={"talent_id": str(world.talent_a), "job_id": str(world.job_b), "limit": 3},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["talent_id"] == str(world.talent_a)
    assert body["job_id"] == str(world.job_b)
    assert body["source"] == "fallback"
    assert body["model_version"] is None
    suggestions = body["suggestions"]
    assert 1 <= len(suggestions) <= 3
    top = suggestions[0]
    # job_b requires SQL, which talent_a (Python only) lacks.
    assert (top["kind"], top["skill"]) == ("add_skill", "SQL")
    assert top["description"].startswith("Add SQL at level 3")
    gains = [s["gain"] for s in suggestions]
    assert gains == sorted(gains, reverse=True)
    assert all(g > 0 for g in gains)
    for s in suggestions:
        assert s["score"] == pytest.approx(body["score"] + s["gain"], abs=0.02)
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) == matches_before
    # The current score is the one the match list serves for the same pair.
    served = client.post(
        T2J, json={"talent_id": str(world.talent_a), "limit": 100}, headers=headers
    )
    by_job = {m["id"]: m["score"] for m in served.json()["matches"]}
    assert body["score"] == pytest.approx(by_job[str(world.job_b)], abs=0.5)


def test_advice_for_an_unknown_job_is_404_naming_the_field(
    client: TestClient, world: World
) -> None:
    response = client.post(
        ADVICE,
        json={"talent_id": str(world.talent_a), "job_id": world.id("unknown")},
        headers=world.headers("talent_a"),
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "job_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 11}, "limit"),
        ({"limit": "3"}, "limit"),
        ({"job_id": "not-a-uuid"}, "job_id"),
        ({"job_id": None}, "job_id"),
        ({"location": "Berlin"}, "location"),
    ],
)
def test_bad_advice_input_is_422_naming_the_field(
    client: TestClient, world: World, change: dict[str, Any], field: str
) -> None:
    payload: dict[str, Any] = {"talent_id": str(world.talent_a), "job_id": str(world.job_b)}
    payload.update(change)
    response = client.post(ADVICE, json=payload, headers=world.headers("talent_a"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
