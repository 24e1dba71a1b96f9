"""Shared fixtures: a real database per test session (SQLite file and Postgres).

Each pytest session gets its own Postgres database (`tm_test_<pid>`), so concurrent runs never
see each other's rows; Postgres is required, never skipped: `make test` starts it when down.

`session` runs each test inside one outer transaction that is rolled back afterwards (the
code under test commits and rolls back savepoints), so it leaves nothing behind without
emptying tables. Tests whose rows must be seen by another connection (an app's own engine, a
background thread, concurrent writers) ask for `engine` or `pg_engine`: those commit for real
and every table is emptied after the test; `session` in such a test commits for real too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
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


@pytest.fixture(scope="session")
def sqlite_savepoint_engine(sqlite_url: str, sqlite_engine: Engine) -> Iterator[Engine]:
    """The same SQLite file, with transactions that pysqlite really begins.

    pysqlite (Python < 3.12) sends BEGIN only before its first INSERT/UPDATE/DELETE, so a
    SAVEPOINT issued first would open, and its RELEASE commit, the outer transaction. SQLAlchemy's
    recipe: driver autocommit off, BEGIN on every transaction start.
    """
    engine = make_engine(sqlite_url)

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_alone(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; `engine` and `session` of one test share it."""
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated engine on each backend; every table is emptied after the test."""
    eng: Engine = request.getfixturevalue(f"{backend}_engine")
    yield eng
    clean_tables(eng)


@pytest.fixture
def pg_engine(postgres_engine: Engine) -> Iterator[Engine]:
    """Postgres only, for behaviour SQLite cannot show (advisory locks, concurrency)."""
    yield postgres_engine
    clean_tables(postgres_engine)


@pytest.fixture
def session(backend: str, request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session whose work is rolled back after the test (see the module docstring)."""
    if "engine" in request.fixturenames:
        committing: Engine = request.getfixturevalue("engine")
        with Session(committing, expire_on_commit=False) as s:
            yield s
        return
    name = "sqlite_savepoint_engine" if backend == "sqlite" else "postgres_engine"
    eng: Engine = request.getfixturevalue(name)
    with eng.connect() as connection:
        outer = connection.begin()
        try:
            with Session(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            ) as s:
                yield s
        finally:
            outer.rollback()
