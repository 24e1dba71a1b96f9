"""Benchmark of what-if advice (top 3) against one plain score of the same pair.

World: the seeded SQLite world and trained model of `scripts/bench_matching.py` (`prepare`,
reused when present). For random (talent, job) pairs, single-threaded, it times:
- `advice_for`: the request path without HTTP (talent and job read by SQL with their stored
  embeddings, every candidate edit scored in one batch, top 3 kept);
- `advise`: the same on profiles already in memory (the part the edits cost);
- one plain score: features of the single pair + model predict, as `/score` does it;
and reports p50/p95/p99 of each, the ratio advise / plain score (medians), and the mean number
of candidate edits scored per pair. Prints a table and writes bench_results/advice_<UTC>.json.

    .venv/bin/python scripts/bench_advice.py --jobs 500 --talents 500 --queries 300
"""

# ruff: noqa: E402  (thread counts must be set before numpy and LightGBM load)
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file: make `app` importable
    sys.path.insert(0, str(ROOT))

from bench_matching import prepare  # a sibling script: its directory is on sys.path

from app.db.session import make_engine
from app.matching.advice import advice_for, advise, candidate_changes, score_rows
from app.ml import registry
from app.ml.features import one_to_many
from app.ml.matcher import MatchingModel
from app.ml.profiles import job_table, pair_vocab, talent_table
from app.ml.repository import load_job_profiles, load_talent_profiles
from app.ml.types import JobProfile, TalentProfile
from app.settings import get_settings

console = Console()
RESULTS = ROOT / "bench_results"


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
    }


def _plain_score(talent: TalentProfile, job: JobProfile, model: MatchingModel | None) -> float:
    vocab = pair_vocab(talent, job)
    features = one_to_many(talent_table([talent], vocab), job_table([job], vocab), [0])
    return float(score_rows(model, features)[0][0])


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(
    jobs: int = typer.Option(500, help="Jobs in the world."),
    talents: int = typer.Option(500, help="Talents in the world."),
    pairs: int = typer.Option(2000, help="Labelled pairs (to train the model)."),
    queries: int = typer.Option(300, help="Timed (talent, job) pairs."),
    seed: int = typer.Option(0),
    work_dir: Path = typer.Option(Path(tempfile.gettempdir()) / "talent_match_bench"),
) -> None:
    url, _ = prepare(jobs, talents, pairs, work_dir)
    engine = make_engine(url)
    rng = np.random.default_rng(seed)
    with Session(engine) as session:
        active = registry.active_version(session, "talent_matcher")
        model = MatchingModel.load(Path(active.artifact_path)) if active else None
        talent_profiles = load_talent_profiles(session)
        job_profiles = load_job_profiles(session)
        picks = [
            (
                talent_profiles[int(rng.integers(len(talent_profiles)))],
                job_profiles[int(rng.integers(len(job_profiles)))],
            )
            for _ in range(queries)
        ]
        times: dict[str, list[float]] = {"advice_for": [], "advise": [], "plain_score": []}
        edits: list[int] = []
        found_any = 0
        for t, j in picks[:10]:  # warm-up: imports, interners, LightGBM
            advice_for(session, t.id, j.id, model)  # type: ignore[arg-type]
        for t, j in picks:
            assert t.id is not None
            assert j.id is not None
            talent_id, job_id = t.id, j.id
            times["advice_for"].append(
                _timed(partial(advice_for, session, talent_id, job_id, model, limit=3))
            )
            times["advise"].append(_timed(partial(advise, t, j, model, limit=3)))
            times["plain_score"].append(_timed(partial(_plain_score, t, j, model)))
            edits.append(len(candidate_changes(t, j)))
            found_any += bool(advise(t, j, model, limit=3).suggestions)
    engine.dispose()
    stats = {name: _percentiles(values) for name, values in times.items()}
    ratio = stats["advise"]["p50_ms"] / stats["plain_score"]["p50_ms"]
    result = {
        "world": {"jobs": jobs, "talents": talents, "queries": queries, "seed": seed},
        "model_version": model.version if model else None,
        "latency": stats,
        "advise_over_plain_score_p50": round(ratio, 2),
        "mean_candidate_edits": round(float(np.mean(edits)), 1),
        "pairs_with_advice": found_any,
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
        "embedding_model": get_settings().embedding_model_id,
    }
    table = Table(title=f"What-if advice (top 3), {queries} pairs, model {result['model_version']}")
    for column in ("call", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column)
    for name, row in stats.items():
        table.add_row(name, *(f"{row[k]:.3f}" for k in ("p50_ms", "p95_ms", "p99_ms")))
    console.print(table)
    console.print(
        f"advise / plain score (p50): {ratio:.2f}x; candidate edits per pair: "
        f"{result['mean_candidate_edits']}; pairs with advice: {found_any}/{queries}"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"advice_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {out}")


if __name__ == "__main__":
    typer.run(main)
