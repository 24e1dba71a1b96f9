"""A command against a database that is not migrated, or not there, ends in one line with the
fix and exit status 2 - with a real `app` process on both backends, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.migrate import upgrade_head
from tests.conftest import scratch_postgres_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _app(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": database_url,
        "MODEL_DIR": str(tmp_path / "models"),
    }
    return subprocess.run(  # in tmp_path: no `.env` of the checkout is read
        [sys.executable, "-m", "app.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def unmigrated_pg() -> Iterator[str]:
    with scratch_postgres_database("tm_unmigrated") as url:
        yield url


def _unmigrated_sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.mark.parametrize("command", [("models", "list"), ("llm", "prompts"), ("drift", "runs")])
def test_an_unmigrated_sqlite_file_says_run_migrate(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = _app(tmp_path, _unmigrated_sqlite(tmp_path), *command)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: database sqlite:///")
    assert "is not migrated (no such table: " in line
    assert line.endswith("run `app migrate` first")


@pytest.mark.postgres
def test_an_unmigrated_postgres_database_says_run_migrate(
    tmp_path: Path, unmigrated_pg: str
) -> None:
    done = _app(tmp_path, unmigrated_pg, "models", "list")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert 'is not migrated (relation "ml_model_versions" does not exist)' in line
    assert line.endswith("run `app migrate` first")


@pytest.mark.postgres
def test_after_migrate_the_same_command_works(tmp_path: Path, unmigrated_pg: str) -> None:
    upgrade_head(unmigrated_pg)
    done = _app(tmp_path, unmigrated_pg, "models", "list")
    assert done.returncode == 0, done.stderr
    assert "error:" not in done.stderr


def test_an_unreachable_server_is_named_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://tm:hunter2-secret@127.0.0.1:9/tm"
    done = _app(tmp_path, url, "models", "list")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(
        "error: cannot reach database postgresql+psycopg://tm:***@127.0.0.1:9/tm"
    )
    assert "hunter2-secret" not in done.stderr
