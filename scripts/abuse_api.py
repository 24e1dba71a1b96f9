"""Abuse check: do honest users keep their latency while others attack by cost?

Starts a real server (`app serve`, loopback only) on a seeded database, then measures honest
users' POST /match/talent-to-jobs latency twice, for the same bounded time:

- idle: only the honest users;
- under abuse, at the same time: two company accounts sending 20,000-character texts to
  /enrich/job at just under the old limit (100 requests/minute each), a flood of unauthenticated
  /health and /health/ready probes, and an unauthenticated client rotating X-Forwarded-For.

It prints a before/after table (p50/p95 and their ratio, target p95 <= 2x idle), how many
abusive requests were throttled (429), and the impression log (`matches`) against its cap, and
writes bench_results/abuse_api_<UTC time>.json.

    .venv/bin/python scripts/abuse_api.py                      # fresh SQLite world, ~2 min
    .venv/bin/python scripts/abuse_api.py --database-url postgresql+psycopg://...  # seeded DB
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from app.auth.dev_tokens import mint_dev_token
from app.core.enums import Role
from app.db.models import Match, Talent
from app.db.session import make_engine
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench_results"
T2J = "/api/v1/match/talent-to-jobs"
LONG_POSTING = ("Senior Python engineer: Django, PostgreSQL, Kubernetes, Terraform. " * 300)[
    :20_000
]
console = Console()


@dataclass
class Phase:
    name: str
    seconds: float
    honest_requests: int = 0
    honest_p50_ms: float = 0.0
    honest_p95_ms: float = 0.0
    honest_statuses: dict[str, int] = field(default_factory=dict)
    abusive: dict[str, dict[str, int]] = field(default_factory=dict)
    load_average: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average at the start and the end of the phase: on a shared
    machine other processes' load moves p95 as much as the abuse does."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare_database(url: str | None, workdir: Path, talents: int, jobs: int) -> str:
    """A migrated, seeded SQLite world unless a database URL is given (used as it is)."""
    if url is not None:
        return url
    url = f"sqlite:///{workdir / 'abuse.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    for args in (
        ["migrate"],
        ["seed", "--talents", str(talents), "--jobs", str(jobs), "--pairs", "0", "--no-embed"],
    ):
        subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


def _start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=2).is_success:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the server did not become ready; see {log}")


async def _honest(
    client: httpx.AsyncClient, token: str, talent_id: str, until: float, pause: float
) -> tuple[list[float], Counter[str]]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.post(T2J, json={"talent_id": talent_id}, headers=headers)
        except httpx.HTTPError as exc:
            statuses[type(exc).__name__] += 1
        else:
            statuses[str(response.status_code)] += 1
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(pause)
    return latencies, statuses


async def _paced(
    client: httpx.AsyncClient,
    until: float,
    interval: float,
    send: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
    tally: Counter[str],
) -> None:
    """Open loop: one request every `interval` seconds, not waiting for answers."""
    pending: set[asyncio.Task[None]] = set()

    async def one() -> None:
        try:
            response = await send(client)
            tally[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            tally[type(exc).__name__] += 1

    while time.monotonic() < until:
        task = asyncio.create_task(one())
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(interval)
    await asyncio.gather(*pending)


async def _flood(client: httpx.AsyncClient, until: float, tally: Counter[str]) -> None:
    """Closed loop, as fast as answers come: the probe flood."""
    paths = ("/api/v1/health", "/api/v1/health/ready")
    i = 0
    while time.monotonic() < until:
        try:
            response = await client.get(paths[i % 2])
            tally[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            tally[type(exc).__name__] += 1
        i += 1


async def _phase(
    base: str,
    name: str,
    seconds: float,
    honest: list[tuple[str, str]],
    companies: list[str],
    abuse: bool,
    probe_clients: int,
) -> Phase:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    load_before = os.getloadavg()[0]
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as client:
        until = time.monotonic() + seconds
        tallies: dict[str, Counter[str]] = {
            "enrich_20k": Counter(),
            "health_flood": Counter(),
            "xff_rotation": Counter(),
        }
        # One request a second per user: well inside the limit, so no honest request is refused.
        jobs = [_honest(client, token, talent, until, 1.0) for token, talent in honest]
        extra: list[Coroutine[Any, Any, None]] = []
        if abuse:
            for token in companies:

                async def enrich(c: httpx.AsyncClient, t: str = token) -> httpx.Response:
                    return await c.post(
                        "/api/v1/enrich/job",
                        json={"text": LONG_POSTING},
                        headers={"Authorization": f"Bearer {t}"},
                    )

                extra.append(_paced(client, until, 0.61, enrich, tallies["enrich_20k"]))
            extra += [_flood(client, until, tallies["health_flood"]) for _ in range(probe_clients)]
            counter = iter(range(1_000_000))

            async def rotate(c: httpx.AsyncClient) -> httpx.Response:
                n = next(counter)
                forged = f"198.51.{n // 250 % 250}.{n % 250 + 1}"
                return await c.post(
                    "/api/v1/feedback", json={}, headers={"X-Forwarded-For": forged}
                )

            extra.append(_paced(client, until, 0.05, rotate, tallies["xff_rotation"]))
        results, _ = await asyncio.gather(asyncio.gather(*jobs), asyncio.gather(*extra))
    latencies = [ms for lat, _ in results[: len(honest)] for ms in lat]
    statuses: Counter[str] = Counter()
    for _, tally in results[: len(honest)]:
        statuses.update(tally)
    return Phase(
        name=name,
        seconds=seconds,
        honest_requests=len(latencies),
        honest_p50_ms=round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        honest_p95_ms=round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
        honest_statuses=dict(statuses),
        abusive={k: dict(v) for k, v in tallies.items()} if abuse else {},
        load_average=(round(load_before, 2), round(os.getloadavg()[0], 2)),
    )


def _match_log(url: str, cap_requests: int, limit: int) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = int(conn.scalar(select(func.count()).select_from(Match)) or 0)
            per_talent = (
                select(func.count().label("n"))
                .select_from(Match)
                .group_by(Match.talent_id)
                .subquery()
            )
            largest = int(conn.scalar(select(func.max(per_talent.c.n))) or 0)
    finally:
        engine.dispose()
    return {
        "rows": rows,
        "largest_talent_rows": largest,
        "cap_rows_per_subject": cap_requests * limit,
    }


def main(
    database_url: Annotated[
        str | None, typer.Option(help="A seeded database (default: a fresh SQLite world).")
    ] = None,
    seconds: Annotated[float, typer.Option(min=5, max=120, help="Length of each phase.")] = 20.0,
    honest_users: Annotated[int, typer.Option(min=1, max=16)] = 8,
    probe_clients: Annotated[int, typer.Option(min=0, max=64)] = 32,
    rate_limit: Annotated[str, typer.Option(help="The server's RATE_LIMIT.")] = "100/minute",
    log_cap: Annotated[int, typer.Option(help="MATCH_LOG_REQUESTS_PER_SUBJECT.")] = 50,
) -> None:
    """Run the idle and the abuse phase against a fresh loopback server; print and save."""
    workdir = Path(tempfile.mkdtemp(prefix="abuse_api_"))
    console.print(f"preparing the database in {workdir} ...")
    url = _prepare_database(database_url, workdir, talents=300, jobs=120)
    secret = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": url,
        "JWT_SECRET": secret,
        "RATE_LIMIT": rate_limit,
        "MATCH_LOG_REQUESTS_PER_SUBJECT": str(log_cap),
        "TRAINING_CHECK_MINUTES": "0",
        "WARM_EMBEDDINGS_ON_START": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TRUSTED_PROXIES", None)
    settings = Settings(_env_file=None, jwt_secret=secret)
    engine = make_engine(url)
    with engine.connect() as conn:
        talents = [str(t) for t in conn.scalars(select(Talent.id).limit(honest_users))]
    engine.dispose()

    def honest_users_of_a_phase() -> list[tuple[str, str]]:
        """Fresh identities per phase: the idle phase must not spend the next one's budget."""
        return [(mint_dev_token(settings, uuid.uuid4(), Role.ADMIN), t) for t in talents]

    companies = [mint_dev_token(settings, uuid.uuid4(), Role.COMPANY) for _ in range(2)]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start_server(env, port, workdir / "server.log")
    try:
        warm = mint_dev_token(settings, uuid.uuid4(), Role.COMPANY)
        httpx.post(
            f"{base}/api/v1/enrich/job",
            json={"text": "Python developer"},
            headers={"Authorization": f"Bearer {warm}"},
            timeout=120,
        )  # the enrichment models load on first use: not part of either phase
        phases = [
            asyncio.run(
                _phase(
                    base, name, seconds, honest_users_of_a_phase(), companies, abuse, probe_clients
                )
            )
            for name, abuse in (("idle", False), ("under abuse", True))
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = _match_log(url, log_cap, 10)
    idle, attacked = phases
    ratio = attacked.honest_p95_ms / idle.honest_p95_ms if idle.honest_p95_ms else float("nan")

    table = Table("phase", "honest requests", "p50 ms", "p95 ms", "statuses", "load 1m")
    for phase in phases:
        table.add_row(
            phase.name,
            str(phase.honest_requests),
            f"{phase.honest_p50_ms:.1f}",
            f"{phase.honest_p95_ms:.1f}",
            json.dumps(phase.honest_statuses),
            " -> ".join(f"{x:.2f}" for x in phase.load_average),
        )
    console.print(table)
    console.print(f"honest p95 under abuse / idle: {ratio:.2f}x (target <= 2x)")
    abusive = Table("abuser", "sent", "throttled (429)", "statuses")
    for name, tally in attacked.abusive.items():
        sent = sum(tally.values())
        abusive.add_row(name, str(sent), str(tally.get("429", 0)), json.dumps(tally))
    console.print(abusive)
    console.print(
        f"match log: {log['rows']} rows; largest talent {log['largest_talent_rows']} rows, "
        f"cap {log['cap_rows_per_subject']} ({log_cap} requests x 10 results)"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"abuse_api_{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(
        json.dumps(
            {
                "phases": [asdict(p) for p in phases],
                "p95_ratio": round(ratio, 3),
                "match_log": log,
                "rate_limit": rate_limit,
                "database": url.split("://", 1)[0],
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            },
            indent=2,
        )
    )
    console.print(f"wrote {out}")


if __name__ == "__main__":
    typer.run(main)
