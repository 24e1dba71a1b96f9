"""Filters, cursor paging and the compact view over HTTP (Postgres): shapes, errors that name
their field (never a 500), pages that continue each other, impressions at their positions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Match, Talent
from tests.api.conftest import World
from tests.factories import make_talent

T2J = "/api/v1/match/talent-to-jobs"
J2T = "/api/v1/match/job-to-talents"


def _error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["field"]


@pytest.mark.parametrize(
    ("path", "extra", "field"),
    [
        (T2J, {"filters": {"radius_km": -1}}, "filters.radius_km"),
        (T2J, {"filters": {"radius_km": 0}}, "filters.radius_km"),
        (T2J, {"filters": {"salary_min": 10_000_001}}, "filters.salary_min"),
        (T2J, {"filters": {"salary_min": "70000"}}, "filters.salary_min"),
        (T2J, {"filters": {"salary_max": 90_000}}, "filters.salary_max"),  # talents only
        (T2J, {"filters": {"remote": []}}, "filters.remote"),
        (T2J, {"filters": {"remote": ["any"]}}, "filters.remote.0"),  # a talent preference
        (T2J, {"filters": {"seniority": ["guru"]}}, "filters.seniority.0"),
        (T2J, {"filters": {"skills": ["x"] * 21}}, "filters.skills"),
        (T2J, {"filters": {"min_years": 3}}, "filters.min_years"),
        (T2J, {"cursor": "not a cursor"}, "cursor"),
        (T2J, {"cursor": ""}, "cursor"),
        (T2J, {"view": "tiny"}, "view"),
        (T2J, {"limit": 101}, "limit"),
        (J2T, {"filters": {"salary_min": 1}}, "filters.salary_min"),  # jobs only
        (J2T, {"filters": {"min_years": -1}}, "filters.min_years"),
        (J2T, {"filters": {"remote": ["anywhere"]}}, "filters.remote.0"),
    ],
)
def test_bad_filters_and_cursors_are_422_naming_the_field(
    client: TestClient, world: World, path: str, extra: dict[str, Any], field: str
) -> None:
    subject = {"talent_id": str(world.talent_a)} if path == T2J else {"job_id": str(world.job_a)}
    who = "talent_a" if path == T2J else "company_a"
    response = client.post(path, json={**subject, **extra}, headers=world.headers(who))
    assert _error(response) == (422, "validation_error", field), response.text


def test_filters_the_subject_cannot_use_are_422_naming_the_filter(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    with Session(pg_engine, expire_on_commit=False) as session:
        nowhere = make_talent(session, latitude=None, longitude=None)
        session.commit()
    admin = world.headers("admin")
    radius = client.post(
        T2J, json={"talent_id": str(nowhere.id), "filters": {"radius_km": 25}}, headers=admin
    )
    assert _error(radius) == (422, "invalid_filter", "filters.radius_km")
    unknown = client.post(
        T2J,
        json={"talent_id": str(world.talent_a), "filters": {"skills": ["python", "Cobol"]}},
        headers=admin,
    )
    assert _error(unknown) == (422, "invalid_filter", "filters.skills.1")
    assert "Cobol" in unknown.json()["error"]["message"]


def test_pages_continue_each_other_and_log_impressions_at_their_positions(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    headers = world.headers("talent_a")
    body = {"talent_id": str(world.talent_a), "filters": {"remote": ["hybrid", "remote"]}}
    whole = client.post(T2J, json={**body, "limit": 100}, headers=headers).json()
    assert whole["next_cursor"] is None
    assert len(whole["matches"]) == 6
    pages: list[str] = []
    cursor = None
    for _ in range(10):
        page = client.post(
            T2J,
            json={**body, "limit": 4, "cursor": cursor} if cursor else {**body, "limit": 4},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        pages.extend(m["id"] for m in page.json()["matches"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == [m["id"] for m in whole["matches"]]
    with Session(pg_engine) as session:
        paged = session.scalars(
            select(Match).where(Match.position > 0).order_by(Match.created_at, Match.position)
        ).all()
    assert [m.position for m in paged[-6:]] == [1, 2, 3, 4, 5, 6]


def test_cursor_of_another_request_or_edited_is_refused(client: TestClient, world: World) -> None:
    headers = world.headers("talent_a")
    first = client.post(T2J, json={"talent_id": str(world.talent_a), "limit": 2}, headers=headers)
    cursor = first.json()["next_cursor"]
    assert cursor
    head, tail = cursor.split(".")
    edited = ("A" if head[0] != "A" else "B") + head[1:] + "." + tail
    for body in (
        {"talent_id": str(world.talent_a), "cursor": edited},
        {"talent_id": str(world.talent_a), "cursor": cursor, "min_score": 5},
        {"talent_id": str(world.talent_a), "cursor": cursor, "filters": {"skills": ["SQL"]}},
    ):
        response = client.post(T2J, json=body, headers=headers)
        assert _error(response) == (422, "invalid_cursor", "cursor"), response.text
    ok = client.post(
        T2J,
        json={"talent_id": str(world.talent_a), "cursor": cursor, "view": "compact"},
        headers=headers,
    )
    assert ok.status_code == 200
    assert not {m["id"] for m in ok.json()["matches"]} & {m["id"] for m in first.json()["matches"]}


def test_compact_view_keeps_titles_scores_and_decisions_without_explanations(
    client: TestClient, world: World
) -> None:
    headers = world.headers("company_a")
    body = {"job_id": str(world.job_a), "limit": 5}
    full = client.post(J2T, json=body, headers=headers).json()
    compact = client.post(J2T, json={**body, "view": "compact"}, headers=headers).json()
    assert [(m["id"], m["score"], m["title"]) for m in compact["matches"]] == [
        (m["id"], m["score"], m["title"]) for m in full["matches"]
    ]
    assert all(m["explanation"] is None for m in compact["matches"])
    assert all(m["explanation"]["top_factors"] for m in full["matches"])
    assert all("decision" in m and m["subtitle"] for m in compact["matches"])


def test_job_to_talents_filters_hold_for_every_talent_returned(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    filters = {"min_years": 1, "skills": ["Python"], "radius_km": 10, "remote": ["any"]}
    response = client.post(
        J2T,
        json={"job_id": str(world.job_a), "limit": 100, "filters": filters},
        headers=world.headers("company_a"),
    )
    assert response.status_code == 200, response.text
    ids = [m["id"] for m in response.json()["matches"]]
    assert ids
    with Session(pg_engine) as session:
        for talent in session.scalars(select(Talent).where(Talent.id.in_(ids))):
            assert talent.years_experience >= 1
            assert talent.remote_preference == "any"
            assert abs(talent.latitude - 52.52) < 0.1
            assert talent.id != world.talent_b  # SQL only
