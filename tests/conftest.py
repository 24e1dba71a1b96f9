"""Shared fixtures: a real database per test session (SQLite file and Postgres), cleaned per test.

Each pytest session gets its own Postgres database (`tm_test_<pid>`), so concurrent runs never
see each other's rows; Postgres is required, never skipped: `make test` starts it when down.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.db import registry  # noqa: F401
from app.db.base import Base
from app.db.migrate import upgrade_head
from app.db.session import make_engine, normalise_url

# Tests write rows and match right away, so apps build candidate indexes on first use and
# check freshness in the request; the start-up warm-up and background refresh have their own
# test (tests/api/test_match.py).
os.environ.setdefault("MATCHING_WARM_ON_START", "false")
# The tiny worlds of unit tests cannot beat a text baseline on real data; the external quality
# gate has its own tests (tests/training/test_quality.py) that switch it on.
os.environ.setdefault("QUALITY_GATE", "false")

pytest_plugins = ["tests.jwt_tokens"]  # `keys` and `jwks_server` fixtures for auth/API tests

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _admin_pg_url() -> str:
    return normalise_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG))


@contextmanager
def scratch_postgres_database(prefix: str) -> Iterator[str]:
    """A Postgres database of the caller's own (`<prefix>_<pid>_<random>`), dropped after."""
    admin_url = _admin_pg_url()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_postgres_database("tm_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _migrated_engine(url: str) -> Engine:
    upgrade_head(url)
    return make_engine(url)


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = _migrated_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = _migrated_engine(postgres_url)
    yield engine
    engine.dispose()


def clean_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated engine on each backend; every table is emptied after the test."""
    eng: Engine = request.getfixturevalue(f"{request.param}_engine")
    yield eng
    clean_tables(eng)


@pytest.fixture
def pg_engine(postgres_engine: Engine) -> Iterator[Engine]:
    """Postgres only, for behaviour SQLite cannot show (advisory locks, concurrency)."""
    yield postgres_engine
    clean_tables(postgres_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
