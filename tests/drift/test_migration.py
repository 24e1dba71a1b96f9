"""Migration 0007 on SQLite and Postgres: 0006 -> 0007 -> 0006 -> head adds and drops only the
monitoring tables; existing rows survive both ways (plain CREATE/DROP TABLE, no rebuild)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from app.db.migrate import alembic_config
from app.db.monitoring_models import LLMCall
from app.db.session import make_engine
from tests.conftest import scratch_postgres_database
from tests.factories import make_job, make_talent

TABLES = {"inference_log", "drift_runs", "llm_calls"}


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('m0007') / 'm.db'}"
        return
    with scratch_postgres_database("tm_m0007") as pg:
        yield pg


def test_round_trip_adds_and_drops_only_the_monitoring_tables(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "0006")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            make_job(session)
            make_talent(session)
            session.commit()
        before = set(inspect(engine).get_table_names())
        assert not TABLES & before
        command.upgrade(config, "0007")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) == before | TABLES
        with Session(engine) as session:
            session.add(
                LLMCall(
                    provider="ollama",
                    model="m",
                    prompt_name="p",
                    prompt_version="v1",
                    prompt_sha256="x",
                    status="ok",
                )
            )
            session.commit()
        command.downgrade(config, "0006")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM talents")).scalar_one() == 1
        command.upgrade(config, "head")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
