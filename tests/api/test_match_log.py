"""Every match call logs its results; the log of one subject stays within its cap."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import Match
from tests.api.conftest import World

T2J = "/api/v1/match/talent-to-jobs"


def test_repeated_matching_keeps_the_log_of_a_talent_within_its_cap(
    make_client: Callable[..., TestClient], world: World, pg_engine: Engine
) -> None:
    client = make_client(match_log_requests_per_subject=3)
    body = {"talent_id": str(world.talent_a), "limit": 5}
    shown = []
    for _ in range(8):
        response = client.post(T2J, json=body, headers=world.headers("talent_a"))
        assert response.status_code == 200
        shown.append(len(response.json()["matches"]))
    with Session(pg_engine) as session:
        rows = session.scalar(
            select(func.count()).select_from(Match).where(Match.talent_id == world.talent_a)
        )
        requests = session.scalar(
            select(func.count(func.distinct(Match.created_at))).where(
                Match.talent_id == world.talent_a
            )
        )
        sides = set(session.scalars(select(Match.subject_side).distinct()))
    assert shown[0] > 0
    assert requests == 3
    assert rows == sum(shown[-3:])
    assert sides == {"talent"}
