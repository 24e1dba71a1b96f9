"""The real app on the per-session Postgres database, with tokens minted by PyJWT."""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.api.main import create_app
from app.settings import Settings
from tests.factories import make_company, make_job, make_skill, make_talent
from tests.jwt_tokens import HS_SECRET, JWKSServer, claims_for, hs256

TRAINING_RUN_THREAD = re.compile(r"^training-[0-9a-f-]{36}$")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def api_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "jwt_secret": HS_SECRET,
        "redis_url": None,
        "rate_limit": "10000/minute",
        "log_level": "WARNING",
        "warm_embeddings_on_start": False,
        "training_check_minutes": 0,
        # The text models run in the test's process: a worker process per app would cost
        # every text test seconds (tests/api/test_text_workers.py runs the real pool).
        "text_workers": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# Who may ask about a talent (a talent for itself, an admin for anyone; another's or an unknown
# id is 403 for a talent so ids cannot be probed), shared by every talent-scoped endpoint.
TALENT_ACCESS = [
    ("talent_a", "talent_a", 200),
    ("talent_a", "talent_b", 403),
    ("talent_b", "talent_a", 403),
    ("talent_a", "unknown", 403),
    ("company_a", "talent_a", 403),
    ("admin", "talent_b", 200),
    ("admin", "unknown", 404),
    ("norole", "talent_a", 403),
    ("anonymous", "talent_a", 401),
]


@pytest.fixture
def make_client(pg_engine: Engine, postgres_url: str) -> Iterator[Callable[..., TestClient]]:
    """Build a client for an app with settings overrides; every app is shut down afterwards."""
    clients: list[TestClient] = []

    def build(*, start: bool = True, **overrides: Any) -> TestClient:
        """`start=False`: the caller enters the client (runs the lifespan) itself, and must."""
        url = overrides.pop("database_url", postgres_url)
        client = TestClient(create_app(api_settings(url, **overrides)))
        if start:
            client.__enter__()
        clients.append(client)
        return client

    yield build
    # A test may have triggered a background training run (admin endpoint); let it finish
    # before the tables are truncated under it.
    for thread in threading.enumerate():
        if TRAINING_RUN_THREAD.match(thread.name):
            thread.join(timeout=60)
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient], jwks_server: JWKSServer) -> TestClient:
    return make_client(jwt_jwks_url=jwks_server.url)


def bearer(
    sub: uuid.UUID | None = None, role: str | None = "talent", **extra: Any
) -> dict[str, str]:
    return {"Authorization": f"Bearer {hs256(claims_for(sub, app_role=role, **extra))}"}


@dataclass
class World:
    """Two talents, two companies with one job each, and a token for everyone."""

    talent_a: uuid.UUID
    talent_b: uuid.UUID
    job_a: uuid.UUID
    job_b: uuid.UUID
    talent_a_user: uuid.UUID
    talent_b_user: uuid.UUID
    company_a_user: uuid.UUID
    company_b_user: uuid.UUID
    admin_user: uuid.UUID

    def headers(self, who: str) -> dict[str, str]:
        """`talent_a`, `company_b`, `admin`, `norole` (valid token, no app role), `anonymous`."""
        if who == "anonymous":
            return {}
        if who == "norole":
            return bearer(uuid.uuid4(), None)
        role = who.split("_")[0]
        return bearer(getattr(self, f"{who}_user"), role)

    def id(self, name: str) -> str:
        return str(uuid.uuid4()) if name == "unknown" else str(getattr(self, name))


@pytest.fixture
def world(pg_engine: Engine) -> World:
    with Session(pg_engine, expire_on_commit=False) as session:
        users = {name: uuid.uuid4() for name in ("ta", "tb", "ca", "cb")}
        python, sql = make_skill(session, "Python"), make_skill(session, "SQL")
        talent_a = make_talent(session, owner_user_id=users["ta"], skills=[(python, 4, 5.0)])
        talent_b = make_talent(session, owner_user_id=users["tb"], skills=[(sql, 3, 2.0)])
        company_a = make_company(session, owner_user_id=users["ca"])
        company_b = make_company(session, owner_user_id=users["cb"])
        job_a = make_job(session, company=company_a, skills=[(python, True, 3)])
        job_b = make_job(session, company=company_b, skills=[(sql, True, 3)])
        for i in range(4):  # a few more open jobs and talents so rankings have something to rank
            make_job(session, company=company_b, title=f"Extra job {i}", skills=[(sql, True, 2)])
            make_talent(session, skills=[(python, 2 + i % 3, float(i))])
        session.commit()
        return World(
            talent_a=talent_a.id,
            talent_b=talent_b.id,
            job_a=job_a.id,
            job_b=job_b.id,
            talent_a_user=users["ta"],
            talent_b_user=users["tb"],
            company_a_user=users["ca"],
            company_b_user=users["cb"],
            admin_user=uuid.uuid4(),
        )


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of our own in the test Redis DB; its keys are deleted afterwards."""
    prefix = f"tm-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        for key in conn.scan_iter(match=f"*{prefix}*"):
            conn.delete(key)
    finally:
        conn.close()
