"""Training through Dask (app/training/distributed.py) on a real LocalCluster and Postgres.

One module-wide cluster (two worker processes, one thread each) and one seeded world in a
Postgres database of this module's own, committed so the workers' own connections see it;
the cluster's scheduler address is the setting, so the tests go through the same path as a
remote cluster would.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import LocalCluster
from sqlalchemy import Engine, func, select

from app.db.migrate import upgrade_head
from app.db.models import LabelledPair
from app.db.session import make_engine, session_scope
from app.ml import registry
from app.ml.features import FEATURE_NAMES, FEATURES
from app.ml.matcher import DEFAULT_PARAMS, MatchingModel, fit_booster
from app.seeding.service import seed_world
from app.settings import Settings
from app.training import distributed, repository
from app.training.initial import (
    InitialOutcome,
    load_labelled_pairs,
    train_and_evaluate,
    train_initial,
)
from app.training.pipeline import TrainingPipeline
from tests.conftest import scratch_postgres_database
from tests.training.conftest import feedback_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PARTITION_PAIRS = 900
# Single-process and data-parallel fits differ in their bagging draws and where bins are cut.
# On this world single-process fits with seeds 7, 1, 2, 3 reach NDCG@10 0.9714-0.9737 and the
# cluster 0.9722-0.9734 (the fallback scores lower), so 0.01 is about four times the noise.
NDCG_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def world_engine() -> Iterator[Engine]:
    with scratch_postgres_database("tm_dask") as url:
        upgrade_head(url)
        engine = make_engine(url)
        seed_world(engine, talents=240, jobs=80, pairs=5000, seed=5, embed=False)
        yield engine
        engine.dispose()


def _settings(cluster: LocalCluster, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "training_dask_scheduler": cluster.scheduler_address,
        "training_dask_partition_pairs": PARTITION_PAIRS,
        "training_dask_sample_rows": 4000,
        "quality_gate": False,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture(scope="module")
def trained(
    cluster: LocalCluster, world_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> tuple[InitialOutcome, Path]:
    """`train_initial` with the setting pointing at the cluster, as `app train --initial`."""
    model_dir = tmp_path_factory.mktemp("models")
    with session_scope(world_engine) as session:
        outcome = train_initial(
            session,
            model_dir=model_dir,
            model_id="talent_matcher",
            settings=_settings(cluster),
        )
    return outcome, model_dir


def test_partitions_cover_each_pair_of_a_split_once(world_engine: Engine) -> None:
    with session_scope(world_engine) as session:
        parts = distributed.plan_partitions(
            session, splits=(("train", True), ("valid", False)), size=PARTITION_PAIRS
        )
        counts = dict(
            session.execute(
                select(LabelledPair.split, func.count()).group_by(LabelledPair.split)
            ).all()
        )
        for split in ("train", "valid"):
            mine = [p for p in parts if p.split == split]
            assert sum(p.pairs for p in mine) == counts[split]
            assert all(p.pairs <= PARTITION_PAIRS for p in mine)
            assert all(a.last_id < b.first_id for a, b in itertools.pairwise(mine))
            ids = [
                r.id
                for p in mine
                for r in repository.labelled_pairs_in_range(
                    session, split=split, first_id=p.first_id, last_id=p.last_id
                )
            ]
            assert len(ids) == len(set(ids)) == counts[split]
        assert [p.index for p in parts] == list(range(len(parts)))
        assert all(p.rows == 3 * p.pairs for p in parts if p.split == "train")
        limited = distributed.plan_partitions(
            session, splits=(("train", True),), size=PARTITION_PAIRS, limit=1000
        )
        assert sum(p.pairs for p in limited) == 1000


def test_cluster_model_is_registered_and_loads_like_any_other(
    trained: tuple[InitialOutcome, Path], world_engine: Engine
) -> None:
    outcome, model_dir = trained
    assert outcome.trained
    assert outcome.version is not None
    assert outcome.report is not None
    assert outcome.report["cluster"]["partitions"]["train"] >= 2
    with session_scope(world_engine) as session:
        row = registry.active_version(session, "talent_matcher")
        pairs = repository.count_labelled_pairs(session)
        assert row is not None
        assert row.version == outcome.version
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
        train, valid, *_ = load_labelled_pairs(session)
    assert Path(row.artifact_path).parent == model_dir
    assert row.feature_list == list(FEATURE_NAMES)
    assert row.train_rows == len(train)
    assert row.valid_rows == len(valid)
    assert row.data_hash
    assert len(row.data_hash) == 64
    assert row.training_window_start is not None
    assert row.training_window_end is not None
    assert (
        outcome.report["cluster"]["pairs"]["train"] + outcome.report["cluster"]["pairs"]["valid"]
        == pairs
    )
    meta = model.metadata
    assert meta.version == outcome.version
    assert meta.metrics["model"]["ndcg_at_10"] > 0
    assert meta.params["monotone_constraints"] == [f.monotone for f in FEATURES]
    assert meta.category_scale
    assert meta.retrieval_weights
    assert meta.reference_sha256
    assert (Path(row.artifact_path) / "reference.npz").is_file()
    scores = model.predict(valid.features)
    assert scores.min() >= 0.0
    assert scores.max() <= 100.0
    assert scores.std() > 1.0, "a constant model would pass the range check"


def test_monotone_constraints_hold_for_the_cluster_model(world_engine: Engine, trained) -> None:
    outcome, _ = trained
    with session_scope(world_engine) as session:
        row = registry.get_version(session, outcome.version)
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
        _, valid, *_ = load_labelled_pairs(session)
    base = valid.features[:400]
    for i, feature in enumerate(FEATURES):
        if feature.monotone == 0:
            continue
        spread = np.ptp(valid.features[:, i]) or 1.0
        raised = base.copy()
        raised[:, i] += 0.25 * spread
        delta = model.raw(raised) - model.raw(base)
        assert (feature.monotone * delta >= -1e-9).all(), feature.name


def _parameters(booster_text: str) -> dict[str, str]:
    block = booster_text.split("\nparameters:\n", 1)[1].split("\nend of parameters", 1)[0]
    return dict(re.findall(r"^\[(\w+): (.*)\]$", block, re.M))


def test_cluster_booster_is_fitted_with_the_matchers_parameters(trained) -> None:
    """Same objective, learning rate, leaves, bagging, regularisation and monotone
    constraints as `fit_booster`; only the distributed set-up and the thread count differ."""
    outcome, model_dir = trained
    cluster_model = MatchingModel.load(model_dir / outcome.version)
    rng = np.random.default_rng(0)
    x = rng.random((300, len(FEATURE_NAMES)))
    local = fit_booster(x, 100 * x[:, 0], num_boost_round=cluster_model.booster_.num_trees())
    ours = _parameters(cluster_model.booster_.model_to_string())
    theirs = _parameters(local.model_to_string())
    differ = {k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k)}
    network = {"tree_learner", "num_machines", "machines", "local_listen_port", "num_threads"}
    assert differ <= network, {k: (ours.get(k), theirs.get(k)) for k in differ}
    assert ours["tree_learner"] == "data"
    assert ours["objective"] == DEFAULT_PARAMS["objective"]
    assert ours["monotone_constraints"] == ",".join(str(f.monotone) for f in FEATURES)


def test_cluster_ndcg_matches_single_process_training(world_engine: Engine, trained) -> None:
    outcome, _ = trained
    with session_scope(world_engine) as session:
        train, valid, data_hash, *_ = load_labelled_pairs(session)
    single = train_and_evaluate(train, valid, version="single", data_hash=data_hash)
    assert outcome.report is not None
    ours, theirs = outcome.report["model"], single.report["model"]
    assert outcome.report["rows"]["valid"] == single.report["rows"]["valid"]
    # The same validation rows and queries: the baselines agree exactly.
    assert outcome.report["fallback"] == single.report["fallback"]
    assert outcome.report["queries_valid_ndcg"] == single.report["queries_valid_ndcg"]
    assert abs(ours["ndcg_at_10"] - theirs["ndcg_at_10"]) <= NDCG_TOLERANCE, (ours, theirs)
    assert ours["ndcg_at_10"] > outcome.report["fallback"]["ndcg_at_10"]
    assert abs(ours["rmse"] - theirs["rmse"]) <= 0.05 * theirs["rmse"]


def test_retraining_pipeline_fits_on_the_cluster(cluster: LocalCluster, tmp_path: Path) -> None:
    """The pipeline with the setting on: feedback rows from the driver plus the seeded pairs
    read by the workers, gated and registered as usual."""
    with scratch_postgres_database("tm_dask_pipe") as url:
        upgrade_head(url)
        engine = make_engine(url)
        try:
            seed_world(engine, talents=60, jobs=30, pairs=1200, seed=9, embed=False)
            with session_scope(engine) as session:
                feedback_world(session)
                seeded = repository.count_labelled_pairs(session)
            settings = _settings(cluster, training_dask_partition_pairs=400)
            outcome = TrainingPipeline(engine, settings=settings, model_dir=tmp_path).run(
                force=True
            )
            assert outcome.status == "succeeded", outcome.message
            assert outcome.metrics["seed_pairs"] == seeded
            assert outcome.metrics["cluster"]["partitions"] >= 3
            assert outcome.candidate_version is not None
            with session_scope(engine) as session:
                row = registry.get_version(session, outcome.candidate_version)
                model = MatchingModel.load(Path(row.artifact_path), row.artifact_sha256)
                assert row.train_rows == outcome.metrics["rows"]["fit_rows"]
            assert model.metadata.params["monotone_constraints"] == [f.monotone for f in FEATURES]
        finally:
            engine.dispose()


def test_local_setting_starts_and_stops_a_cluster_of_its_own() -> None:
    settings = Settings(training_dask_scheduler="local", training_dask_local_workers=1)
    with distributed.dask_client(settings) as client:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 1
        assert next(iter(workers.values()))["nthreads"] == 1
    assert client.status == "closed"
    unset = distributed.dask_client(Settings(training_dask_scheduler=None))
    with pytest.raises(ValueError, match="in this process"):
        unset.__enter__()
