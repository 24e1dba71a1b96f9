"""`app index build|show` against a real database and snapshot directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import main
from app.db.session import get_engine
from app.matching import snapshot
from app.settings import get_settings
from tests.matching.test_indexes import _world


@pytest.fixture
def cli_env(engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MATCHING_INDEX_DIR", str(tmp_path / "indexes"))
    get_settings.cache_clear()
    get_engine.cache_clear()  # the CLI's default engine is cached per process
    yield tmp_path / "indexes"
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_build_writes_both_snapshots_and_show_lists_them(cli_env, session):
    _world(session, np.random.default_rng(0))
    runner = CliRunner()
    assert "job: no snapshot" in runner.invoke(main, ["index", "show"]).output
    built = runner.invoke(main, ["index", "build"])
    assert built.exit_code == 0, built.output
    assert "job: 12 candidates" in built.output
    assert "talent: 8 candidates" in built.output
    versions = {side: snapshot.current_version(cli_env, side) for side in ("job", "talent")}
    assert all(versions.values())
    shown = runner.invoke(main, ["index", "show"])
    assert f"job: {versions['job']} rows=12" in shown.output
    again = runner.invoke(main, ["index", "build"])
    assert snapshot.current_version(cli_env, "job") != versions["job"]  # build forces a new one
    assert again.exit_code == 0


def test_without_a_directory_it_says_what_to_set(monkeypatch):
    monkeypatch.delenv("MATCHING_INDEX_DIR", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["index", "show"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "MATCHING_INDEX_DIR" in result.output
