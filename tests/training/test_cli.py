"""`app models list|activate|rollback` against a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import main
from app.db.session import get_engine
from app.ml import registry
from app.settings import get_settings
from tests.conftest import clean_tables
from tests.training.conftest import corrupt, register_artifact


@pytest.fixture
def cli_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()
    get_engine.cache_clear()
    clean_tables(sqlite_engine)


def _seed(engine: Engine, root: Path) -> None:
    with Session(engine) as session:
        for version in ("v1.0", "v1.1"):
            register_artifact(session, root, version, activate=True)
        session.commit()


def test_list_activate_and_rollback(cli_db: Engine, tmp_path: Path) -> None:
    _seed(cli_db, tmp_path)
    runner = CliRunner()
    listed = runner.invoke(main, ["models", "list"])
    assert listed.exit_code == 0, listed.output
    assert "v1.1" in listed.output
    assert "active" in listed.output

    rolled = runner.invoke(main, ["models", "rollback"])
    assert rolled.exit_code == 0, rolled.output
    assert "rolled back to v1.0" in rolled.output

    forward = runner.invoke(main, ["models", "activate", "v1.1"])
    assert forward.exit_code == 0, forward.output
    with Session(cli_db) as session:
        assert registry.active_version(session, "talent_matcher").version == "v1.1"  # type: ignore[union-attr]


def test_broken_artifact_is_not_activated(cli_db: Engine, tmp_path: Path) -> None:
    _seed(cli_db, tmp_path)
    corrupt(str(tmp_path / "v1.0"))
    result = CliRunner().invoke(main, ["models", "activate", "v1.0"])
    assert result.exit_code == 2
    assert "checksum" in result.output
    with Session(cli_db) as session:
        assert registry.active_version(session, "talent_matcher").version == "v1.1"  # type: ignore[union-attr]


def test_bad_version_is_a_clear_error(cli_db: Engine) -> None:
    result = CliRunner().invoke(main, ["models", "activate", "1.0"])
    assert result.exit_code == 2
    assert "version" in result.output
    assert "invalid" in result.output
