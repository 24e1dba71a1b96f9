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


def test_occupation_columns_keep_every_child_row_on_sqlite(tmp_path: Path) -> None:
    """0003 must not rebuild jobs/talents: on SQLite a rebuild drops the old table, and every
    ON DELETE CASCADE child (skills, labelled pairs, matches) would go with it."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = create_engine(url)
    company, job = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO companies (id, name, industry, size, work_style, created_at) "
                    "VALUES (:id, 'A', 'software', 'small', 'async', CURRENT_TIMESTAMP)"
                ),
                {"id": company},
            )
            conn.execute(
                text(
                    "INSERT INTO jobs (id, company_id, title, description, occupation_code, "
                    "seniority, min_years, remote_policy, currency, status, created_at, "
                    "updated_at) VALUES (:id, :company, 'T', 'D', '15-1252.00', 'mid', 0, "
                    "'remote', 'USD', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": job, "company": company},
            )
            conn.execute(
                text(
                    "INSERT INTO skills (id, name, aliases, category, hot) "
                    "VALUES (1, 'Python', '[]', 'software', 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO job_skills (job_id, skill_id, required, min_proficiency) "
                    "VALUES (:id, 1, 1, 3)"
                ),
                {"id": job},
            )
        for target in ("head", "0002", "head"):
            (command.upgrade if target == "head" else command.downgrade)(config, target)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM job_skills")).scalar() == 1
        with engine.connect() as conn:
            source = conn.execute(text("SELECT occupation_source FROM jobs")).scalar()
        assert source == "given"
    finally:
        engine.dispose()
