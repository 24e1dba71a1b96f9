"""Time and peak memory of seeding a large world (default 100k talents + 100k jobs).

    .venv/bin/python scripts/bench_seed.py [--talents 100000] [--jobs 100000] [--no-embed]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Seeds a fresh temporary SQLite file (or a scratch Postgres database created next to the
given admin URL and dropped afterwards) in this process, then reports each stage's time,
rows/s and the process's peak RSS. Texts are bounded by design (occupation x variant
templates), so embedding cost does not grow with the row count; the output says how many
distinct texts there were and how many went through the model.

Prints a table and writes bench_results/seed_<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from app.db.migrate import upgrade_head
from app.db.session import make_engine, normalise_url
from app.seeding.service import seed_world

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def scratch_database(postgres_admin: str | None) -> Iterator[str]:
    if postgres_admin is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'seed_bench.db'}"
        return
    admin_url = normalise_url(postgres_admin)
    name = f"tm_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talents", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-embed", dest="embed", action="store_false")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None)
    args = parser.parse_args()

    backend = "postgres" if args.postgres else "sqlite"
    with scratch_database(args.postgres) as url:
        upgrade_head(url)
        engine = make_engine(url)
        started = time.perf_counter()
        report = seed_world(
            engine,
            talents=args.talents,
            jobs=args.jobs,
            pairs=args.pairs,
            seed=args.seed,
            embed=args.embed,
            progress=True,
        )
        total = time.perf_counter() - started
        engine.dispose()

    print(f"\nseed {args.talents:,} talents + {args.jobs:,} jobs on {backend}")
    print(f"  {'stage':<10}{'seconds':>10}")
    for stage, seconds in report.seconds.items():
        print(f"  {stage:<10}{seconds:>10.1f}")
    print(f"  {'total':<10}{total:>10.1f}")
    print(f"  rows written {report.rows_written:,} at {report.rows_per_second:,.0f} rows/s")
    print(f"  distinct texts {report.distinct_texts} (bounded: occupation x variant templates)")
    print(f"  texts sent to the model {report.texts_embedded}")
    print(f"  peak RSS {report.peak_rss_mb:,.0f} MB; load average {os.getloadavg()[0]:.1f}")

    out = ROOT / "bench_results" / f"seed_{backend}.json"
    out.parent.mkdir(exist_ok=True)
    result = {
        "backend": backend,
        "talents": args.talents,
        "jobs": args.jobs,
        "total_seconds": round(total, 2),
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": os.getloadavg()[0],
        **report.as_dict(),
    }
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
