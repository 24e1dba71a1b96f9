"""`app drift report|runs|prune` and `app llm prompts` against a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import main
from app.db.session import get_engine
from app.drift import lock
from app.settings import get_settings
from tests.conftest import clean_tables
from tests.drift.conftest import register_reference_model
from tests.drift.test_service import log_rows


@pytest.fixture
def cli_db(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Engine]:
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DRIFT_REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("DRIFT_MIN_SAMPLES", "100")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()
    get_engine.cache_clear()
    clean_tables(sqlite_engine)


def test_a_weekly_run_writes_its_report_and_shows_in_runs(cli_db: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    skipped = runner.invoke(main, ["drift", "report", "--since", "7d"])
    assert skipped.exit_code == 0, skipped.output
    assert "skipped: no active model" in skipped.output
    with Session(cli_db) as session:
        register_reference_model(session, tmp_path / "models")
        session.commit()
    log_rows(cli_db, 300, shift=0.5)
    ran = runner.invoke(main, ["drift", "report", "--since", "7d"])
    assert ran.exit_code == 0, ran.output
    assert "succeeded" in ran.output
    assert "ALERT" in ran.output
    assert str(tmp_path / "reports") in ran.output
    listed = runner.invoke(main, ["drift", "runs"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("\n") == 2
    assert "ALERT" in listed.output
    pruned = runner.invoke(main, ["drift", "prune"])
    assert pruned.exit_code == 0, pruned.output
    assert "0 rows deleted" in pruned.output


def test_a_bad_window_and_a_held_lock_are_refused(cli_db: Engine) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["drift", "report", "--since", "week"])
    assert bad.exit_code == 2
    held = lock.try_acquire(cli_db)
    assert held is not None
    try:
        busy = runner.invoke(main, ["drift", "report"])
    finally:
        held.release()
    assert busy.exit_code == 1
    assert "in progress" in busy.output


def test_llm_prompts_lists_every_versioned_prompt(cli_db: Engine) -> None:
    listed = CliRunner().invoke(main, ["llm", "prompts"])
    assert listed.exit_code == 0, listed.output
    assert "resume_structure" in listed.output
    assert "job_structure" in listed.output
