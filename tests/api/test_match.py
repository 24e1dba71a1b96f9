"""Match endpoints on the real app and Postgres: authorization per role, shapes, persistence."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import Match
from app.matching.service import MatchingState
from tests.api.conftest import TALENT_ACCESS, World
from tests.factories import make_job
from tests.jwt_tokens import JWKSServer
from tests.training.conftest import register_artifact

T2J = "/api/v1/match/talent-to-jobs"
J2T = "/api/v1/match/job-to-talents"
SCORE = "/api/v1/match/score"

TALENT = {
    "skills": [{"name": "Python", "proficiency": 4, "years": 5}],
    "years_experience": 5,
    "seniority": "mid",
    "salary_min": 60000,
    "salary_max": 80000,
    "embedding": [0.05] * 384,
}
JOB = {
    "skills": [{"name": "Python", "proficiency": 3, "required": True}],
    "seniority": "mid",
    "min_years": 3,
    "remote_policy": "remote",
    "salary_min": 65000,
    "salary_max": 90000,
    "embedding": [0.05] * 384,
}


@pytest.mark.parametrize(("who", "target", "expected"), TALENT_ACCESS)
def test_talent_to_jobs_authorization(
    client: TestClient, world: World, who: str, target: str, expected: int
) -> None:
    response = client.post(T2J, json={"talent_id": world.id(target)}, headers=world.headers(who))
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("company_a", "job_a", 200),
        ("company_a", "job_b", 403),
        ("company_b", "job_a", 403),
        ("company_a", "unknown", 403),
        ("talent_a", "job_a", 403),
        ("admin", "job_b", 200),
        ("admin", "unknown", 404),
        ("norole", "job_a", 403),
        ("anonymous", "job_a", 401),
    ],
)
def test_job_to_talents_authorization(
    client: TestClient, world: World, who: str, target: str, expected: int
) -> None:
    response = client.post(J2T, json={"job_id": world.id(target)}, headers=world.headers(who))
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(
    ("who", "expected"),
    [("talent_a", 200), ("company_b", 200), ("admin", 200), ("norole", 403), ("anonymous", 401)],
)
def test_score_authorization(client: TestClient, world: World, who: str, expected: int) -> None:
    response = client.post(SCORE, json={"talent": TALENT, "job": JOB}, headers=world.headers(who))
    assert response.status_code == expected, response.text


def test_talent_to_jobs_ranks_explains_and_persists(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    response = client.post(
        T2J,
        json={"talent_id": str(world.talent_a), "limit": 3, "min_score": 0},
        headers={**world.headers("talent_a"), "X-Request-ID": "req-t2j-1"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-t2j-1"
    body = response.json()
    matches = body["matches"]
    assert 1 <= len(matches) <= 3
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert body["processing_time_ms"] >= 0
    for match in matches:
        assert match["source"] == "fallback"
        assert match["model_version"] is None
        assert all(0 <= v <= 100 for v in match["explanation"]["sub_scores"].values())
        assert match["explanation"]["top_factors"]
        assert match["explanation"]["summary"]
    assert matches[0]["id"] == str(world.job_a)  # the only job asking for the talent's skill
    with Session(pg_engine) as session:
        rows = session.scalars(select(Match).where(Match.request_id == "req-t2j-1")).all()
    assert sorted(str(r.job_id) for r in rows) == sorted(m["id"] for m in matches)
    assert {r.talent_id for r in rows} == {world.talent_a}


def test_min_score_and_limit_filter_results(client: TestClient, world: World) -> None:
    headers = world.headers("admin")
    everything = client.post(
        T2J, json={"talent_id": str(world.talent_a), "limit": 100}, headers=headers
    )
    scores = [m["score"] for m in everything.json()["matches"]]
    threshold = sorted(scores)[len(scores) // 2]
    filtered = client.post(
        T2J,
        json={"talent_id": str(world.talent_a), "limit": 100, "min_score": threshold},
        headers=headers,
    ).json()["matches"]
    assert all(m["score"] >= threshold for m in filtered)
    assert len(filtered) == sum(s >= threshold for s in scores)
    one = client.post(T2J, json={"talent_id": str(world.talent_a), "limit": 1}, headers=headers)
    assert len(one.json()["matches"]) == 1


def test_job_to_talents_returns_talents(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    response = client.post(
        J2T, json={"job_id": str(world.job_a), "limit": 5}, headers=world.headers("company_a")
    )
    assert response.status_code == 200
    ids = {m["id"] for m in response.json()["matches"]}
    assert str(world.talent_a) in ids
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) == len(ids)


def test_score_reads_and_writes_nothing(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    response = client.post(
        SCORE, json={"talent": TALENT, "job": JOB}, headers=world.headers("talent_a")
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["matches"]) == 1
    assert body["matches"][0]["id"] is None
    assert 0 <= body["matches"][0]["score"] <= 100
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) == 0


def test_a_registered_model_serves_with_its_version(
    make_client, world: World, pg_engine: Engine, tmp_path: Path
) -> None:
    with Session(pg_engine) as session:
        register_artifact(session, tmp_path, "v1.0", activate=True)
        session.commit()
    client = make_client(model_poll_seconds=60)
    response = client.post(
        T2J, json={"talent_id": str(world.talent_a)}, headers=world.headers("talent_a")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "v1.0"
    assert {m["source"] for m in body["matches"]} == {"ml"}
    health = client.get("/api/v1/health").json()
    assert health["model_version"] == "v1.0"
    assert health["fallback_active"] is False
    assert health["last_trained"] is not None
    assert client.get("/api/v1/health/ready").status_code == 200
    metrics = client.get("/metrics").text
    assert 'tm_active_model_info{version="v1.0"} 1.0' in metrics


def test_without_a_model_health_says_fallback_and_ready_passes_on_it(client: TestClient) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    body = health.json()
    assert body["fallback_active"] is True
    assert body["status"] == "degraded"
    assert body["database_reachable"] is True
    assert body["uptime_seconds"] >= 0
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "database_reachable": True,
        "model_loaded": False,
        "fallback_active": True,
        "indexes_warm": True,
    }


def test_unreachable_database_is_reported_not_raised(make_client) -> None:
    client = make_client(database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json()["database_reachable"] is False
    assert client.get("/api/v1/health/ready").status_code == 503


def _eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_start_up_builds_the_indexes_and_refreshes_them_in_the_background(
    make_client: Callable[..., TestClient],
    jwks_server: JWKSServer,
    world: World,
    pg_engine: Engine,
) -> None:
    client = make_client(
        start=False,
        jwt_jwks_url=jwks_server.url,
        matching_warm_on_start=True,
        matching_index_refresh_seconds=0.2,
    )
    holders = client.app.state.services.get(MatchingState).indexes  # type: ignore[attr-defined]
    with holders["job"]._lock:  # the warm-up waits here: readiness must say so
        client.__enter__()
        assert client.get("/api/v1/health/ready").json()["indexes_warm"] is False
    _eventually(lambda: all(h.peek() is not None for h in holders.values()))
    _eventually(lambda: client.get("/api/v1/health/ready").json()["indexes_warm"] is True)
    assert all(h.background for h in holders.values())
    built = holders["job"].peek()
    assert built is not None

    with Session(pg_engine) as session:
        new_job = make_job(session, title="Posted after start-up").id
        session.commit()
    # No request has run: the refresher alone swaps in an index with the new job.
    _eventually(lambda: (index := holders["job"].peek()) is not None and new_job in index.row_of)
    assert holders["job"].peek() is not built

    response = client.post(
        T2J,
        json={"talent_id": world.id("talent_a"), "limit": 100},
        headers=world.headers("talent_a"),
    )
    assert response.status_code == 200, response.text
    assert str(new_job) in {m["id"] for m in response.json()["matches"]}
