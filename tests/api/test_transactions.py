"""The request owns the transaction: committed before the response is sent, or not at all.

Routes added to the real app write through the real session dependency on Postgres; a foreign
key violation that only surfaces when the dependency commits (the ORM flushes there) must give
an error response and leave nothing behind, never a 200 for data that was lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.auth.deps import SessionDep
from app.core.errors import NotFoundError
from app.db.models import Match
from tests.api.conftest import World


def _matches(engine: Engine) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """What another connection sees: only committed rows."""
    with Session(engine) as session:
        return [(m.talent_id, m.job_id) for m in session.scalars(select(Match))]


def _client_with_writes(make_client: Callable[..., TestClient], world: World) -> TestClient:
    """The real app plus three routes that add rows without flushing, like a service would."""
    client = make_client()

    def shown(session: SessionDep) -> dict[str, str]:
        session.add(Match(talent_id=world.talent_a, job_id=world.job_a, ml_score=50.0, source="ml"))
        return {"status": "written"}

    def shown_and_orphan(session: SessionDep) -> dict[str, str]:
        session.add(Match(talent_id=world.talent_a, job_id=world.job_a, ml_score=50.0, source="ml"))
        session.add(Match(talent_id=uuid.uuid4(), job_id=world.job_a, ml_score=50.0, source="ml"))
        return {"status": "written"}

    def shown_then_fails(session: SessionDep) -> dict[str, str]:
        session.add(Match(talent_id=world.talent_a, job_id=world.job_a, ml_score=50.0, source="ml"))
        session.flush()
        raise NotFoundError("job not found")

    for path, endpoint in (
        ("/test/shown", shown),
        ("/test/shown-and-orphan", shown_and_orphan),
        ("/test/shown-then-fails", shown_then_fails),
    ):
        client.app.router.add_api_route(path, endpoint, methods=["POST"])  # type: ignore[attr-defined]
    return client


def test_a_successful_request_is_committed_before_it_answers(
    make_client: Callable[..., TestClient], world: World, pg_engine: Engine
) -> None:
    client = _client_with_writes(make_client, world)
    response = client.post("/test/shown")
    assert response.status_code == 200
    assert _matches(pg_engine) == [(world.talent_a, world.job_a)]


def test_a_commit_that_fails_is_an_error_response_and_writes_nothing(
    make_client: Callable[..., TestClient], world: World, pg_engine: Engine
) -> None:
    client = _client_with_writes(make_client, world)
    response = client.post("/test/shown-and-orphan")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert _matches(pg_engine) == []
    # The app's pool is healthy afterwards: the next request commits normally.
    assert client.post("/test/shown").status_code == 200
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) == 1


def test_a_handler_error_rolls_back_what_it_flushed(
    make_client: Callable[..., TestClient], world: World, pg_engine: Engine
) -> None:
    client = _client_with_writes(make_client, world)
    response = client.post("/test/shown-then-fails")
    assert response.status_code == 404
    assert _matches(pg_engine) == []
