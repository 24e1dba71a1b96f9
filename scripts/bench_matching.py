"""Benchmark of the matching service: latency, two-stage recall and overhead over LightGBM.

World: `seed_world` into a SQLite file under the temp directory (reused when present), a model
trained on its labelled pairs with `train_initial` (reused when one verifies). The synthetic
world reuses a bounded set of distinct texts (text variants per occupation) with varied
structured fields, so embedding 100k profiles embeds only a few thousand texts.

Measured single-threaded (BLAS, OpenMP and LightGBM pinned to one thread), per direction
(talent -> jobs, job -> talents), limit 20, explanations on, matches persisted:
- p50/p95/p99 latency of the service call; both candidate indexes are built first, as the
  API does at start-up (their build time is reported separately), then one warm-up call;
- recall@20 of the two-stage result against exhaustive scoring (full features + model on
  every candidate) for a sample of queries;
- the same queries again per variant (`--variants`): the compact view (no SHAP, no
  sentences), a broad filter set and a selective one (`FILTERS`), latency only;
- overhead = end-to-end time / (LightGBM predict on the short list + pred_contrib on the
  returned rows), both timed in the same run on the same inputs; median over queries.

    .venv/bin/python scripts/bench_matching.py                 # 100k x 100k
    .venv/bin/python scripts/bench_matching.py --jobs 2000 --talents 2000 --queries 50
"""

# ruff: noqa: E402  (thread counts must be set before numpy and LightGBM load)
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.models import Job, Match, Talent
from app.db.session import make_engine
from app.matching.filters import MatchFilters
from app.matching.retrieval import Side, shortlist
from app.matching.service import (
    MatchingState,
    View,
    load_active_model,
    match_job_to_talents,
    match_talent_to_jobs,
)
from app.ml.features import one_to_many
from app.ml.matcher import MatchingModel
from app.seeding.service import seed_world
from app.settings import get_settings
from app.training.initial import train_initial

console = Console()
LIMIT = 20
EXHAUSTIVE_CHUNK = 20_000


def prepare(jobs: int, talents: int, pairs: int, work_dir: Path) -> tuple[str, Path]:
    """A seeded SQLite world and a trained model for it; both reused when present."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / f"bench_j{jobs}_t{talents}.db"
    url = f"sqlite:///{db_path}"
    upgrade_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        have = session.scalar(select(func.count()).select_from(Talent)) or 0
    if have == 0:
        console.print(f"seeding {jobs} jobs x {talents} talents into {db_path} ...")
        started = time.perf_counter()
        seed_world(engine, talents=talents, jobs=jobs, pairs=pairs, progress=True)
        console.print(f"seeded in {time.perf_counter() - started:.0f} s")
    model_dir = work_dir / f"models_j{jobs}_t{talents}"
    with Session(engine) as session:
        # A speed benchmark: the model is judged on quality elsewhere (scripts/bench_quality.py).
        settings = get_settings().model_copy(update={"quality_gate": False})
        outcome = train_initial(
            session,
            model_dir=model_dir,
            model_id="talent_matcher",
            if_missing=True,
            settings=settings,
        )
        console.print(outcome.message)
        # Every run persists 8,000 matches; start each from the same (seeded) state so that
        # the cost of writing them does not grow from one run to the next.
        dropped = session.scalar(select(func.count()).select_from(Match)) or 0
        session.execute(delete(Match))
        session.commit()
        console.print(f"cleared {dropped} matches left by earlier runs")
    engine.dispose()
    return url, model_dir


def _percentiles(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
        "p99_ms": round(float(np.percentile(arr, 99)), 2),
        "mean_ms": round(float(arr.mean()), 2),
    }


def _lightgbm_floor(model: MatchingModel, state: MatchingState, subject: Any, index: Any) -> float:
    """Seconds for predict on the short list + pred_contrib on the top LIMIT rows."""
    rows = shortlist(
        subject,
        index,
        state.shortlist_size,
        model.metadata.retrieval_weights,
        prefilter_size=state.prefilter_size,
    )
    features = one_to_many(subject, index.table, rows)
    started = time.perf_counter()
    scores = model.predict(features)
    top = np.argsort(-scores)[:LIMIT]
    model.contributions(features[top])
    return time.perf_counter() - started


def _recall(
    model: MatchingModel, subject: Any, index: Any, returned: list[Any]
) -> tuple[float, float]:
    """(strict, tie-aware) recall@LIMIT of `returned` against scoring every candidate.

    Strict: overlap with the exhaustive top LIMIT (ties at the cut broken by row order).
    Tie-aware: a returned candidate counts when its exact score reaches the exhaustive
    LIMIT-th score, since candidates with identical features tie exactly (the synthetic
    world reuses texts) and either of them is a correct answer.
    """
    n = len(index.table)
    scores = np.empty(n)
    for start in range(0, n, EXHAUSTIVE_CHUNK):
        rows = np.arange(start, min(start + EXHAUSTIVE_CHUNK, n))
        scores[rows] = model.predict(one_to_many(subject, index.table, rows))
    order = np.argsort(-scores, kind="stable")[:LIMIT]
    strict = len({index.table.ids[i] for i in order} & set(returned)) / max(len(order), 1)
    cut = scores[order[-1]] - 1e-9
    hits = sum(1 for cid in returned if scores[index.row_of[cid]] >= cut)
    return strict, min(hits, len(order)) / max(len(order), 1)


def run_direction(
    session: Session,
    state: MatchingState,
    direction: str,
    ids: list[Any],
    recall_queries: int,
) -> dict[str, Any]:
    model = state.model
    assert model is not None
    call = match_talent_to_jobs if direction == "talent_to_jobs" else match_job_to_talents
    side: Side = "job" if direction == "talent_to_jobs" else "talent"
    started = time.perf_counter()
    call(session, ids[0], limit=LIMIT, state=state)
    warmup = time.perf_counter() - started
    index = state.indexes[side].get(session)

    latencies, floors, ratios = [], [], []
    stage_totals: dict[str, list[float]] = {}
    results: dict[Any, list[Any]] = {}
    for subject_id in ids[1:]:
        started = time.perf_counter()
        outcome = call(session, subject_id, limit=LIMIT, state=state)
        elapsed = time.perf_counter() - started
        latencies.append(elapsed)
        results[subject_id] = [m.id for m in outcome.matches]
        for stage, seconds in outcome.timings.items():
            stage_totals.setdefault(stage, []).append(seconds)
        subject = _subject_table(session, state, direction, subject_id)
        floor = _lightgbm_floor(model, state, subject, index)
        floors.append(floor)
        ratios.append(elapsed / floor)

    recalls, strict = [], []
    for subject_id in ids[1 : 1 + recall_queries]:
        subject = _subject_table(session, state, direction, subject_id)
        exact_overlap, tie_aware = _recall(model, subject, index, results[subject_id])
        strict.append(exact_overlap)
        recalls.append(tie_aware)

    return {
        "direction": direction,
        "candidates": len(index.table),
        "queries": len(latencies),
        "first_call_s": round(warmup, 3),
        "latency": _percentiles(latencies),
        "stage_p50_ms": {
            k: round(1000 * statistics.median(v), 2) for k, v in sorted(stage_totals.items())
        },
        "lightgbm_floor_p50_ms": round(1000 * statistics.median(floors), 2),
        "overhead_ratio_p50": round(statistics.median(ratios), 3),
        "recall_at_20": round(float(np.mean(recalls)), 4) if recalls else None,
        "recall_queries": len(recalls),
        "recall_min": round(float(np.min(recalls)), 4) if recalls else None,
        "recall_at_20_strict": round(float(np.mean(strict)), 4) if strict else None,
    }


# Representative filters (none needs the subject's own fields, so every query can use them):
# a broad one, and a selective one that leaves a few percent of the candidates.
FILTERS: dict[str, dict[str, MatchFilters]] = {
    "talent_to_jobs": {
        "filtered": MatchFilters(
            remote=frozenset({"remote", "hybrid"}), seniority=frozenset({"mid", "senior", "lead"})
        ),
        "selective": MatchFilters(
            remote=frozenset({"remote"}), salary_min=150_000, seniority=frozenset({"senior"})
        ),
    },
    "job_to_talents": {
        "filtered": MatchFilters(remote=frozenset({"any", "remote", "hybrid"}), min_years=3.0),
        "selective": MatchFilters(
            remote=frozenset({"remote"}), min_years=10.0, seniority=frozenset({"senior"})
        ),
    },
}


def run_variant(
    session: Session,
    state: MatchingState,
    direction: str,
    ids: list[Any],
    variant: str,
) -> dict[str, Any]:
    """Latency of the same queries with a filter set or in the compact view (no recall or
    floor: those are the plain rows' columns)."""
    call = match_talent_to_jobs if direction == "talent_to_jobs" else match_job_to_talents
    filters = FILTERS[direction].get(variant)
    view: View = "compact" if variant == "compact" else "full"
    latencies, returned = [], []
    for subject_id in ids[1:]:
        started = time.perf_counter()
        outcome = call(session, subject_id, limit=LIMIT, state=state, filters=filters, view=view)
        latencies.append(time.perf_counter() - started)
        returned.append(len(outcome.matches))
    return {
        "direction": f"{direction} {variant}",
        "queries": len(latencies),
        "latency": _percentiles(latencies),
        "mean_returned": round(float(np.mean(returned)), 2),
    }


def _subject_table(session: Session, state: MatchingState, direction: str, subject_id: Any) -> Any:
    from app.ml.repository import load_job_table, load_talent_table

    if direction == "talent_to_jobs":
        return load_talent_table(session, state.vocab, [subject_id])
    return load_job_table(session, state.vocab, [subject_id])


def main(
    jobs: int = typer.Option(100_000, help="Jobs in the world."),
    talents: int = typer.Option(100_000, help="Talents in the world."),
    pairs: int = typer.Option(6000, help="Labelled pairs (to train the model)."),
    queries: int = typer.Option(200, help="Timed queries per direction."),
    recall_queries: int = typer.Option(40, help="Queries checked against exhaustive scoring."),
    shortlist_size: int = typer.Option(600, help="Stage-1 short-list size."),
    prefilter_size: int = typer.Option(1000, help="Stage-1 pre-filter size."),
    work_dir: Path = typer.Option(Path(tempfile.gettempdir()) / "talent_match_bench"),
    out_dir: Path = typer.Option(Path("bench_results")),
    variant_list: str = typer.Option(
        "compact,filtered,selective",
        "--variants",
        help="Extra timed rows per direction: compact (no explanations), filtered (a broad "
        "filter set), selective (one leaving a few percent); empty for none.",
    ),
) -> None:
    url, _ = prepare(jobs, talents, pairs, work_dir)
    db = make_engine(url)
    state = MatchingState(
        shortlist_size=shortlist_size, prefilter_size=prefilter_size, refresh_seconds=3600
    )
    rows: list[dict[str, Any]] = []
    extra: list[dict[str, Any]] = []
    variants = [v.strip() for v in variant_list.split(",") if v.strip()]
    unknown = set(variants) - {"compact", "filtered", "selective"}
    if unknown:
        raise typer.BadParameter(f"unknown variants: {', '.join(sorted(unknown))}")
    with Session(db, expire_on_commit=False) as session:
        model = load_active_model(session, state, "talent_matcher")
        if model is None:
            console.print("no loadable model")
            raise typer.Exit(1)
        started = time.perf_counter()
        state.warm(session)
        index_build_s = round(time.perf_counter() - started, 2)
        console.print(f"both candidate indexes built in {index_build_s} s (start-up cost)")
        rng = np.random.default_rng(0)
        talent_ids = list(session.scalars(select(Talent.id)))
        job_ids = list(session.scalars(select(Job.id).where(Job.status == "open")))
        for direction, pool in (("talent_to_jobs", talent_ids), ("job_to_talents", job_ids)):
            picked = [pool[i] for i in rng.choice(len(pool), min(queries + 1, len(pool)), False)]
            console.print(f"{direction}: {len(picked) - 1} queries ...")
            rows.append(run_direction(session, state, direction, picked, recall_queries))
            for variant in variants:
                console.print(f"{direction} {variant}: {len(picked) - 1} queries ...")
                extra.append(run_variant(session, state, direction, picked, variant))

    table = Table(title=f"matching bench: {jobs} jobs x {talents} talents, limit {LIMIT}")
    for col in (
        "direction",
        "cands",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "recall@20",
        "strict",
        "LGBM floor ms",
        "overhead",
    ):
        table.add_column(col, justify="left" if col == "direction" else "right")
    for r in rows:
        table.add_row(
            r["direction"],
            str(r["candidates"]),
            f"{r['latency']['p50_ms']:.1f}",
            f"{r['latency']['p95_ms']:.1f}",
            f"{r['latency']['p99_ms']:.1f}",
            f"{r['recall_at_20']:.3f}" if r["recall_at_20"] is not None else "-",
            f"{r['recall_at_20_strict']:.3f}" if r["recall_at_20_strict"] is not None else "-",
            f"{r['lightgbm_floor_p50_ms']:.1f}",
            f"{r['overhead_ratio_p50']:.2f}",
        )
    console.print(table)
    if extra:
        variants_table = Table(title="same queries, with filters or the compact view")
        for col in ("variant", "p50 ms", "p95 ms", "p99 ms", "mean returned"):
            variants_table.add_column(col, justify="left" if col == "variant" else "right")
        for r in extra:
            variants_table.add_row(
                r["direction"],
                f"{r['latency']['p50_ms']:.1f}",
                f"{r['latency']['p95_ms']:.1f}",
                f"{r['latency']['p99_ms']:.1f}",
                f"{r['mean_returned']:.1f}",
            )
        console.print(variants_table)
    console.print(f"load average (1/5/15 min): {os.getloadavg()}")
    for r in rows:
        console.print(f"{r['direction']} stage p50 ms: {r['stage_p50_ms']}")
    out = {
        "jobs": jobs,
        "talents": talents,
        "shortlist_size": shortlist_size,
        "prefilter_size": state.prefilter_size,
        "model_version": model.version,
        "model_trees": model.booster_.num_trees(),
        "index_build_s": index_build_s,
        "threads": 1,
        "machine": platform.platform(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "note": "synthetic world reuses a bounded set of distinct texts (text variants per "
        "occupation) with varied structured fields",
        "targets": {"p95_ms": 100, "recall_at_20": 0.98, "overhead_ratio": 2.0},
        "results": rows,
        "variants": extra,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"matching_j{jobs}_t{talents}_{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2))
    console.print(f"wrote {path}")


if __name__ == "__main__":
    typer.run(main)
