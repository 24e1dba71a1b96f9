"""GET /api/v1/me on the real app and Postgres, and the labels on match results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Company, Job, Talent
from tests.api.conftest import World, bearer

ME = "/api/v1/me"


def test_talent_sees_only_its_own_profile(client: TestClient, world: World) -> None:
    body = client.get(ME, headers=world.headers("talent_a")).json()
    assert body["role"] == "talent"
    assert body["sub"] == str(world.talent_a_user)
    assert body["talent"]["id"] == str(world.talent_a)
    assert body["jobs"] == []


def test_company_sees_only_its_own_jobs(
    client: TestClient, world: World, pg_engine: Engine
) -> None:
    body = client.get(ME, headers=world.headers("company_b")).json()
    with Session(pg_engine) as session:
        own = set(
            session.scalars(
                select(Job.id)
                .join(Company, Company.id == Job.company_id)
                .where(Company.owner_user_id == world.company_b_user)
            )
        )
    assert {uuid.UUID(j["id"]) for j in body["jobs"]} == own
    assert str(world.job_a) not in {j["id"] for j in body["jobs"]}
    assert body["talent"] is None


def test_admin_and_unknown_user_own_nothing(client: TestClient, world: World) -> None:
    for headers in (world.headers("admin"), bearer(uuid.uuid4(), "talent")):
        body = client.get(ME, headers=headers).json()
        assert body["talent"] is None
        assert body["jobs"] == []


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("norole", 403)])
def test_me_needs_a_role(client: TestClient, world: World, who: str, expected: int) -> None:
    assert client.get(ME, headers=world.headers(who)).status_code == expected


def test_match_results_carry_labels(client: TestClient, world: World, pg_engine: Engine) -> None:
    jobs = client.post(
        "/api/v1/match/talent-to-jobs",
        json={"talent_id": str(world.talent_a), "limit": 10},
        headers=world.headers("talent_a"),
    ).json()["matches"]
    talents = client.post(
        "/api/v1/match/job-to-talents",
        json={"job_id": str(world.job_b), "limit": 10},
        headers=world.headers("company_b"),
    ).json()["matches"]
    assert jobs
    assert talents
    with Session(pg_engine) as session:
        titles = {r[0]: r[1] for r in session.execute(select(Job.id, Job.title))}
        names = {r[0]: r[1] for r in session.execute(select(Talent.id, Talent.full_name))}
    assert all(m["title"] == titles[uuid.UUID(m["id"])] for m in jobs)
    assert all(m["title"] == names[uuid.UUID(m["id"])] for m in talents)
    assert all(m["subtitle"] for m in jobs + talents)


def test_dashboard_is_served_when_built(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>talent-match</title>")
    client = make_client(dashboard_dir=tmp_path)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "talent-match" in page.text
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 307
    assert root.headers["location"] == "/dashboard/"


def test_no_dashboard_without_a_build(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(dashboard_dir=tmp_path)
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/").status_code == 404
