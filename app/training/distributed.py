"""Training through Dask: the same matcher, fitted on a history no single process could hold.

Chosen by `training_dask_scheduler` (unset: everything stays in this process, as in
`app.training.initial` and `app.training.pipeline`; `local`: a LocalCluster on this machine;
anything else: the address of a running scheduler, e.g. on Kubernetes). What changes is only
where rows live, never what a row is or how the booster is fitted:

- Reading. The seeded `labelled_pairs` are cut into key ranges of
  `training_dask_partition_pairs` pairs per split (`repository.labelled_pair_key_ranges`, one
  pass over the primary key). Each range is one worker task: it opens its own connection,
  reads its pairs (`repository.labelled_pairs_in_range`) and turns them into feature rows with
  the functions single-process training uses (`training_features`, i.e. `serving_view` with
  its serving-like copies, for train rows; `features_for_pairs` for validation rows). The
  driver holds the list of ranges, never the rows.
- Memory. Partitions are kept by the workers as float32 (half the bytes; LightGBM bins every
  feature into at most 255 bins, so nothing it learns depends on the lost digits), and each
  worker passes its share to LightGBM, which concatenates it once and bins it: a worker's
  peak is about twice its share of the rows plus the binned copy. More workers, less each.
- Fitting. `lightgbm.dask.DaskLGBMRegressor` (data-parallel trees over the workers' sockets)
  with the matcher's own objective and parameters (`DEFAULT_PARAMS`, monotone constraints
  included), named through the scikit-learn arguments they correspond to so nothing is set
  twice under two aliases. The result is a plain `lgb.Booster`, wrapped in the same
  `MatchingModel` and saved, verified and registered by the same code as any other model.
- What the driver keeps. Round count (talent-grouped CV), the sub-score scale, the stage-1
  proxy and the drift reference need training rows in one place; each partition task also
  returns a uniform sample of its rows, `training_dask_sample_rows` in all, and those steps
  run on that sample. The validation report needs whole talent queries but not their
  features: workers score their validation partitions with the fitted model and return five
  numbers per row (label, talent, model, fallback and cosine scores).
- Provenance. The data hash is the sha256 of the partitions' own digests (each a sha256 of
  its rows in id order), so it is computed where the rows are; it identifies the same rows
  as single-process training's hash does, but is a different number.
"""

from __future__ import annotations

import hashlib
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from distributed import Client, Future, LocalCluster
from lightgbm.dask import DaskLGBMRegressor
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.session import make_engine, session_scope
from app.logging import get_logger
from app.ml import registry
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import DEFAULT_PARAMS, MatchingModel, ModelMetadata
from app.settings import Settings
from app.training import repository
from app.training.initial import (
    InitialOutcome,
    LabelledData,
    ScoredRows,
    TrainingResult,
    cv_best_rounds,
    evaluation_report,
    features_for_pairs,
    finish_metadata,
    publish_initial,
    training_features,
)
from app.training.serving_view import ServingMix

log = get_logger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
PARTITION_DTYPE = np.float32
SAMPLE_SEED = 20_260_117
LOCAL_SCHEDULER = "local"
N_FEATURES = len(FEATURE_NAMES)

# The matcher's parameters under the names LightGBM's scikit-learn wrapper takes as
# arguments: passed under their native names they would reach LightGBM twice (the wrapper
# always sends its own defaults for these), and which alias wins is not ours to decide.
SKLEARN_ARGUMENTS = {
    "objective": "objective",
    "learning_rate": "learning_rate",
    "num_leaves": "num_leaves",
    "min_data_in_leaf": "min_child_samples",
    "feature_fraction": "colsample_bytree",
    "bagging_fraction": "subsample",
    "bagging_freq": "subsample_freq",
    "lambda_l1": "reg_alpha",
    "lambda_l2": "reg_lambda",
    "min_sum_hessian_in_leaf": "min_child_weight",
    "min_gain_to_split": "min_split_gain",
    "max_depth": "max_depth",
    "seed": "random_state",
    "num_boost_round": "n_estimators",
}
# Set per worker by lightgbm.dask (threads = the worker's threads) or only for lgb.cv.
CLUSTER_OWNED = ("num_threads", "metric")


@dataclass(frozen=True, slots=True)
class Partition:
    """One key range of `labelled_pairs`: the unit a worker reads, featurises and keeps."""

    index: int
    split: str
    first_id: int
    last_id: int
    pairs: int
    serving_copies: bool
    """Train rows get `serving_view`'s copies (as in single-process training); valid rows not."""

    @property
    def rows(self) -> int:
        return self.pairs * (1 + ServingMix().copies) if self.serving_copies else self.pairs


@dataclass(frozen=True, slots=True)
class PartitionSummary:
    """What a partition task sends back to the driver besides the rows it keeps."""

    digest: str
    first_at: datetime | None
    last_at: datetime | None
    sample: LabelledData


@dataclass(frozen=True, slots=True)
class ClusterFit:
    """A booster fitted on the cluster, with what the driver learned about its rows."""

    booster: lgb.Booster
    rounds: int
    rows: int
    """Training rows the booster was fitted on (partitions' rows plus the extra rows)."""
    history_pairs: int
    history_rows: int
    digest: str
    window: tuple[datetime | None, datetime | None]
    sample: LabelledData
    """The driver's share of the training rows (float64), for CV and the model's metadata."""
    seconds: dict[str, float]
    """Wall time of each phase: reading the partitions, the CV, the fit."""


# Reading partitions (driver: plan the key ranges; workers: read and featurise one)


def plan_partitions(
    session: Session,
    *,
    splits: Sequence[tuple[str, bool]],
    size: int,
    limit: int | None = None,
) -> list[Partition]:
    """Key ranges of `size` pairs for each (split, serving copies?) in `splits`, numbered in
    order; `limit` keeps only the first `limit` pairs of each split (a subsample by id)."""
    parts: list[Partition] = []
    for split, copies in splits:
        for first, last, pairs in repository.labelled_pair_key_ranges(
            session, split=split, size=size, limit=limit
        ):
            parts.append(Partition(len(parts), split, first, last, pairs, copies))
    return parts


@lru_cache(maxsize=4)
def _worker_engine(url: str) -> Engine:
    """One engine (and pool) per database per worker process, reused by all its tasks."""
    return make_engine(url)


def talent_keys(ids: Sequence[uuid.UUID]) -> IntArray:
    """A talent's query id that means the same on every worker: the first 8 bytes of its
    uuid (random v4 bits; a collision among a million talents has odds below 1e-7)."""
    return np.fromiter(
        (int.from_bytes(t.bytes[:8], "big", signed=True) for t in ids), np.int64, len(ids)
    )


def read_partition(
    url: str, part: Partition
) -> tuple[FloatArray, FloatArray, IntArray, str, datetime | None, datetime | None]:
    """Features (float64, registry order), labels and talent keys of one partition's rows,
    computed by the single-process feature code, plus the digest and time span of its pairs."""
    with session_scope(_worker_engine(url)) as session:
        rows = repository.labelled_pairs_in_range(
            session, split=part.split, first_id=part.first_id, last_id=part.last_id
        )
        pairs = [(r.talent_id, r.job_id) for r in rows]
        if part.serving_copies:
            # Each partition draws its own copies (its own stream of the same mix).
            mix = ServingMix()
            features, source = training_features(
                session, pairs, replace(mix, seed=mix.seed + part.index)
            )
        else:
            features = features_for_pairs(session, pairs)
            source = np.arange(len(pairs), dtype=np.int64)
    if len(rows) != part.pairs:
        raise RuntimeError(
            f"partition {part.index} ({part.split}, ids {part.first_id}-{part.last_id}) has "
            f"{len(rows)} pairs, planned {part.pairs}: labelled_pairs changed during training"
        )
    digest = hashlib.sha256()
    for r in rows:
        digest.update(f"{r.talent_id},{r.job_id},{r.label:.4f},{part.split}\n".encode())
    labels = np.fromiter((r.label for r in rows), np.float64, len(rows))
    keys = talent_keys([r.talent_id for r in rows])
    times = [r.created_at for r in rows]
    return (
        features,
        labels[source],
        keys[source],
        digest.hexdigest(),
        min(times, default=None),
        max(times, default=None),
    )


def load_partition(
    url: str, part: Partition, sample_share: float
) -> tuple[npt.NDArray[np.float32], FloatArray, PartitionSummary]:
    """Worker task: a partition's training rows (kept on the worker) and its summary with a
    uniform `sample_share` of its rows (sent to the driver)."""
    features, labels, keys, digest, first_at, last_at = read_partition(url, part)
    pick = np.random.default_rng(SAMPLE_SEED + part.index).random(len(labels)) < sample_share
    sample = LabelledData(features[pick], labels[pick], keys[pick])
    summary = PartitionSummary(digest, first_at, last_at, sample)
    return features.astype(PARTITION_DTYPE), labels, summary


def score_partition(
    url: str, part: Partition, model_text: str
) -> tuple[ScoredRows, PartitionSummary]:
    """Worker task: one validation partition scored by the model (its text, so any worker
    rebuilds the same booster) and by the baselines; only the scores leave the worker."""
    features, labels, keys, digest, first_at, last_at = read_partition(url, part)
    model = MatchingModel(lgb.Booster(model_str=model_text), ModelMetadata(version="scoring"))
    data = LabelledData(features, labels, keys)
    empty = LabelledData(np.zeros((0, N_FEATURES)), np.zeros(0), np.zeros(0, np.int64))
    return ScoredRows.of(model.predict(features), data), PartitionSummary(
        digest, first_at, last_at, empty
    )


# The cluster


@contextmanager
def dask_client(settings: Settings) -> Iterator[Client]:
    """A client of the configured cluster: a LocalCluster started (and stopped) here for
    `local`, else the running scheduler at that address, which outlives this run."""
    address = settings.training_dask_scheduler
    if not address:
        raise ValueError("training_dask_scheduler is not set: training runs in this process")
    if address == LOCAL_SCHEDULER:
        with (
            LocalCluster(
                n_workers=settings.training_dask_local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    with Client(address) as client:
        yield client


def database_url(engine: Engine) -> str:
    """The URL workers connect with: they read Postgres themselves, so it keeps its password
    (it travels inside the task graph; see app/training/README.md on securing the cluster)."""
    return engine.url.render_as_string(hide_password=False)


def sklearn_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """The matcher's LightGBM parameters as DaskLGBMRegressor's constructor arguments."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in CLUSTER_OWNED:
            out[SKLEARN_ARGUMENTS.get(name, name)] = value
    return out


def _stack(parts: Sequence[LabelledData]) -> LabelledData:
    parts = [p for p in parts if len(p)] or [
        LabelledData(np.zeros((0, N_FEATURES)), np.zeros(0), np.zeros(0, np.int64))
    ]
    return LabelledData(
        np.vstack([p.features for p in parts]),
        np.concatenate([p.labels for p in parts]),
        np.concatenate([p.groups for p in parts]),
    )


def _window(summaries: Sequence[PartitionSummary]) -> tuple[datetime | None, datetime | None]:
    firsts = [s.first_at for s in summaries if s.first_at is not None]
    lasts = [s.last_at for s in summaries if s.last_at is not None]
    return min(firsts, default=None), max(lasts, default=None)


def combined_digest(partitions: Sequence[Partition], digests: Sequence[str]) -> str:
    """sha256 over each partition's key range and digest, in partition order."""
    digest = hashlib.sha256()
    for part, value in zip(partitions, digests, strict=True):
        digest.update(f"{part.split}:{part.first_id}-{part.last_id}:{value}\n".encode())
    return digest.hexdigest()


def fit_on_cluster(
    client: Client,
    url: str,
    partitions: Sequence[Partition],
    *,
    params: dict[str, Any] | None = None,
    sample_rows: int,
    extra: LabelledData | None = None,
) -> ClusterFit:
    """Fit the matcher on every row of `partitions` (read by the workers) plus `extra` rows
    the driver already holds (the pipeline's feedback rows), with the matcher's recipe: the
    round count by talent-grouped CV (on the driver's sample), then one fit on all rows."""
    merged = {**DEFAULT_PARAMS, **(params or {})}
    history_rows = sum(p.rows for p in partitions)
    share = min(1.0, sample_rows / history_rows) if history_rows else 0.0
    tasks = [
        dask.delayed(load_partition, pure=False, nout=3)(url, part, share) for part in partitions
    ]
    blocks_x = [
        da.from_delayed(t[0], shape=(p.rows, N_FEATURES), dtype=PARTITION_DTYPE)
        for t, p in zip(tasks, partitions, strict=True)
    ]
    blocks_y = [
        da.from_delayed(t[1], shape=(p.rows,), dtype=np.float64)
        for t, p in zip(tasks, partitions, strict=True)
    ]
    chunk = max(1, max((p.rows for p in partitions), default=len(extra or ())))
    if extra is not None and len(extra):
        blocks_x.append(
            da.from_array(extra.features.astype(PARTITION_DTYPE), chunks=(chunk, N_FEATURES))
        )
        blocks_y.append(da.from_array(extra.labels, chunks=(chunk,)))
    if not blocks_x:
        raise ValueError("nothing to train on: no partitions and no extra rows")
    x, y = da.concatenate(blocks_x), da.concatenate(blocks_y)
    started = time.perf_counter()
    # One graph: every partition is read once; its rows stay on the workers, its summary
    # (digest, time span, sample) comes back here.
    x, y, *persisted = client.persist([x, y, *(t[2] for t in tasks)])
    summaries: list[PartitionSummary] = client.gather(client.compute(persisted))
    log.info(
        "cluster_rows_loaded",
        partitions=len(partitions),
        rows=int(x.shape[0]),
        workers=len(client.scheduler_info()["workers"]),
    )
    seconds = {"read": time.perf_counter() - started}
    sample = _stack([s.sample for s in summaries] + ([extra] if extra is not None else []))
    started = time.perf_counter()
    rounds = cv_best_rounds(sample, merged)
    seconds["cv"], started = time.perf_counter() - started, time.perf_counter()
    estimator = DaskLGBMRegressor(
        client=client, **sklearn_arguments({**merged, "num_boost_round": rounds})
    )
    with warnings.catch_warnings():
        # The wrapper's own n_jobs default, replaced per worker by the worker's threads.
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
        estimator.fit(x, y, feature_name=list(FEATURE_NAMES))
    booster = estimator.booster_
    seconds["fit"] = time.perf_counter() - started
    rows = int(x.shape[0])
    log.info(
        "cluster_fit",
        rows=rows,
        rounds=rounds,
        **{f"{k}_s": round(v, 1) for k, v in seconds.items()},
    )
    del x, y, persisted, estimator  # the workers drop the partitions
    return ClusterFit(
        booster=booster,
        rounds=rounds,
        rows=rows,
        history_pairs=sum(p.pairs for p in partitions),
        history_rows=history_rows,
        digest=combined_digest(partitions, [s.digest for s in summaries]),
        window=_window(summaries),
        sample=sample,
        seconds={k: round(v, 1) for k, v in seconds.items()},
    )


def score_on_cluster(
    client: Client, url: str, partitions: Sequence[Partition], model: MatchingModel
) -> tuple[ScoredRows, list[PartitionSummary]]:
    """The model and the baselines on every validation row, scored where the rows are read."""
    text: Future = client.scatter(model.booster_.model_to_string(), broadcast=True, hash=False)
    futures = [client.submit(score_partition, url, part, text, pure=False) for part in partitions]
    results: list[tuple[ScoredRows, PartitionSummary]] = client.gather(futures)
    scored = [r[0] for r in results]
    rows = ScoredRows(
        labels=np.concatenate([s.labels for s in scored]),
        groups=np.concatenate([s.groups for s in scored]),
        model=np.concatenate([s.model for s in scored]),
        fallback=np.concatenate([s.fallback for s in scored]),
        cosine=np.concatenate([s.cosine for s in scored]),
    )
    return rows, [r[1] for r in results]


def cluster_model(
    fit: ClusterFit, *, version: str, model_id: str, params: dict[str, Any] | None = None
) -> MatchingModel:
    """The fitted booster as the matcher artifact, its serving metadata from the sample."""
    merged = {**DEFAULT_PARAMS, **(params or {}), "num_boost_round": fit.rounds}
    model = MatchingModel(
        fit.booster,
        ModelMetadata(
            version=version,
            model_id=model_id,
            params=merged,
            train_rows=fit.rows,
        ),
    )
    finish_metadata(model, fit.sample.features)
    return model


# Entry points


def train_initial_distributed(
    session: Session,
    *,
    model_dir: Path,
    model_id: str,
    created_by: str,
    settings: Settings,
    limit: int | None = None,
) -> InitialOutcome:
    """`app train --initial` on the cluster: train split (with serving copies) fitted by the
    workers, validation split scored by them, artifact saved and registered like any other
    (`publish_initial`). `limit` trains on the first `limit` pairs of each split only."""
    partitions = plan_partitions(
        session,
        splits=(("train", True), ("valid", False)),
        size=settings.training_dask_partition_pairs,
        limit=limit,
    )
    train_parts = [p for p in partitions if p.split == "train"]
    valid_parts = [p for p in partitions if p.split == "valid"]
    train_rows, valid_rows = sum(p.rows for p in train_parts), sum(p.rows for p in valid_parts)
    if train_rows < 50 or valid_rows < 10:
        raise ValueError(
            f"labelled_pairs has {train_rows} train / {valid_rows} valid rows; "
            "seed first (app seed) - need at least 50 / 10"
        )
    version = registry.next_version(session, model_id)
    url = database_url(session.get_bind().engine)
    with dask_client(settings) as client:
        fit = fit_on_cluster(
            client, url, train_parts, sample_rows=settings.training_dask_sample_rows
        )
        model = cluster_model(fit, version=version, model_id=model_id)
        valid, valid_summaries = score_on_cluster(client, url, valid_parts, model)
    model.metadata.valid_rows = len(valid)
    valid_digest = combined_digest(valid_parts, [s.digest for s in valid_summaries])
    model.metadata.data_hash = hashlib.sha256(f"{fit.digest}+{valid_digest}".encode()).hexdigest()
    report = evaluation_report(model, valid, train_rows=fit.rows)
    report["cluster"] = {
        "scheduler": settings.training_dask_scheduler,
        "partitions": {"train": len(train_parts), "valid": len(valid_parts)},
        "pairs": {"train": fit.history_pairs, "valid": sum(p.pairs for p in valid_parts)},
        "sample_rows": len(fit.sample),
        "seconds": fit.seconds,
    }
    result = TrainingResult(model=model, report=report, best_rounds=fit.rounds)
    window = _window([*valid_summaries, PartitionSummary("", *fit.window, fit.sample)])
    log.info("cluster_model_trained", version=version, rows=fit.rows, rounds=fit.rounds)
    return publish_initial(
        session,
        result,
        model_dir=model_dir,
        check_features=fit.sample.features,
        window=window,
        created_by=created_by,
        settings=settings,
    )
