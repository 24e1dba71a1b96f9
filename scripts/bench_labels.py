"""How long the label query (`app.training.repository`) takes as the impression log grows.

Builds a synthetic log in a fresh database: T talents, J jobs, R requests of 10 impressions
each, and feedback on ~20 % of impressions (some pairs with two actions, so "latest wins"
has work to do). Then times `count_labels` (the "enough new feedback?" gate) and
`fetch_labels` (the rows a training run reads), best of 3.

    .venv/bin/python scripts/bench_labels.py --requests 10000
    .venv/bin/python scripts/bench_labels.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.models import Company, Job, Match, MatchFeedback, Talent
from app.db.session import make_engine, normalise_url
from app.training.repository import count_labels, fetch_labels

console = Console()
cli = typer.Typer(add_completion=False)
SHOWN = 10


def _rows(n: int, make: Any) -> list[dict[str, Any]]:
    return [make(i) for i in range(n)]


def _populate(url: str, talents: int, jobs: int, requests: int, seed: int) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    now = datetime.now(UTC)
    company = uuid.uuid4()
    talent_ids = [uuid.uuid4() for _ in range(talents)]
    job_ids = [uuid.uuid4() for _ in range(jobs)]
    with engine.begin() as conn:
        conn.execute(
            insert(Company),
            [
                {
                    "id": company,
                    "name": "Bench",
                    "industry": "Software",
                    "size": "medium",
                    "work_style": "async",
                }
            ],
        )
        conn.execute(
            insert(Talent),
            _rows(
                talents,
                lambda i: {
                    "id": talent_ids[i],
                    "full_name": f"T{i}",
                    "headline": "dev",
                    "years_experience": 3.0,
                    "seniority": "mid",
                    "remote_preference": "any",
                    "currency": "USD",
                    "preferred_industries": [],
                    "bio": "",
                    "resume_text": "",
                },
            ),
        )
        conn.execute(
            insert(Job),
            _rows(
                jobs,
                lambda i: {
                    "id": job_ids[i],
                    "company_id": company,
                    "title": f"J{i}",
                    "description": "",
                    "seniority": "mid",
                    "min_years": 0.0,
                    "remote_policy": "remote",
                    "currency": "USD",
                    "status": "open",
                },
            ),
        )
        who = rng.integers(0, talents, requests)
        shown = rng.integers(0, jobs, (requests, SHOWN))
        at = [
            now - timedelta(days=30) + timedelta(seconds=int(s))
            for s in rng.integers(0, 2_500_000, requests)
        ]
        matches = [
            {
                "id": uuid.uuid4(),
                "talent_id": talent_ids[who[r]],
                "job_id": job_ids[shown[r, k]],
                "ml_score": 50.0,
                "source": "ml",
                "position": k + 1,
                "request_id": f"r{r}",
                "explanation": {},
                "created_at": at[r],
            }
            for r in range(requests)
            for k in range(SHOWN)
        ]
        conn.execute(insert(Match), matches)
        acted = rng.random((requests, SHOWN)) < 0.2 * np.arange(1, SHOWN + 1) ** -0.5
        kinds = np.array(["apply", "dismiss", "contact", "reject"])
        feedback: dict[tuple[uuid.UUID, uuid.UUID, str], dict[str, Any]] = {}
        for r, k in zip(*np.nonzero(acted), strict=True):
            pair = (talent_ids[who[r]], job_ids[shown[r, k]])
            for kind in rng.choice(kinds, size=int(rng.integers(1, 3)), replace=False):
                feedback[(*pair, str(kind))] = {
                    "id": uuid.uuid4(),
                    "talent_id": pair[0],
                    "job_id": pair[1],
                    "feedback_type": str(kind),
                    "created_at": at[r] + timedelta(minutes=int(rng.integers(1, 600))),
                }
        conn.execute(insert(MatchFeedback), list(feedback.values()))
    engine.dispose()
    return {"impressions": len(matches), "feedback": len(feedback)}


def _best_of(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


@cli.command()
def main(
    talents: int = typer.Option(2000, min=10),
    jobs: int = typer.Option(500, min=10),
    requests: int = typer.Option(10_000, min=10, help="Requests of 10 impressions each."),
    seed: int = typer.Option(3),
    database_url: str | None = typer.Option(
        None, help="A Postgres server URL (a scratch database is created); default: SQLite."
    ),
    out: Path = typer.Option(Path("bench_results/bench_labels.json")),
) -> None:
    scratch = None
    if database_url:
        admin = create_engine(normalise_url(database_url), isolation_level="AUTOCOMMIT")
        scratch = f"bench_labels_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = normalise_url(database_url).rsplit("/", 1)[0] + f"/{scratch}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench_labels_')) / 'bench.db'}"
    try:
        upgrade_head(url)
        started = time.perf_counter()
        sizes = _populate(url, talents, jobs, requests, seed)
        populate_s = time.perf_counter() - started
        engine = make_engine(url)
        with Session(engine) as session:
            count_s, count = _best_of(lambda: count_labels(session))
            since = datetime.now(UTC) - timedelta(days=7)
            recent_s, recent = _best_of(lambda: count_labels(session, since=since))
            fetch_s, labels = _best_of(lambda: fetch_labels(session))
        engine.dispose()
    finally:
        if scratch is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    backend = "postgres" if database_url else "sqlite"
    table = Table(
        title=f"label query on {backend}: {sizes['impressions']} impressions, "
        f"{sizes['feedback']} feedback rows (populated in {populate_s:.1f} s)"
    )
    for column in ("query", "rows", "seconds (best of 3)"):
        table.add_column(column, justify="right" if column != "query" else "left")
    table.add_row("count_labels (all)", str(count), f"{count_s:.3f}")
    table.add_row("count_labels (last 7 days)", str(recent), f"{recent_s:.3f}")
    table.add_row("fetch_labels (all rows)", str(len(labels)), f"{fetch_s:.3f}")
    console.print(table)
    report = {
        "backend": backend,
        **sizes,
        "label_rows": len(labels),
        "count_all_s": round(count_s, 4),
        "count_recent_s": round(recent_s, 4),
        "fetch_all_s": round(fetch_s, 4),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(f"report: {out}")


if __name__ == "__main__":
    cli()
