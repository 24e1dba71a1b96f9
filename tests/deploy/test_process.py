"""The deployment's processes run for real: `app serve` stops cleanly on SIGTERM (what Docker
and Kubernetes send), and `app init` migrates, trains the initial model into MODEL_DIR once,
and leaves a registry row every replica can resolve."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.session import make_engine
from app.ml import registry
from app.seeding.service import seed_world
from tests.conftest import scratch_postgres_database

ROOT = Path(__file__).resolve().parents[2]
APP = Path(sys.executable).parent / "app"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MODEL_"))}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "MODEL_DIR": str(tmp_path / "models"),
        "DEV_JWT_SECRET_FILE": str(tmp_path / "dev_jwt_secret"),
        "MATCHING_WARM_ON_START": "false",
        "WARM_EMBEDDINGS_ON_START": "false",
        "TRAINING_CHECK_MINUTES": "0",
        "QUALITY_GATE": "false",
    }


def _image_command(port: int) -> list[str]:
    """The Dockerfile's CMD, on a loopback port: the command every container runs."""
    match = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert match is not None
    argv: list[str] = json.loads(match.group(1))
    assert argv[0] == "python"
    argv[0] = sys.executable
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    return argv


@pytest.mark.parametrize("command", ["app serve", "image CMD"])
def test_serve_shuts_down_gracefully_on_sigterm(command: str, tmp_path: Path) -> None:
    """docker stop / pod termination: SIGTERM drains the server, the app's shutdown runs, and
    the process exits 0 (one worker, and the image's two workers under uvicorn's supervisor)."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade_head(url)
    port = _free_port()
    if command == "app serve":
        argv = [str(APP), "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        argv = _image_command(port)
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**_env(url, tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server never became healthy"
            time.sleep(0.25)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    workers = 2 if command == "image CMD" else 1
    assert output.count("Application shutdown complete") == workers, output
    assert "Traceback" not in output, output


@pytest.fixture
def seeded_pg() -> Iterator[str]:
    with scratch_postgres_database("tm_init") as url:
        upgrade_head(url)
        engine = make_engine(url)
        seed_world(engine, talents=120, jobs=40, pairs=400, seed=7, embed=False)
        engine.dispose()
        yield url


def _init(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APP), "init", *args],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.postgres
@pytest.mark.slow
def test_init_trains_the_initial_model_into_model_dir_once(seeded_pg: str, tmp_path: Path) -> None:
    first = _init(seeded_pg, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "database already at head" in first.stdout
    assert "trained and activated v1.0" in first.stdout, first.stdout

    engine = make_engine(seeded_pg)
    with Session(engine) as session:
        active = registry.active_version(session, "talent_matcher")
    engine.dispose()
    assert active is not None
    artifact = Path(active.artifact_path)
    assert artifact.is_absolute(), "every replica mounts MODEL_DIR at the same absolute path"
    assert artifact == tmp_path / "models" / "v1.0"
    assert (artifact / "model.txt").is_file()

    second = _init(seeded_pg, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "active version v1.0 verifies; nothing to do" in second.stdout


def test_init_without_labelled_pairs_migrates_and_leaves_the_fallback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = _init(url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database migrated to head" in result.stdout
    assert "no labelled pairs" in result.stdout
    assert not (tmp_path / "models").exists()
