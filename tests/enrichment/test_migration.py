"""Migration 0002 upgrades and downgrades cleanly on SQLite and on a fresh Postgres database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from app.db.migrate import alembic_config
from app.db.session import normalise_url

TABLES = {
    "job_enrichments",
    "section_classifications",
    "cluster_runs",
    "job_cluster_assignments",
    "evaluation_results",
}


def _round_trip(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        assert names >= TABLES
        indexes = {i["name"] for i in inspect(engine).get_indexes("job_cluster_assignments")}
        assert "uq_job_cluster_assignments_one_active" in indexes
        command.downgrade(config, "0001")
        engine.dispose()
        names = set(inspect(engine).get_table_names())
        assert not names & TABLES
        assert "jobs" in names
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_sqlite_round_trip(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_postgres_round_trip() -> None:
    admin_url = normalise_url(
        os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    name = f"tm_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _round_trip(admin_url.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
