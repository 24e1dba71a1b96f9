"""Load test of POST /api/v1/match/talent-to-jobs against a running server on this machine.

Drives the endpoint at increasing concurrency (one closed-loop client per slot: send, wait,
send again), each level for a bounded time, and reports throughput and latency percentiles per
level. Only loopback targets are allowed. Every request is admin-authenticated with a token
minted like `app token` (same JWT_SECRET as the server) and asks for a random seeded talent.

    # terminal 1 (rate limit raised so the benchmark measures matching, not the limiter)
    RATE_LIMIT=1000000/minute .venv/bin/app serve --workers 2 --port 8765
    # terminal 2
    .venv/bin/python scripts/load_api.py --base-url http://127.0.0.1:8765 --levels 1,4,16,32

Writes bench_results/load_api_<UTC time>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from app.auth.dev_tokens import mint_dev_token
from app.core.enums import Role
from app.db.models import Talent
from app.db.session import make_engine
from app.settings import get_settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PATH = "/api/v1/match/talent-to-jobs"
RESULTS = Path(__file__).resolve().parent.parent / "bench_results"


@dataclass
class LevelResult:
    concurrency: int
    seconds: float
    requests: int
    ok: int
    errors: dict[str, int] = field(default_factory=dict)
    throughput_rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    mean_ms: float = 0.0
    sources: dict[str, int] = field(default_factory=dict)


def talent_ids(database_url: str, limit: int) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Talent.id).limit(limit)).scalars().all()
    finally:
        engine.dispose()
    return [str(r) for r in rows]


async def run_level(
    client: httpx.AsyncClient,
    concurrency: int,
    seconds: float,
    max_requests: int,
    ids: list[str],
    limit: int,
) -> LevelResult:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sources: dict[str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds
    rng = random.Random(concurrency)

    async def worker() -> None:
        nonlocal sent
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            body = {"talent_id": rng.choice(ids), "limit": limit}
            started = time.perf_counter()
            try:
                response = await client.post(PATH, json=body)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            elapsed = time.perf_counter() - started
            if response.status_code == 200:
                latencies.append(elapsed)
                matches = response.json()["matches"]
                source = matches[0]["source"] if matches else "empty"
                sources[source] = sources.get(source, 0) + 1
            else:
                key = str(response.status_code)
                errors[key] = errors.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    result = LevelResult(concurrency, round(wall, 2), sent, len(latencies), errors, sources=sources)
    if latencies:
        ms = np.asarray(latencies) * 1000
        result.throughput_rps = round(len(latencies) / wall, 2)
        result.p50_ms, result.p95_ms, result.p99_ms = (
            round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)
        )
        result.mean_ms = round(float(ms.mean()), 1)
    return result


async def run_all(
    base_url: str,
    token: str,
    levels: list[int],
    seconds: float,
    warmup: float,
    max_requests: int,
    ids: list[str],
    limit: int,
    console: Console,
) -> list[LevelResult]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=max(levels), max_keepalive_connections=max(levels))
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=60.0, limits=limits
    ) as client:
        health = await client.get("/api/v1/health")
        console.print(f"server health: {health.json()}")
        if warmup > 0:
            await run_level(client, 2, warmup, max_requests, ids, limit)
        results = []
        for level in levels:
            result = await run_level(client, level, seconds, max_requests, ids, limit)
            console.print(
                f"concurrency {level}: {result.ok} ok, {result.throughput_rps} req/s, "
                f"p95 {result.p95_ms} ms, errors {result.errors}"
            )
            results.append(result)
        return results


def main(
    base_url: Annotated[str, typer.Option(help="Server to load (loopback only)")] = (
        "http://127.0.0.1:8000"
    ),
    levels: Annotated[str, typer.Option(help="Comma-separated concurrency levels")] = "1,4,16,32",
    seconds: Annotated[float, typer.Option(min=1, max=120, help="Time per level")] = 15.0,
    warmup: Annotated[float, typer.Option(min=0, max=60, help="Warm-up seconds")] = 5.0,
    max_requests: Annotated[int, typer.Option(min=1, help="Cap per level")] = 20_000,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Matches per request")] = 10,
    talents: Annotated[int, typer.Option(min=1, help="Distinct talents to ask for")] = 500,
) -> None:
    host = urlsplit(base_url).hostname or ""
    if host not in LOOPBACK:
        raise typer.BadParameter(f"only loopback targets are allowed, not {host!r}")
    console = Console()
    settings = get_settings()
    ids = talent_ids(settings.database_url, talents)
    if not ids:
        raise typer.BadParameter("the database has no talents: run `app seed` first")
    token = mint_dev_token(settings, uuid.uuid4(), Role.ADMIN)
    level_list = [int(x) for x in levels.split(",") if x.strip()]
    results = asyncio.run(
        run_all(base_url, token, level_list, seconds, warmup, max_requests, ids, limit, console)
    )

    table = Table(title=f"POST {PATH} (limit={limit}, {len(ids)} talents)")
    for column in ("concurrency", "requests ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r.concurrency),
            str(r.ok),
            str(sum(r.errors.values())),
            f"{r.throughput_rps:.1f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
        )
    console.print(table)

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"load_api_{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "endpoint": PATH,
                "base_url": base_url,
                "limit": limit,
                "talents": len(ids),
                "seconds_per_level": seconds,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "levels": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    console.print(f"wrote {out}")


if __name__ == "__main__":
    typer.run(main)
