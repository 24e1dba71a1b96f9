"""TrainingPipeline: gates, time split, champion/challenger, failures leave the live model alone."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db.models import Job, LabelledPair, MLModelVersion, Talent, TrainingRun
from app.ml import registry
from app.settings import Settings
from app.training.errors import TrainingInProgressError
from app.training.evaluation import GateDecision
from app.training.pipeline import (
    TrainingPipeline,
    _recheck_champion,
    start_run,
)
from app.training.schemas import TrainingRunResponse
from tests.training.conftest import feedback_world, register_artifact


def _settings(**overrides) -> Settings:
    values = {"training_min_new_samples": 100, "promotion_margin": 0.005}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _pipeline(engine: Engine, tmp_path: Path, **kwargs) -> TrainingPipeline:
    settings = kwargs.pop("settings", _settings())
    return TrainingPipeline(engine, settings=settings, model_dir=tmp_path / "models", **kwargs)


def _world(engine: Engine, **kwargs) -> dict[str, int]:
    with Session(engine) as s:
        counts = feedback_world(s, **kwargs)
        s.commit()
    return counts


def _active(engine: Engine) -> str | None:
    with Session(engine) as s:
        row = registry.active_version(s, "talent_matcher")
        return row.version if row else None


def test_too_little_feedback_skips_with_a_clear_message(engine: Engine, tmp_path: Path) -> None:
    _world(engine, n_talents=3, n_jobs=8, shown=5)
    outcome = _pipeline(engine, tmp_path).run(force=False)
    assert outcome.status == "skipped"
    assert "too little new feedback" in outcome.message
    assert "need 100" in outcome.message
    forced = _pipeline(engine, tmp_path).run(force=True)
    assert forced.status == "skipped"
    assert "too little feedback" in forced.message
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(MLModelVersion)) == 0
        runs = s.scalars(select(TrainingRun).order_by(TrainingRun.started_at)).all()
        assert [r.status for r in runs] == ["skipped", "skipped"]
        assert runs[0].message == outcome.message
        assert runs[0].finished_at is not None


def test_first_run_beats_the_fallback_and_is_promoted(engine: Engine, tmp_path: Path) -> None:
    _world(engine)
    outcome = _pipeline(engine, tmp_path).run(force=False)
    assert outcome.status == "succeeded", outcome.message
    assert outcome.promoted
    assert outcome.metrics["champion"]["version"] == "fallback"
    assert outcome.metrics["ndcg_at_10"] > outcome.metrics["champion"]["ndcg_at_10"]
    assert _active(engine) == outcome.candidate_version == "v1.0"
    with Session(engine) as s:
        row = registry.get_version(s, "v1.0")
        assert row.train_rows > 0
        assert row.valid_rows > 0
        assert row.data_hash is not None
        assert row.training_window_start is not None
        assert row.training_window_end is not None
        assert Path(row.artifact_path, "model.txt").is_file()


def test_schedule_not_due_skips_unless_forced(engine: Engine, tmp_path: Path) -> None:
    _world(engine)
    assert _pipeline(engine, tmp_path).run(force=True).promoted
    _world(engine, seed=4, start=datetime.now(UTC) - timedelta(hours=12))
    outcome = _pipeline(engine, tmp_path).run(force=False)
    assert outcome.status == "skipped"
    assert "schedule not due" in outcome.message
    later = _pipeline(engine, tmp_path, now=lambda: datetime.now(UTC) + timedelta(days=8))
    assert later.run(force=False).status == "succeeded"


def test_worse_candidate_is_registered_as_rejected(engine: Engine, tmp_path: Path) -> None:
    _world(engine)
    assert _pipeline(engine, tmp_path).run(force=True).promoted
    weak = _pipeline(engine, tmp_path, params={"min_data_in_leaf": 100_000})
    outcome = weak.run(force=True)
    assert outcome.status == "succeeded"
    assert not outcome.promoted
    assert "below the promotion margin" in outcome.message
    assert _active(engine) == "v1.0"
    with Session(engine) as s:
        rejected = registry.get_version(s, outcome.candidate_version or "")
        assert rejected.status == "rejected"
        assert rejected.metrics["ndcg_at_10"] < rejected.metrics["champion"]["ndcg_at_10"]
        run = s.get(TrainingRun, outcome.run_id)
        assert run is not None
        assert run.promoted is False
        assert run.metrics["gate"]["promote"] is False
        response = TrainingRunResponse.of(run)
    assert response.status == "succeeded"
    assert response.outcome == "rejected"
    assert [(st.stage, st.state) for st in response.stages] == [
        ("labels", "done"),
        ("training", "done"),
        ("evaluation", "done"),
        ("gate", "done"),
    ]
    gate = response.stages[-1].numbers
    assert gate["promoted"] is False
    assert "below the promotion margin" in str(gate["reason"])


def test_failed_run_leaves_the_active_model_untouched(engine: Engine, tmp_path: Path) -> None:
    _world(engine)
    assert _pipeline(engine, tmp_path).run(force=True).promoted
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    broken = TrainingPipeline(engine, settings=_settings(), model_dir=blocker)
    outcome = broken.run(force=True)
    assert outcome.status == "failed"
    assert outcome.message
    assert _active(engine) == "v1.0"
    with Session(engine) as s:
        run = s.get(TrainingRun, outcome.run_id)
        assert run is not None
        response = TrainingRunResponse.of(run)
    assert response.outcome == "failed"
    assert [st.state for st in response.stages] == ["stopped"] + ["not_reached"] * 3
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(MLModelVersion)) == 1
        assert s.get(TrainingRun, outcome.run_id).status == "failed"  # type: ignore[union-attr]


def test_second_start_while_running_names_the_running_id(pg_engine: Engine) -> None:
    run_id, lock = start_run(pg_engine, force=True, triggered_by="first")
    try:
        with pytest.raises(TrainingInProgressError) as info:
            start_run(pg_engine, force=True, triggered_by="second")
        assert info.value.run_id == run_id
    finally:
        lock.release()


def test_concurrent_runs_train_once(pg_engine: Engine, tmp_path: Path) -> None:
    _world(pg_engine)

    def attempt(_: int) -> str:
        try:
            return _pipeline(pg_engine, tmp_path).run(force=True).status
        except TrainingInProgressError:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert results.count("succeeded") >= 1
    with Session(pg_engine) as s:
        runs = s.scalars(select(TrainingRun)).all()
        spans = sorted((r.started_at, r.finished_at) for r in runs)
    # runs that did happen never overlapped in time
    for (_, end), (begin, _) in itertools.pairwise(spans):
        assert end is not None
        assert end <= begin
    assert results.count("refused") + len(runs) == 4


def test_abandoned_running_row_is_closed_by_the_next_run(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        s.add(TrainingRun(status="running", triggered_by="crashed-worker"))
        s.commit()
    _pipeline(engine, tmp_path).run(force=False)
    with Session(engine) as s:
        crashed = s.scalar(select(TrainingRun).where(TrainingRun.triggered_by == "crashed-worker"))
        assert crashed is not None
        assert crashed.status == "failed"
        assert "abandoned" in crashed.message


def test_seed_pairs_join_the_training_rows(engine: Engine, tmp_path: Path) -> None:
    _world(engine)
    with Session(engine) as s:
        talents = s.scalars(select(Talent.id)).all()
        jobs = s.scalars(select(Job.id)).all()
        for i, (talent, job) in enumerate(zip(talents, jobs, strict=False)):
            s.add(LabelledPair(talent_id=talent, job_id=job, label=float(i), split="train"))
        s.commit()
    with_seed = _pipeline(engine, tmp_path).run(force=True)
    assert with_seed.metrics["seed_pairs"] == min(len(talents), len(jobs))
    no_seed = _pipeline(
        engine, tmp_path, settings=_settings(training_include_seed_pairs=False)
    ).run(force=True)
    assert no_seed.metrics["seed_pairs"] == 0
    with Session(engine) as s:
        rows = {v.version: v.train_rows for v in registry.list_versions(s, "talent_matcher")}
    assert rows["v1.0"] - rows["v1.1"] == with_seed.metrics["seed_rows"]
    assert with_seed.metrics["seed_rows"] > with_seed.metrics["seed_pairs"]


def test_candidate_is_not_promoted_over_a_pointer_moved_during_training(
    session: Session, tmp_path: Path
) -> None:
    parent = register_artifact(session, tmp_path, "v1.0", activate=True)
    register_artifact(session, tmp_path, "v1.1", activate=False)
    registry.activate_version(session, "v1.1", actor="admin")
    won = GateDecision(True, "NDCG@10 gain +0.1", 0.1, 0.0, 1.0)
    decision = _recheck_champion(session, "talent_matcher", parent, won)
    assert not decision.promote
    assert "changed during training (v1.0 -> v1.1)" in decision.reason
    assert _recheck_champion(
        session, "talent_matcher", registry.get_version(session, "v1.1"), won
    ).promote
