"""Training through Dask on a history of >= 10M labelled pairs, against single-process training.

    .venv/bin/python scripts/bench_distributed_training.py [--pairs 10000000]
        [--talents 20000] [--jobs 20000] [--subsample 1000000] [--workers 2]
        [--partition-pairs 250000] [--postgres ADMIN_URL | --database-url URL] [--keep-database]

1. History: a seeded world in a Postgres database of its own (`app seed` in a child process:
   O*NET-derived talents and jobs, `--pairs` talent-job pairs labelled by the hidden preference
   model, split 80/20 at random), or an existing database (`--database-url`, seeded first when
   it has no labelled pairs).
2. Dask, whole history: `train_initial` with TRAINING_DASK_SCHEDULER set to a fresh
   LocalCluster (`--workers` processes, one thread each): partitions read from Postgres by the
   workers, fitted by lightgbm.dask, registered in the database like any other model.
3. Dask, subsample: the first `--subsample` train pairs by id (the seeded ids are in random
   order), on a fresh cluster.
4. Single process, the same subsample: `train_and_evaluate` (the matcher's recipe, every row
   in one process) in a child process of its own.

All three models are scored on every held-out (valid) pair, by the workers: NDCG@10 per
talent, and a paired bootstrap 95 % interval of the NDCG difference over talents. Peak RSS:
each worker's ru_maxrss (fresh workers per run), the driver's VmHWM, reset before each run
(the LocalCluster's scheduler runs inside the driver), and the child's ru_maxrss for the
single-process run. Postgres itself is not counted.

Prints a table and writes bench_results/distributed_training_<timestamp>.json.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import lightgbm as lgb
import numpy as np
import typer
from distributed import Client, LocalCluster
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text

from app.db.migrate import upgrade_head
from app.db.session import make_engine, normalise_url, session_scope
from app.ml import registry
from app.ml.matcher import MatchingModel, ModelMetadata
from app.settings import Settings
from app.training import distributed, repository
from app.training.initial import (
    LabelledData,
    ScoredRows,
    features_for_pairs,
    ndcg_at_k,
    ndcg_values,
    train_and_evaluate,
    train_initial,
    training_features,
)

ROOT = Path(__file__).resolve().parents[1]
MODEL_ID = "talent_matcher"
BOOTSTRAP = 2000
PROBE_PAIRS = 10_000
T = TypeVar("T")
console = Console(width=160)


def peak_rss_mb() -> float:
    """This process's peak RSS (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_hwm() -> bool:
    """Reset this process's VmHWM (Linux >= 4.0), so the next reading is this run's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


@contextmanager
def database(admin_url: str, existing: str | None, keep: bool) -> Iterator[str]:
    if existing is not None:
        yield normalise_url(existing)
        return
    admin_url = normalise_url(admin_url)
    name = f"tm_bench_dask_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if keep:
            console.print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ensure_history(url: str, *, pairs: int, talents: int, jobs: int, seed: int) -> dict[str, Any]:
    """Seed the world in a child process (its memory is not the trainers'), unless the
    database already holds labelled pairs."""
    upgrade_head(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        have = repository.count_labelled_pairs(session)
    if have:
        engine.dispose()
        return {"reused": True, "pairs": have}
    started = time.perf_counter()
    app = Path(sys.executable).parent / "app"
    command = [str(app), "seed", "--talents", str(talents), "--jobs", str(jobs)]
    command += ["--pairs", str(pairs), "--seed", str(seed), "--database-url", url]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with session_scope(engine) as session:
        have = repository.count_labelled_pairs(session)
    engine.dispose()
    return {"reused": False, "pairs": have, "seconds": round(time.perf_counter() - started, 1)}


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def fresh_cluster(workers: int) -> Iterator[tuple[Client, dict[str, float]]]:
    """A new LocalCluster (new worker processes, so their ru_maxrss is this run's); the dict
    is filled with each worker's peak RSS in MB when the block ends."""
    peaks: dict[str, float] = {}
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client, peaks
        peaks.update({k: round(v, 1) for k, v in client.run(_worker_peak_mb).items()})


def single_process_fit(url: str, partition_pairs: int, subsample: int) -> dict[str, Any]:
    """Child process: the matcher's single-process recipe (`train_and_evaluate`) on the first
    `subsample` train pairs, every row in this one process, as `load_labelled_pairs` builds
    them (one `serving_view` over all the pairs)."""
    started = time.perf_counter()
    engine = make_engine(url)
    with session_scope(engine) as session:
        parts = distributed.plan_partitions(
            session, splits=(("train", True),), size=partition_pairs, limit=subsample
        )
        rows = [
            r
            for p in parts
            for r in repository.labelled_pairs_in_range(
                session, split="train", first_id=p.first_id, last_id=p.last_id
            )
        ]
        pairs = [(r.talent_id, r.job_id) for r in rows]
        features, source = training_features(session, pairs)
        probe = distributed.plan_partitions(
            session, splits=(("valid", False),), size=PROBE_PAIRS, limit=PROBE_PAIRS
        )[0]
        probe_rows = repository.labelled_pairs_in_range(
            session, split="valid", first_id=probe.first_id, last_id=probe.last_id
        )
        probe_features = features_for_pairs(session, [(r.talent_id, r.job_id) for r in probe_rows])
    engine.dispose()
    group_of: dict[uuid.UUID, int] = {}
    groups = np.asarray([group_of.setdefault(r.talent_id, len(group_of)) for r in rows])
    labels = np.asarray([r.label for r in rows], dtype=np.float64)
    train = LabelledData(features, labels[source], groups[source])
    probe_data = LabelledData(
        probe_features,
        np.asarray([r.label for r in probe_rows], dtype=np.float64),
        distributed.talent_keys([r.talent_id for r in probe_rows]),
    )
    read_s = time.perf_counter() - started
    # The report on the probe is not used: every model is scored on all valid pairs later.
    result = train_and_evaluate(train, probe_data, version="bench-single")
    return {
        "model_text": result.model.booster_.model_to_string(),
        "seconds": round(time.perf_counter() - started, 1),
        "read_seconds": round(read_s, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "train_pairs": len(rows),
        "train_rows": len(train),
        "rounds": result.best_rounds,
    }


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def score_models(url: str, part: Any, texts: list[str]) -> list[ScoredRows]:
    """Worker task: one validation partition read and featurised once (the trainer's own
    `read_partition`) and scored by every model, as `score_partition` scores one."""
    features, labels, keys, *_ = distributed.read_partition(url, part)
    data = LabelledData(features, labels, keys)
    return [
        ScoredRows.of(
            MatchingModel(lgb.Booster(model_str=t), ModelMetadata(version="bench")).predict(
                features
            ),
            data,
        )
        for t in texts
    ]


def bootstrap_interval(diffs: np.ndarray[Any, Any], seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = [float(diffs[rng.integers(0, len(diffs), len(diffs))].mean()) for _ in range(BOOTSTRAP)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def timed(progress: Progress, label: str, work: Callable[[], T]) -> tuple[T, float]:
    task = progress.add_task(label, total=None)
    started = time.perf_counter()
    out = work()
    seconds = time.perf_counter() - started
    progress.update(task, total=1, completed=1, description=f"{label} ({seconds:.0f} s)")
    return out, seconds


def whole_history(
    engine: Any, settings: Settings, workers: int, progress: Progress
) -> tuple[MatchingModel, dict[str, Any]]:
    """`train_initial` with TRAINING_DASK_SCHEDULER set to a fresh LocalCluster."""
    with fresh_cluster(workers) as (client, peaks):
        reset_hwm()
        run_settings = settings.model_copy(
            update={"training_dask_scheduler": client.scheduler.address}
        )

        def whole() -> Any:
            with session_scope(engine) as session:
                return train_initial(
                    session,
                    model_dir=run_settings.model_dir,
                    model_id=MODEL_ID,
                    created_by="bench_distributed_training",
                    settings=run_settings,
                )

        outcome, seconds = timed(progress, "dask: whole history", whole)
        driver = hwm_mb()
    with session_scope(engine) as session:
        row = registry.get_version(session, outcome.version)
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
    report = outcome.report
    return model, {
        "version": outcome.version,
        "registered_status": row.status,
        "train_pairs": report["cluster"]["pairs"]["train"],
        "train_rows": report["rows"]["train"],
        "rounds": report["best_rounds"],
        "seconds": round(seconds, 1),
        "driver_peak_rss_mb": round(driver, 1),
        "worker_peak_rss_mb": peaks,
        "report_ndcg_at_10": report["model"]["ndcg_at_10"],
        "sample_rows": report["cluster"]["sample_rows"],
        "phase_seconds": report["cluster"]["seconds"],
    }


def registered_model(engine: Any) -> tuple[MatchingModel, dict[str, Any]]:
    """The active model of the bench database (an earlier --full run's), loaded and verified
    like serving does; its wall time and memory are in that run's output."""
    with session_scope(engine) as session:
        row = registry.active_version(session, MODEL_ID)
        if row is None:
            raise typer.BadParameter("--no-full needs a model registered by a --full run")
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
        metrics = row.metrics
        train = distributed.plan_partitions(session, splits=(("train", True),), size=10**9)
    return model, {
        "version": row.version,
        "registered_status": row.status,
        "from_registry": True,
        "train_pairs": sum(p.pairs for p in train),
        "train_rows": row.train_rows,
        "rounds": int(row.params["num_boost_round"]),
        "seconds": None,
        "worker_peak_rss_mb": {},
        "report_ndcg_at_10": metrics["model"]["ndcg_at_10"],
    }


def main(
    pairs: int = typer.Option(10_000_000, help="Labelled pairs in the simulated history."),
    talents: int = typer.Option(20_000, help="Talents in the world."),
    jobs: int = typer.Option(20_000, help="Jobs in the world."),
    seed: int = typer.Option(42, help="World seed."),
    subsample: int = typer.Option(1_000_000, help="Train pairs of the single-process run."),
    workers: int = typer.Option(2, help="LocalCluster worker processes (one thread each)."),
    partition_pairs: int = typer.Option(250_000, help="Labelled pairs per partition."),
    postgres: str = typer.Option(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="Admin URL: the bench's own database is created next to it.",
    ),
    database_url: str | None = typer.Option(
        None, help="Use this database instead (seeded first if it has no labelled pairs)."
    ),
    keep_database: bool = typer.Option(False, help="Keep the bench's own database."),
    full: bool = typer.Option(
        True, help="Train on the whole history (--no-full: score the model a --full run left)."
    ),
    work_dir: Path = typer.Option(Path(tempfile.gettempdir()) / "talent_match_bench_dask"),
    out_dir: Path = typer.Option(Path("bench_results")),
) -> None:
    out: dict[str, Any] = {
        "pairs_requested": pairs,
        "world": {"talents": talents, "jobs": jobs, "seed": seed},
        "workers": workers,
        "threads_per_worker": 1,
        "partition_pairs": partition_pairs,
        "subsample_pairs": subsample,
        "cpus": os.cpu_count(),
    }
    runs: dict[str, dict[str, Any]] = {}
    models: dict[str, MatchingModel] = {}
    with (
        database(postgres, database_url, keep_database) as url,
        Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress,
    ):

        def history() -> dict[str, Any]:
            return ensure_history(url, pairs=pairs, talents=talents, jobs=jobs, seed=seed)

        out["history"], _ = timed(progress, f"history: {pairs:,} labelled pairs", history)
        engine = make_engine(url)
        settings = Settings(
            training_dask_partition_pairs=partition_pairs,
            quality_gate=False,
            model_dir=work_dir / f"models_{os.getpid()}_{int(time.time())}",
        )

        # 2. Dask on the whole history, through the same entry point as `app train --initial`
        # (or, with --no-full, the model an earlier --full run registered in this database).
        if full:
            models["dask_full"], runs["dask_full"] = whole_history(
                engine, settings, workers, progress
            )
        else:
            models["dask_full"], runs["dask_full"] = registered_model(engine)

        # 3. Dask on the subsample.
        with fresh_cluster(workers) as (client, peaks):
            reset_hwm()

            def sub() -> tuple[distributed.ClusterFit, MatchingModel]:
                with session_scope(engine) as session:
                    parts = distributed.plan_partitions(
                        session, splits=(("train", True),), size=partition_pairs, limit=subsample
                    )
                fit = distributed.fit_on_cluster(
                    client,
                    distributed.database_url(engine),
                    parts,
                    sample_rows=settings.training_dask_sample_rows,
                )
                return fit, distributed.cluster_model(
                    fit, version="bench-dask-sub", model_id=MODEL_ID
                )

            (fit, models["dask_subsample"]), seconds = timed(
                progress, f"dask: first {subsample:,} train pairs", sub
            )
            driver = hwm_mb()
        runs["dask_subsample"] = {
            "train_pairs": fit.history_pairs,
            "train_rows": fit.rows,
            "rounds": fit.rounds,
            "seconds": round(seconds, 1),
            "driver_peak_rss_mb": round(driver, 1),
            "worker_peak_rss_mb": peaks,
            "phase_seconds": fit.seconds,
        }

        # 4. Single process on the same subsample, in a child process of its own.
        def single_run() -> dict[str, Any]:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                job = pool.submit(
                    single_process_fit, distributed.database_url(engine), partition_pairs, subsample
                )
                return job.result()

        single, _ = timed(progress, f"single process: first {subsample:,} train pairs", single_run)
        models["single_subsample"] = MatchingModel(
            lgb.Booster(model_str=single.pop("model_text")), ModelMetadata(version="bench-single")
        )
        runs["single_subsample"] = {**single, "worker_peak_rss_mb": {}}

        # Every model on every held-out pair, scored by the workers.
        scored: dict[str, ScoredRows] = {}
        with fresh_cluster(workers) as (client, _peaks):
            with session_scope(engine) as session:
                valid_parts = distributed.plan_partitions(
                    session, splits=(("valid", False),), size=partition_pairs
                )
            texts = client.scatter(
                [m.booster_.model_to_string() for m in models.values()], broadcast=True
            )
            url_ = distributed.database_url(engine)

            def score() -> list[list[ScoredRows]]:
                futures = [client.submit(score_models, url_, p, texts) for p in valid_parts]
                return list(client.gather(futures))

            per_partition, _ = timed(progress, "score every model on every valid pair", score)
            for i, name in enumerate(models):
                parts = [scores[i] for scores in per_partition]
                scored[name] = ScoredRows(
                    labels=np.concatenate([r.labels for r in parts]),
                    groups=np.concatenate([r.groups for r in parts]),
                    model=np.concatenate([r.model for r in parts]),
                    fallback=np.concatenate([r.fallback for r in parts]),
                    cosine=np.concatenate([r.cosine for r in parts]),
                )
        engine.dispose()

    first = next(iter(scored.values()))
    for name, rows in scored.items():
        assert np.array_equal(rows.labels, first.labels), "validation rows differ between models"
        runs[name]["ndcg_at_10"] = round(ndcg_at_k(rows.model, rows.labels, rows.groups), 4)
        runs[name]["rmse"] = round(float(np.sqrt(np.mean((rows.model - rows.labels) ** 2))), 4)
    per_query = {n: ndcg_values(r.model, r.labels, r.groups) for n, r in scored.items()}
    comparisons: dict[str, dict[str, Any]] = {}
    for a, b in (("dask_subsample", "single_subsample"), ("dask_full", "single_subsample")):
        diffs = per_query[a] - per_query[b]
        low, high = bootstrap_interval(diffs)
        comparisons[f"{a} - {b}"] = {
            "mean": round(float(diffs.mean()), 4),
            "ci95": [round(low, 4), round(high, 4)],
        }
    out["validation"] = {
        "pairs": len(first),
        "queries": len(per_query["dask_full"]),
        "fallback_ndcg_at_10": round(ndcg_at_k(first.fallback, first.labels, first.groups), 4),
        "cosine_ndcg_at_10": round(ndcg_at_k(first.cosine, first.labels, first.groups), 4),
    }
    out["runs"] = runs
    out["ndcg_differences"] = comparisons

    table = Table(
        title=f"training on {out['history']['pairs']:,} labelled pairs: {workers} Dask workers "
        f"vs one process; NDCG@10 on {len(first):,} held-out pairs "
        f"({out['validation']['queries']:,} talents)"
    )
    for column in ("run", "train pairs", "train rows", "rounds", "wall s", "process MB"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for column in ("worker MB (each)", "NDCG@10", "RMSE"):
        table.add_column(column, justify="right")
    for name, run in runs.items():
        table.add_row(
            name,
            f"{run['train_pairs']:,}",
            f"{run['train_rows']:,}",
            str(run["rounds"]),
            "-" if run["seconds"] is None else f"{run['seconds']:.0f}",
            _mb(run.get("driver_peak_rss_mb", run.get("peak_rss_mb"))),
            " / ".join(f"{v:.0f}" for v in run["worker_peak_rss_mb"].values()) or "-",
            f"{run['ndcg_at_10']:.4f}",
            f"{run['rmse']:.3f}",
        )
    console.print(table)
    console.print(
        "process MB: peak RSS of the driver (with the LocalCluster's scheduler) for the Dask "
        "runs, of the one process for single_subsample; worker MB: each worker's peak RSS"
    )
    for label, diff in comparisons.items():
        console.print(
            f"NDCG@10 {label}: {diff['mean']:+.4f} (95 % bootstrap over talents "
            f"{diff['ci95'][0]:+.4f} .. {diff['ci95'][1]:+.4f})"
        )
    console.print(
        f"baselines on the same rows: fallback {out['validation']['fallback_ndcg_at_10']:.4f}, "
        f"embedding cosine {out['validation']['cosine_ndcg_at_10']:.4f}"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"distributed_training_{stamp}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    console.print(f"wrote {path}")


if __name__ == "__main__":
    typer.run(main)
