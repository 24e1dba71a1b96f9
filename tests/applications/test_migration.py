"""Migration 0006 on SQLite and Postgres: 0005 -> head -> 0005 -> head adds and drops only the
stage history, and every decision row survives both ways (no table is rebuilt, so nothing
cascades)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from app.db.migrate import alembic_config
from app.db.session import make_engine
from tests.conftest import scratch_postgres_database
from tests.factories import make_feedback, make_job, make_talent

TABLE = "application_stage_changes"


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('m0006') / 'm.db'}"
        return
    with scratch_postgres_database("tm_m0006") as pg:
        yield pg


def _seed_feedback(engine: Engine) -> None:
    """A talent's application, written at 0005 through the models (0006 changes none of them)."""
    with Session(engine) as session:
        make_feedback(session, make_talent(session), make_job(session), "apply")
        session.commit()


def _feedback_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM match_feedback")).scalar_one())


def test_round_trip_keeps_decisions(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "0005")
    engine = make_engine(url)
    try:
        _seed_feedback(engine)
        command.upgrade(config, "0006")
        assert TABLE in inspect(engine).get_table_names()
        assert _feedback_rows(engine) == 1
        command.downgrade(config, "0005")
        engine.dispose()
        assert TABLE not in inspect(engine).get_table_names()
        assert _feedback_rows(engine) == 1
        command.upgrade(config, "head")
        engine.dispose()
        assert TABLE in inspect(engine).get_table_names()
    finally:
        engine.dispose()
