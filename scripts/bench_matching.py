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
  returned rows), both timed in the same run on the same inputs; median over queries;
- with `--snapshots` (default), the start-up builds the indexes as shared snapshots (as with
  MATCHING_INDEX_DIR; their size on disk is reported); `--delta-changes` inserts and closes
  jobs and times the refresh that makes them visible (a delta: `rebuilt` must stay false);
- `--worker-seconds`: separate worker processes open the same snapshots: start-up time and
  RSS / PSS / USS (private pages) of a process without an index, a first and a second
  worker; then one worker alone (its CPU seconds per request give the CPU bound, cores /
  CPU per request) and both together (throughput against that bound), matches not persisted.
- seed time, when this script seeded the world (kept next to the database).

    .venv/bin/python scripts/bench_matching.py                 # 100k x 100k
    .venv/bin/python scripts/bench_matching.py --jobs 1000000 --talents 1000000 --queries 100
    .venv/bin/python scripts/bench_matching.py --jobs 2000 --talents 2000 --queries 50
"""

# ruff: noqa: E402  (thread counts must be set before numpy and LightGBM load)
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import platform
import shutil
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
        seconds = time.perf_counter() - started
        console.print(f"seeded in {seconds:.0f} s")
        _seed_record(db_path).write_text(json.dumps({"seed_s": round(seconds, 1)}))
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


def _seed_record(db_path: Path) -> Path:
    return db_path.with_suffix(".seed.json")


def seed_seconds(url: str) -> float | None:
    """How long seeding this world took, when this script seeded it."""
    record = _seed_record(Path(url.removeprefix("sqlite:///")))
    return json.loads(record.read_text())["seed_s"] if record.exists() else None


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private pages) of a process in MB: RSS counts the shared snapshot
    pages in every process that maps them, USS only what this process alone holds."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {
        "rss_mb": round(fields["Rss"], 1),
        "pss_mb": round(fields["Pss"], 1),
        "uss_mb": round(fields["Private_Clean"] + fields["Private_Dirty"], 1),
    }


def snapshot_bytes(directory: Path) -> int:
    """Size of the current snapshots of both sides."""
    from app.matching.snapshot import describe

    found = (describe(directory, side) for side in ("job", "talent"))
    return sum(summary["bytes"] for summary in found if summary is not None)


def _snapshot_state(shortlist_size: int, prefilter_size: int, snapshots: Path) -> MatchingState:
    state = MatchingState(
        shortlist_size=shortlist_size, prefilter_size=prefilter_size, refresh_seconds=3600
    )
    for holder in state.indexes.values():
        holder.snapshot_dir = snapshots
    return state


def worker(url: str, sizes: tuple[int, int], snapshots: Path, warm: bool, conn: Any) -> None:
    """One API worker's matching state in its own process: opens the snapshots (unless
    `warm` is False: the baseline without an index), reports, then serves the queries it is
    sent for the seconds it is given (matches not persisted: two SQLite writers would measure
    the database's write lock, not matching)."""
    db = make_engine(url)
    state = _snapshot_state(*sizes, snapshots)
    with Session(db, expire_on_commit=False) as session:
        load_active_model(session, state, "talent_matcher")
        started = time.perf_counter()
        if warm:
            state.warm(session)
        conn.send({"ready_s": round(time.perf_counter() - started, 2)})
        while (command := conn.recv()) is not None:
            seconds, queries = command
            done, cpu_started, started = 0, time.process_time(), time.perf_counter()
            while time.perf_counter() - started < seconds:
                direction, subject_id = queries[done % len(queries)]
                call = (
                    match_talent_to_jobs if direction == "talent_to_jobs" else match_job_to_talents
                )
                call(session, subject_id, limit=LIMIT, state=state, persist=False)
                done += 1
            elapsed = time.perf_counter() - started
            conn.send(
                {"requests": done, "seconds": elapsed, "cpu_s": time.process_time() - cpu_started}
            )


def run_workers(
    url: str,
    sizes: tuple[int, int],
    snapshots: Path,
    queries: list[tuple[str, Any]],
    seconds: float,
) -> dict[str, Any]:
    """Start-up and memory of a first and a second worker opening the same snapshots, then
    their combined throughput against the CPU bound: cores / the CPU seconds a request
    costs when the first worker runs alone (same queries, not persisted)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    started: list[tuple[Any, Any]] = []
    report: dict[str, Any] = {"workers": []}
    for warm in (False, True, True):
        parent, child = context.Pipe()
        process = context.Process(target=worker, args=(url, sizes, snapshots, warm, child))
        process.start()
        ready = parent.recv()
        entry = {"index": warm, **ready, **memory(process.pid or 0)}
        if warm:
            report["workers"].append(entry)
            started.append((process, parent))
        else:
            report["baseline_without_index"] = entry
            parent.send(None)
            process.join()
        console.print(f"worker: {entry}")
    # The CPU bound: one worker alone gives the CPU seconds a request costs.
    first = started[0][1]
    first.send((max(seconds / 3, 5.0), queries))
    alone = first.recv()
    cpu_per_request_s = alone["cpu_s"] / max(alone["requests"], 1)
    for _, parent in started:
        parent.send((seconds, queries))
    results = [parent.recv() for _, parent in started]
    report["after_run"] = [memory(process.pid or 0) for process, _ in started]
    for process, parent in started:
        parent.send(None)
        process.join()
    requests = sum(r["requests"] for r in results)
    wall = max(r["seconds"] for r in results)
    cores = os.cpu_count() or 1
    bound = cores / cpu_per_request_s
    report.update(
        one_worker_rps=round(alone["requests"] / alone["seconds"], 2),
        throughput_rps=round(requests / wall, 2),
        cpu_bound_rps=round(bound, 2),
        throughput_share_of_bound=round(requests / wall / bound, 3),
        cpu_per_request_ms=round(1000 * cpu_per_request_s, 2),
        cores=cores,
        seconds=round(wall, 1),
        requests=requests,
    )
    return report


def delta_visibility(session: Session, state: MatchingState, changes: int = 5) -> dict[str, Any]:
    """Insert a job (a copy of an open one) and close another, `changes` times, and time how
    long the refresher's next check takes to make them visible: a delta, never a rebuild."""
    from app.db.base import utcnow

    holder = state.indexes["job"]
    before = holder.get(session)
    seconds: list[float] = []
    made: list[tuple[Job, Job]] = []
    for _ in range(changes):
        source, victim = session.scalars(
            select(Job).where(Job.status == "open").order_by(func.random()).limit(2)
        ).all()
        copy = Job(
            **{
                c.key: getattr(source, c.key)
                for c in Job.__table__.columns
                if c.key not in ("id", "created_at", "updated_at")
            }
        )
        session.add(copy)
        victim.status = "closed"
        victim.updated_at = utcnow()
        session.commit()
        started = time.perf_counter()
        index = holder.refresh(session)
        seconds.append(time.perf_counter() - started)
        assert copy.id in index.row_of
        assert victim.id not in index.row_of
        made.append((copy, victim))
    after = holder.get(session)
    for copy, victim in made:  # leave the world as it was for the next run
        session.delete(copy)
        victim.status = "open"
    session.commit()
    return {
        "changes": changes,
        "refresh_p50_s": round(statistics.median(seconds), 3),
        "refresh_max_s": round(max(seconds), 3),
        "rebuilt": after.base_rows != before.base_rows or after.snapshot != before.snapshot,
        "rows_in_room": after.used - after.base_rows,
    }


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
    scores = np.full(len(index.table), -np.inf)  # free and dead rows are no candidates
    live = np.flatnonzero(index.live)
    for start in range(0, len(live), EXHAUSTIVE_CHUNK):
        rows = live[start : start + EXHAUSTIVE_CHUNK]
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
    cpu: list[float] = []
    for subject_id in ids[1:]:
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = call(session, subject_id, limit=LIMIT, state=state)
        elapsed = time.perf_counter() - started
        cpu.append(time.process_time() - cpu_started)
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
        "candidates": len(index),
        "queries": len(latencies),
        "first_call_s": round(warmup, 3),
        "latency": _percentiles(latencies),
        "cpu_per_request_ms": round(1000 * float(np.mean(cpu)), 2),
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
    snapshots: bool = typer.Option(
        True, help="Build the indexes as shared snapshots (as with MATCHING_INDEX_DIR)."
    ),
    worker_seconds: float = typer.Option(
        30.0, help="Throughput run of two worker processes opening the snapshots; 0 = skip."
    ),
    delta_changes: int = typer.Option(5, help="Insert+close changes timed as deltas; 0 = skip."),
    reuse_snapshots: bool = typer.Option(
        False, help="Open the snapshots an earlier run wrote (start-up = open + catch up)."
    ),
) -> None:
    url, _ = prepare(jobs, talents, pairs, work_dir)
    db = make_engine(url)
    snapshot_dir = work_dir / f"index_j{jobs}_t{talents}"
    if not reuse_snapshots:
        shutil.rmtree(snapshot_dir, ignore_errors=True)  # start-up below builds and writes them
    if snapshots:
        state = _snapshot_state(shortlist_size, prefilter_size, snapshot_dir)
    else:
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
        mix: list[tuple[str, Any]] = []
        talent_ids = list(session.scalars(select(Talent.id)))
        job_ids = list(session.scalars(select(Job.id).where(Job.status == "open")))
        for direction, pool in (("talent_to_jobs", talent_ids), ("job_to_talents", job_ids)):
            picked = [pool[i] for i in rng.choice(len(pool), min(queries + 1, len(pool)), False)]
            console.print(f"{direction}: {len(picked) - 1} queries ...")
            rows.append(run_direction(session, state, direction, picked, recall_queries))
            for variant in variants:
                console.print(f"{direction} {variant}: {len(picked) - 1} queries ...")
                extra.append(run_variant(session, state, direction, picked, variant))
            mix.extend((direction, subject_id) for subject_id in picked[1:])
        delta = delta_visibility(session, state, delta_changes) if delta_changes else None
        if delta:
            console.print(f"deltas: {delta}")
    workers = None
    if snapshots and worker_seconds > 0:
        order = np.random.default_rng(1).permutation(len(mix))
        workers = run_workers(
            url,
            (shortlist_size, prefilter_size),
            snapshot_dir,
            [mix[i] for i in order],
            worker_seconds,
        )

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
    if workers:
        memory_table = Table(title="workers opening the shared snapshots (MB)")
        for col in ("process", "ready s", "RSS", "PSS", "USS (private)"):
            memory_table.add_column(col, justify="left" if col == "process" else "right")
        named = [("no index (baseline)", workers["baseline_without_index"])] + [
            (f"worker {i + 1}", w) for i, w in enumerate(workers["workers"])
        ]
        for name, w in named:
            memory_table.add_row(
                name, str(w["ready_s"]), str(w["rss_mb"]), str(w["pss_mb"]), str(w["uss_mb"])
            )
        console.print(memory_table)
        console.print(
            f"throughput, 2 workers: {workers['throughput_rps']} req/s = "
            f"{workers['throughput_share_of_bound']:.0%} of the CPU bound "
            f"({workers['cores']} cores / {workers['cpu_per_request_ms']} ms CPU per request)"
        )
    if snapshots:
        console.print(f"snapshots on disk: {snapshot_bytes(snapshot_dir) / 2**20:.0f} MB")
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
        "index_start": "opened earlier snapshots" if reuse_snapshots else "built from the database",
        "seed_s": seed_seconds(url),
        "snapshot_mb": round(snapshot_bytes(snapshot_dir) / 2**20, 1) if snapshots else None,
        "delta": delta,
        "workers": workers,
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
