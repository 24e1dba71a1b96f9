"""Decisions over HTTP: they stick across requests, dismissed jobs leave the list until
undone, a later decision replaces an earlier one, and bad input is a clear 4xx that writes
nothing."""

from __future__ import annotations

import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from app.db.models import Job, Match, MatchFeedback
from tests.api.conftest import World

FEEDBACK = "/api/v1/feedback"
DECISIONS = "/api/v1/feedback/decisions"
T2J = "/api/v1/match/talent-to-jobs"
J2T = "/api/v1/match/job-to-talents"


def rows(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(MatchFeedback)) or 0)


def decide(
    client: TestClient, world: World, who: str, talent: uuid.UUID, job: uuid.UUID, kind: str
) -> httpx.Response:
    body = {"talent_id": str(talent), "job_id": str(job), "type": kind}
    return client.post(FEEDBACK, json=body, headers=world.headers(who))


def talent_list(client: TestClient, world: World, **extra: object) -> dict[str, str | None]:
    """job id -> the talent's decision, as the match list shows it."""
    body = {"talent_id": str(world.talent_a), "limit": 20, **extra}
    response = client.post(T2J, json=body, headers=world.headers("talent_a"))
    assert response.status_code == 200, response.text
    return {m["id"]: m["decision"] for m in response.json()["matches"]}


def test_decisions_stick_and_dismissed_jobs_leave_until_undone(
    client: TestClient, world: World
) -> None:
    job_a, job_b = str(world.job_a), str(world.job_b)
    first = talent_list(client, world)
    assert {job_a, job_b} <= set(first)
    assert set(first.values()) == {None}
    assert (
        decide(client, world, "talent_a", world.talent_a, world.job_a, "apply").status_code == 200
    )
    assert (
        decide(client, world, "talent_a", world.talent_a, world.job_b, "dismiss").status_code == 200
    )

    again = talent_list(client, world)  # a reload: a new request shows what was decided
    assert again[job_a] == "applied"
    assert job_b not in again
    assert len(again) == len(first) - 1
    undo_view = talent_list(client, world, include_dismissed=True)
    assert undo_view[job_b] == "dismissed"

    undone = decide(client, world, "talent_a", world.talent_a, world.job_b, "undo")
    assert (undone.status_code, undone.json()["decision"]) == (200, None)
    assert talent_list(client, world)[job_b] is None


def test_apply_after_dismiss_replaces_it(client: TestClient, world: World) -> None:
    decide(client, world, "talent_a", world.talent_a, world.job_a, "dismiss")
    applied = decide(client, world, "talent_a", world.talent_a, world.job_a, "apply")
    assert applied.json()["decision"] == "applied"
    listed = client.get(
        DECISIONS, params={"talent_id": str(world.talent_a)}, headers=world.headers("talent_a")
    )
    assert listed.status_code == 200
    assert [(d["job_id"], d["decision"]) for d in listed.json()["decisions"]] == [
        (str(world.job_a), "applied")
    ]
    assert talent_list(client, world)[str(world.job_a)] == "applied"


def test_company_sees_its_own_decision_on_its_candidates(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    with Session(pg_engine) as session:
        session.add(Match(talent_id=world.talent_a, job_id=world.job_a, ml_score=50.0, source="ml"))
        session.commit()
    decide(client, world, "talent_a", world.talent_a, world.job_a, "apply")
    assert (
        decide(client, world, "company_a", world.talent_a, world.job_a, "contact").status_code
        == 200
    )
    body = {"job_id": str(world.job_a), "limit": 20}
    response = client.post(J2T, json=body, headers=world.headers("company_a"))
    decisions = {m["id"]: m["decision"] for m in response.json()["matches"]}
    assert decisions[str(world.talent_a)] == "contacted"


def test_feedback_on_a_closed_job_is_409_and_writes_nothing(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    with Session(pg_engine) as session:
        session.execute(update(Job).where(Job.id == world.job_b).values(status="closed"))
        session.commit()
    response = decide(client, world, "talent_a", world.talent_a, world.job_b, "apply")
    assert response.status_code == 409
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "job_closed",
        "job_id",
    )
    assert rows(pg_engine) == 0


def test_undo_of_nothing_is_409_and_writes_nothing(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    response = decide(client, world, "talent_a", world.talent_a, world.job_a, "undo")
    assert response.status_code == 409
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "nothing_to_undo",
        "type",
    )
    assert rows(pg_engine) == 0


def test_another_talent_can_neither_see_nor_undo_yours(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    decide(client, world, "talent_a", world.talent_a, world.job_a, "dismiss")
    peek = client.get(
        DECISIONS, params={"talent_id": str(world.talent_a)}, headers=world.headers("talent_b")
    )
    assert peek.status_code == 403
    assert decide(client, world, "talent_b", world.talent_a, world.job_a, "undo").status_code == 403
    assert rows(pg_engine) == 1
    assert str(world.job_a) not in talent_list(client, world)


def test_decision_list_needs_exactly_one_subject(client: TestClient, world: World) -> None:
    both = {"talent_id": str(world.talent_a), "job_id": str(world.job_a)}
    for params in ({}, both):
        response = client.get(DECISIONS, params=params, headers=world.headers("admin"))
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "talent_id"
