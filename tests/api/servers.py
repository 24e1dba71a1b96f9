"""Real API server processes (`app serve`) for tests that need several workers or replicas.

Each server runs in its own working directory (no `.env` is read) with the environment the test
gives it, and is stopped with SIGTERM, as an orchestrator would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.jwt_tokens import HS_SECRET

START_TIMEOUT_SECONDS = 90.0

BASE_ENV = {
    "ENVIRONMENT": "test",
    "JWT_SECRET": HS_SECRET,
    "RATE_LIMIT": "10000/minute",
    "LOG_LEVEL": "WARNING",
    "WARM_EMBEDDINGS_ON_START": "false",
    "MATCHING_WARM_ON_START": "false",
    "TRAINING_CHECK_MINUTES": "0",
    "QUALITY_GATE": "false",
    "HF_HUB_OFFLINE": "1",
}
# Settings of the test process that must not leak into a server's environment.
OWN_SETTINGS = ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "METRICS_SCRAPE_TOKEN", "EXPOSE_METRICS")


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited at start:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not up in {START_TIMEOUT_SECONDS:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serving(directory: Path, env: dict[str, str], *, workers: int = 1) -> Iterator[Server]:
    """`app serve` on a free loopback port, with `env` over `BASE_ENV`; stopped afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / f"server-{port}.log"
    child_env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
    child_env.update(BASE_ENV)
    child_env.update(env)
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=directory,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)
