"""Retrain the matcher from feedback, and promote the result only if it is measurably better.

One run:
1. Gate: train when forced, or when the schedule is due (every `training_schedule_days`) and at
   least `training_min_new_samples` labels arrived after the newest training window.
2. Labels (SQL, `app.training.repository`) are split by time: the oldest part trains, the newest
   `training_valid_fraction` validates. The round count comes from talent-grouped CV inside
   the training part (the matcher's own recipe), so the validation set stays untouched for
   the comparison.
   Grades become 0-100 targets on the champion's scale (`app.training.targets`), and the
   seeded labelled pairs join the training part (`training_include_seed_pairs`): a retrained
   model keeps what the initial one knew and adds what users showed.
3. Challenger and champion (the active version; the rule-based fallback when none loads) are
   scored on the same validation rows: NDCG@10 per talent, AUC, calibration error; promotion
   needs the configured margin and bootstrap confidence (`app.training.evaluation`).
4. The artifact is written and re-loaded through its checksum before anything is registered;
   then one transaction registers the version and either moves the active pointer or marks it
   rejected with its metrics.

Any failure marks the run failed and leaves the registry untouched, so the live model never
changes because of a broken run. Runs are rows in `training_runs` (status, metrics, message)
and structlog events; one run at a time is enforced by `app.training.lock`.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.models import MLModelVersion, TrainingRun
from app.db.session import session_scope
from app.logging import get_logger
from app.ml import fallback, registry
from app.ml.errors import ModelLoadError
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import (
    DEFAULT_PARAMS,
    MODEL_FILE,
    MatchingModel,
    ModelMetadata,
    fit_booster,
    sha256_file,
)
from app.monitoring.metrics import observe_training_run
from app.settings import Settings, get_settings
from app.training import distributed, quality, repository
from app.training.dataset import Dataset, build_dataset
from app.training.errors import TrainingInProgressError
from app.training.evaluation import GateDecision, Metrics, evaluate, promotion_gate
from app.training.initial import (
    LabelledData,
    cv_best_rounds,
    finish_metadata,
    load_labelled_pairs,
    training_features,
)
from app.training.labels import POSITIVE_MIN_GRADE, as_utc, data_hash
from app.training.lock import TrainingLock, try_acquire
from app.training.targets import calibrated_scale

log = get_logger(__name__)

MIN_TRAIN_ROWS = 20
ABANDONED = "abandoned: the process running it stopped before finishing"


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Scorer = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True, slots=True)
class SeedRows:
    """The seeded labelled pairs, already on the 0-100 scale, added to the training part;
    their train part comes with its serving-like copies, so `pairs` <= len(targets)."""

    features: FloatArray
    targets: FloatArray
    groups: IntArray
    digest: str
    pairs: int

    @property
    def rows(self) -> int:
        return len(self.targets)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a run records of the seeded pairs it trained on, wherever they were read."""

    digest: str
    pairs: int
    rows: int


class SkipTraining(Exception):
    """Not an error: the run decided not to train, and says why (with the counts it saw)."""

    def __init__(self, message: str, metrics: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.metrics = metrics or {}


FORCE_FLOOR_NOTE = (
    "force lifts only the weekly schedule and the new-feedback minimum, not this floor: "
    "a model cannot be fit and compared on less"
)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: uuid.UUID
    status: str
    message: str
    promoted: bool = False
    candidate_version: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _lock_holder(engine: Engine, wait: float = 2.0) -> uuid.UUID | None:
    """The run holding the lock; its `running` row may commit a moment after the lock is
    taken, so look again (a fresh transaction each time) for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        with session_scope(engine) as session:
            holder = repository.running_run_id(session)
        if holder is not None or time.monotonic() >= deadline:
            return holder
        time.sleep(0.05)


def start_run(engine: Engine, *, force: bool, triggered_by: str) -> tuple[uuid.UUID, TrainingLock]:
    """Take the lock and record a `running` row; the caller must hand the lock to `execute`.

    Rows still `running` while we hold the lock belong to a process that died: they are closed
    as failed, so a crash never leaves a run that looks alive. The row commits in its own
    `session_scope` before training starts, so other callers see the run at once.
    """
    lock = try_acquire(engine)
    if lock is None:
        raise TrainingInProgressError(_lock_holder(engine))
    try:
        with session_scope(engine) as session:
            repository.fail_running_runs(session, message=ABANDONED, finished_at=_utcnow())
            run = repository.add_run(
                session, TrainingRun(status="running", forced=force, triggered_by=triggered_by)
            )
            run_id = run.id
    except BaseException:
        lock.release()
        raise
    log.info("training_started", run_id=str(run_id), forced=force, triggered_by=triggered_by)
    return run_id, lock


@dataclass
class TrainingPipeline:
    engine: Engine
    settings: Settings = field(default_factory=get_settings)
    model_id: str = ""
    model_dir: Path | None = None
    now: Callable[[], datetime] = _utcnow
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model_id = registry.validate_model_id(self.model_id or self.settings.matcher_model_id)
        self.model_dir = self.model_dir or self.settings.model_dir

    def run(self, force: bool = False, *, triggered_by: str = "system") -> RunOutcome:
        """Lock, train (or skip) and finish in the calling thread."""
        run_id, lock = start_run(self.engine, force=force, triggered_by=triggered_by)
        return self.execute(run_id, lock, force=force, triggered_by=triggered_by)

    def execute(
        self, run_id: uuid.UUID, lock: TrainingLock, *, force: bool, triggered_by: str
    ) -> RunOutcome:
        """The body of a run started by `start_run`; always releases the lock."""
        try:
            try:
                outcome = self._train(run_id, force=force, triggered_by=triggered_by)
            except SkipTraining as skip:
                outcome = RunOutcome(run_id, "skipped", str(skip), metrics=skip.metrics)
            except Exception as exc:
                log.exception("training_failed", run_id=str(run_id))
                outcome = RunOutcome(run_id, "failed", f"{type(exc).__name__}: {exc}")
            self._finish(outcome)
            return outcome
        finally:
            lock.release()

    def _finish(self, outcome: RunOutcome) -> None:
        with session_scope(self.engine) as session:
            run = repository.get_run(session, outcome.run_id)
            if run is None:
                return
            if outcome.status != "succeeded":
                run.status, run.message = outcome.status, outcome.message
                run.metrics = outcome.metrics
                run.finished_at = self.now()
        observe_training_run(
            outcome.status, promoted=outcome.promoted, candidate=outcome.candidate_version
        )
        event = (
            "training_finished" if outcome.status == "succeeded" else f"training_{outcome.status}"
        )
        log.info(
            event,
            run_id=str(outcome.run_id),
            status=outcome.status,
            promoted=outcome.promoted,
            version=outcome.candidate_version,
            message=outcome.message,
        )

    def _last_version(self, session: Session) -> MLModelVersion | None:
        return repository.latest_trained_version(session, self.model_id)

    def not_due_reason(self, session: Session) -> str | None:
        """Why an unforced run would not train now, or None when it is due (cheap: one row
        and one COUNT), so a scheduler can ask before starting a run."""
        s = self.settings
        last = self._last_version(session)
        if last is not None:
            due_at = as_utc(last.trained_at) + timedelta(days=s.training_schedule_days)
            if self.now() < due_at:
                return (
                    f"schedule not due: last trained {as_utc(last.trained_at):%Y-%m-%d %H:%M} "
                    f"UTC, next due {due_at:%Y-%m-%d %H:%M} UTC (every "
                    f"{s.training_schedule_days} days); pass force to train now"
                )
        since = as_utc(last.training_window_end) if last and last.training_window_end else None
        new = repository.count_labels(session, since=since)
        if new < s.training_min_new_samples:
            return (
                f"too little new feedback: {new} new labelled samples since "
                f"{since.isoformat() if since else 'the beginning'}, need "
                f"{s.training_min_new_samples}"
            )
        return None

    def _gate(self, session: Session, force: bool) -> int:
        """New labelled samples since the last training window; raises SkipTraining when an
        unforced run is not due."""
        if not force and (reason := self.not_due_reason(session)) is not None:
            raise SkipTraining(reason)
        last = self._last_version(session)
        since = as_utc(last.training_window_end) if last and last.training_window_end else None
        return repository.count_labels(session, since=since)

    def _split(self, data: Dataset) -> tuple[Dataset, Dataset]:
        """Oldest rows train, newest validate; rows sharing the cut instant stay together."""
        times = np.array([r.event_at.timestamp() for r in data.labels])
        cut = int(len(times) * (1.0 - self.settings.training_valid_fraction))
        cutoff = times[min(max(cut, 1), len(times) - 1)]
        train = np.flatnonzero(times < cutoff)
        valid = np.flatnonzero(times >= cutoff)
        return data.subset(train), data.subset(valid)

    def _fit(
        self, features: FloatArray, targets: FloatArray, groups: IntArray
    ) -> tuple[MatchingModel, dict[str, Any]]:
        """The matcher's own recipe: talent-grouped CV picks the round count, then one fit on
        all training rows; serving metadata (sub-score scale, stage-1 proxy) is filled in."""
        params = dict(self.params)
        rounds = cv_best_rounds(LabelledData(features, targets, groups), params)
        booster = fit_booster(features, targets, params=params, num_boost_round=rounds)
        merged = {**DEFAULT_PARAMS, **params, "num_boost_round": rounds}
        model = MatchingModel(
            booster,
            ModelMetadata(version="unregistered", model_id=self.model_id, params=merged),
        )
        finish_metadata(model, features)
        return model, merged

    def _fit_on_cluster(
        self, features: FloatArray, targets: FloatArray, groups: IntArray
    ) -> tuple[MatchingModel, dict[str, Any], SeedSummary | None, dict[str, Any]]:
        """`_fit` on the Dask cluster: the feedback rows go from here, the seeded pairs (train
        split with its serving copies, valid split as stored, as `_seed_pairs` stacks them)
        are read in partitions by the workers; the round count and the serving metadata come
        from the driver's sample of all rows (`app.training.distributed`)."""
        s = self.settings
        params = dict(self.params)
        with session_scope(self.engine) as session:
            partitions = (
                distributed.plan_partitions(
                    session,
                    splits=(("train", True), ("valid", False)),
                    size=s.training_dask_partition_pairs,
                )
                if s.training_include_seed_pairs
                else []
            )
        extra = LabelledData(features, targets, groups)
        with distributed.dask_client(s) as client:
            fit = distributed.fit_on_cluster(
                client,
                distributed.database_url(self.engine),
                partitions,
                params=params,
                sample_rows=s.training_dask_sample_rows,
                extra=extra,
            )
        model = distributed.cluster_model(
            fit, version="unregistered", model_id=self.model_id, params=params
        )
        seeded = (
            SeedSummary(digest=fit.digest, pairs=fit.history_pairs, rows=fit.history_rows)
            if partitions
            else None
        )
        cluster = {
            "scheduler": s.training_dask_scheduler,
            "partitions": len(partitions),
            "sample_rows": len(fit.sample),
        }
        return model, model.metadata.params, seeded, cluster

    def _champion(self, session: Session) -> tuple[str, Scorer]:
        """The active model when it loads, else the rule-based fallback that would serve."""
        active = registry.active_version(session, self.model_id)
        if active is not None:
            try:
                model = MatchingModel.load(Path(active.artifact_path), active.artifact_sha256)
            except ModelLoadError as exc:
                log.error("champion_unloadable", version=active.version, error=str(exc))
            else:
                return active.version, model.predict
        return "fallback", fallback.scores

    def _seed_pairs(self, session: Session, group_offset: int) -> SeedRows | None:
        if not self.settings.training_include_seed_pairs:
            return None
        if not repository.has_labelled_pairs(session):
            return None
        train, valid, digest, _start, _end = load_labelled_pairs(session)
        return SeedRows(
            features=np.vstack([train.features, valid.features]),
            targets=np.concatenate([train.labels, valid.labels]),
            groups=np.concatenate([train.groups, valid.groups]) + group_offset,
            digest=digest,
            pairs=repository.count_labelled_pairs(session),
        )

    @staticmethod
    def _evaluate(scores: np.ndarray[Any, Any], data: Dataset) -> tuple[Metrics, dict[int, float]]:
        return evaluate(
            np.asarray(scores, dtype=np.float64),
            data.grades,
            data.targets,
            data.groups,
            positive_min=POSITIVE_MIN_GRADE,
        )

    def _train(self, run_id: uuid.UUID, *, force: bool, triggered_by: str) -> RunOutcome:
        s = self.settings
        now = self.now()
        with session_scope(self.engine) as session:
            new = self._gate(session, force)
            labels = repository.fetch_labels(session, until=now)
            counts: dict[str, Any] = {
                "new_samples": new,
                "rows": {"labelled_samples": len(labels)},
            }
            floor = f"; {FORCE_FLOOR_NOTE}" if force else ""
            if len(labels) < MIN_TRAIN_ROWS:
                raise SkipTraining(
                    f"too little feedback: {len(labels)} labelled samples in total, "
                    f"need at least {MIN_TRAIN_ROWS} to train{floor}",
                    counts,
                )
            data = build_dataset(session, labels)
        train, valid = self._split(data)
        eligible, _ = self._evaluate(np.zeros(len(valid)), valid)
        counts["rows"].update(
            train_rows=len(train), valid_rows=len(valid), validation_talents=eligible.queries
        )
        if len(train) < MIN_TRAIN_ROWS or eligible.queries < s.training_min_valid_queries:
            raise SkipTraining(
                f"too little feedback to compare models: {len(train)} training rows and "
                f"{eligible.queries} validation talents with a positive outcome "
                f"(need {MIN_TRAIN_ROWS} and {s.training_min_valid_queries}){floor}",
                counts,
            )

        on_cluster = s.training_dask_scheduler is not None
        with session_scope(self.engine) as session:
            champion_name, champion_scores = self._champion(session)
            # On a cluster the workers read the seeded pairs themselves (`_fit_on_cluster`).
            seed = (
                None
                if on_cluster
                else self._seed_pairs(session, group_offset=int(data.groups.max(initial=0)) + 1)
            )
            version = registry.next_version(session, self.model_id)
            parent = registry.active_version(session, self.model_id)
        scale = calibrated_scale(
            train.grades, champion_scores(train.features), reference=champion_name
        )
        train, valid = train.with_targets(scale.targets), valid.with_targets(scale.targets)
        with session_scope(self.engine) as session:
            features, source = training_features(
                session, [(r.talent_id, r.job_id) for r in train.labels]
            )
        targets, groups = train.targets[source], train.groups[source]
        if seed is not None:
            features = np.vstack([features, seed.features])
            targets = np.concatenate([targets, seed.targets])
            groups = np.concatenate([groups, seed.groups])
        cluster: dict[str, Any] | None = None
        if on_cluster:
            model, params, seeded, cluster = self._fit_on_cluster(features, targets, groups)
            fit_rows = model.metadata.train_rows
        else:
            model, params = self._fit(features, targets, groups)
            seeded = None if seed is None else SeedSummary(seed.digest, seed.pairs, seed.rows)
            fit_rows = len(targets)
        challenger, challenger_q = self._evaluate(model.predict(valid.features), valid)
        champion, champion_q = self._evaluate(champion_scores(valid.features), valid)
        decision = promotion_gate(
            challenger,
            champion,
            margin=s.promotion_margin,
            challenger_per_query=challenger_q,
            champion_per_query=champion_q,
            min_confidence=s.promotion_min_confidence,
        )
        external_ok, external_reason, external = quality.judge(model, s)
        if decision.promote and not external_ok:
            decision = replace(decision, promote=False, reason=external_reason)
        metrics = _metrics_record(challenger, champion, champion_name, decision, new)
        metrics["external"] = {"gate": external_reason, "passed": external_ok, **external}
        metrics["targets"] = {"by_grade": scale.by_grade, "source": scale.source}
        metrics["seed_pairs"] = 0 if seeded is None else seeded.pairs
        metrics["seed_rows"] = 0 if seeded is None else seeded.rows
        metrics["rows"] = {**counts["rows"], "fit_rows": fit_rows}
        if cluster is not None:
            metrics["cluster"] = cluster
        window_start, window_end = labels[0].event_at, labels[-1].event_at
        train_hash = data_hash(labels)
        if seeded is not None:
            train_hash = hashlib.sha256(f"{train_hash}+{seeded.digest}".encode()).hexdigest()
        train_rows = fit_rows

        assert self.model_dir is not None
        artifact = self.model_dir / version
        model.metadata.version = version
        model.metadata.metrics = metrics
        model.metadata.data_hash = train_hash
        model.metadata.train_rows, model.metadata.valid_rows = train_rows, len(valid)
        if artifact.exists():
            raise FileExistsError(f"artifact folder {artifact} already exists")
        try:
            model.save(artifact)
            sha = sha256_file(artifact / MODEL_FILE)
            reloaded = MatchingModel.load(artifact, expected_sha256=sha)
            if not np.allclose(reloaded.predict(valid.features), model.predict(valid.features)):
                raise ModelLoadError(f"artifact {artifact} does not reproduce the trained model")
            with session_scope(self.engine) as session:
                decision = _recheck_champion(session, self.model_id, parent, decision)
                metrics["gate"] = decision.as_dict()
                registry.register_version(
                    session,
                    model_id=self.model_id,
                    version=version,
                    metrics=metrics,
                    params=params,
                    feature_list=list(FEATURE_NAMES),
                    artifact_path=str(artifact),
                    artifact_sha256=sha,
                    train_rows=train_rows,
                    valid_rows=len(valid),
                    data_hash=train_hash,
                    training_window_start=window_start,
                    training_window_end=window_end,
                    created_by=triggered_by,
                    parent_version=parent.version if parent else None,
                    activate=decision.promote,
                )
                if not decision.promote:
                    registry.reject_version(
                        session,
                        version,
                        actor=triggered_by,
                        reason=decision.reason,
                        details={"metrics": metrics},
                    )
                message = (
                    f"{version} promoted: {decision.reason}"
                    if decision.promote
                    else f"{version} rejected: {decision.reason}"
                )
                run = repository.get_run(session, run_id)
                if run is not None:
                    run.status = "succeeded"
                    run.candidate_version = version
                    run.promoted = decision.promote
                    run.metrics = metrics
                    run.message = message
                    run.finished_at = self.now()
        except BaseException:
            shutil.rmtree(artifact, ignore_errors=True)
            raise
        return RunOutcome(run_id, "succeeded", message, decision.promote, version, metrics)


def _recheck_champion(
    session: Session, model_id: str, parent: MLModelVersion | None, decision: GateDecision
) -> GateDecision:
    """A candidate beat the version that was active when it was evaluated; if an admin moved
    the pointer meanwhile, that comparison no longer holds and the candidate is not promoted."""
    now_active = registry.active_version(session, model_id)
    before = parent.version if parent else None
    after = now_active.version if now_active else None
    if not decision.promote or before == after:
        return decision
    reason = f"the active version changed during training ({before} -> {after}); not promoted"
    return replace(decision, promote=False, reason=reason)


def _metrics_record(
    challenger: Metrics,
    champion: Metrics | None,
    champion_name: str,
    decision: GateDecision,
    new_samples: int,
) -> dict[str, Any]:
    return {
        "ndcg_at_10": challenger.ndcg_at_10,
        "auc": challenger.auc,
        "calibration_error": challenger.calibration_error,
        "candidate": challenger.as_dict(),
        "champion": {"version": champion_name, **(champion.as_dict() if champion else {})},
        "gate": decision.as_dict(),
        "new_samples": new_samples,
    }
