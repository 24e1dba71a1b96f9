"""Initial training of the matcher on labelled pairs: features -> CV -> fit -> evaluate -> save.

`train_and_evaluate` is the reusable core (any labelled feature matrix in, a model and its
report out); `train_initial` wires it to the seeded `labelled_pairs` table, the artifact
folder and the registry for `app train --initial`.

Number of trees: 5-fold cross-validation on the train split, folds grouped by talent (no
talent's pairs on both sides of a fold), early stopping per fold; the final model is fitted
on the whole train split with the CV's best round count and judged on the held-out split,
which it has never seen.

Report: RMSE/MAE of the 0-100 score, and NDCG@10 per talent query (gain = label / 100,
queries with at least two pairs), for the model and three baselines on the same rows: a
random ranking (mean of 20 draws), the rule-based fallback, and embedding cosine alone.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.logging import get_logger
from app.ml import fallback, registry
from app.ml.errors import ModelLoadError
from app.ml.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    pair_features,
)
from app.ml.matcher import (
    DEFAULT_PARAMS,
    EARLY_STOPPING_ROUNDS,
    MAX_ROUNDS,
    MatchingModel,
    ModelMetadata,
    fit_booster,
)
from app.ml.profiles import JobTable, SkillVocab, TalentTable
from app.ml.reference import ReferenceSample
from app.ml.repository import load_job_table, load_talent_table
from app.ml.sub_scores import category_scale
from app.settings import Settings, get_settings
from app.training import quality, repository
from app.training.serving_view import ServingMix, serving_view

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NDCG_K = 10
RANDOM_DRAWS = 20
CV_FOLDS = 5
REPORT_FILE = "report.json"

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LabelledData:
    """Aligned rows: features, 0-100 labels, and the query (talent) each row belongs to."""

    features: FloatArray
    labels: FloatArray
    groups: IntArray

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(slots=True)
class TrainingResult:
    model: MatchingModel
    report: dict[str, Any]
    best_rounds: int
    extra: dict[str, Any] = field(default_factory=dict)


PairTables = tuple[TalentTable, IntArray, JobTable, IntArray]


def pair_tables(session: Session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> PairTables:
    """Talent and job tables of (talent_id, job_id) pairs, read in bulk, with row indices."""
    talent_ids = list(dict.fromkeys(t for t, _ in pairs))
    job_ids = list(dict.fromkeys(j for _, j in pairs))
    vocab = SkillVocab()
    talents = load_talent_table(session, vocab, talent_ids)
    jobs = load_job_table(session, vocab, job_ids)
    t_row = {t: i for i, t in enumerate(talents.ids)}
    j_row = {j: i for i, j in enumerate(jobs.ids)}
    t_idx = np.fromiter((t_row[t] for t, _ in pairs), dtype=np.int64, count=len(pairs))
    j_idx = np.fromiter((j_row[j] for _, j in pairs), dtype=np.int64, count=len(pairs))
    return talents, t_idx, jobs, j_idx


def training_features(
    session: Session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]], mix: ServingMix | None = None
) -> tuple[FloatArray, IntArray]:
    """Training rows of the pairs as serving will see them (see `serving_view`): features and,
    per row, the index of its pair."""
    if not pairs:
        return np.zeros((0, len(FEATURE_NAMES))), np.zeros(0, dtype=np.int64)
    return serving_view(*pair_tables(session, pairs), mix)


def features_for_pairs(
    session: Session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> FloatArray:
    """Feature rows (registry order) for (talent_id, job_id) pairs, exactly as stored."""
    return pair_features(*pair_tables(session, pairs))


def ndcg_at_k(scores: FloatArray, labels: FloatArray, groups: IntArray, k: int = NDCG_K) -> float:
    """Mean NDCG@k over queries with at least two rows; gain 2^(label/20) - 1 (grades 0-5)."""
    values = ndcg_values(scores, labels, groups, k)
    return float(np.mean(values)) if len(values) else 0.0


def ndcg_values(
    scores: FloatArray, labels: FloatArray, groups: IntArray, k: int = NDCG_K
) -> FloatArray:
    """NDCG@k of each query that counts for `ndcg_at_k`, in the order of its group ids."""
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    values = []
    for rows in np.split(order, bounds):
        gains = np.exp2(labels[rows] / 20.0) - 1.0
        if len(rows) < 2 or gains.sum() <= 0:
            continue
        discounts = 1.0 / np.log2(np.arange(2, min(k, len(rows)) + 2))
        ranked = gains[np.argsort(-scores[rows], kind="stable")][:k]
        ideal = np.sort(gains)[::-1][:k]
        values.append(float(ranked @ discounts[: len(ranked)] / (ideal @ discounts[: len(ideal)])))
    return np.asarray(values, dtype=np.float64)


def spearman(scores: FloatArray, labels: FloatArray) -> float:
    """Rank correlation over all rows: does the score order pairs like the labels do?"""
    if len(scores) < 2:
        return 0.0
    a = np.argsort(np.argsort(scores, kind="stable")).astype(np.float64)
    b = np.argsort(np.argsort(labels, kind="stable")).astype(np.float64)
    a_std, b_std = a.std(), b.std()
    if a_std == 0 or b_std == 0:
        return 0.0
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (a_std * b_std))


def _metrics(scores: FloatArray, data: LabelledData) -> dict[str, float]:
    err = scores - data.labels
    return {
        "rmse": round(float(np.sqrt(np.mean(err**2))), 4),
        "mae": round(float(np.mean(np.abs(err))), 4),
        "ndcg_at_10": round(ndcg_at_k(scores, data.labels, data.groups), 4),
        "spearman": round(spearman(scores, data.labels), 4),
    }


def improvement_over(model: dict[str, float], other: dict[str, float]) -> dict[str, float]:
    """Relative error reductions: RMSE, and NDCG loss (1 - NDCG), i.e. share of the gap closed."""
    loss_model, loss_other = 1.0 - model["ndcg_at_10"], 1.0 - other["ndcg_at_10"]
    return {
        "rmse_reduction": round(1.0 - model["rmse"] / other["rmse"], 4) if other["rmse"] else 0.0,
        "ndcg_loss_reduction": round(1.0 - loss_model / loss_other, 4) if loss_other else 0.0,
    }


@dataclass(frozen=True, slots=True)
class ScoredRows:
    """Validation rows as the report needs them: labels, the query of each row, and what the
    model and the baselines score them. Distributed training builds it partition by
    partition on its workers, so the report never needs the validation features at once."""

    labels: FloatArray
    groups: IntArray
    model: FloatArray
    fallback: FloatArray
    cosine: FloatArray
    """The embedding-cosine baseline's 0-100 score."""

    @classmethod
    def of(cls, scores: FloatArray, data: LabelledData) -> ScoredRows:
        cosine = data.features[:, FEATURE_INDEX["embedding_cosine"]]
        return cls(
            labels=data.labels,
            groups=data.groups,
            model=scores,
            fallback=fallback.scores(data.features),
            cosine=np.clip(cosine, 0.0, 1.0) * 100.0,
        )

    def __len__(self) -> int:
        return len(self.labels)


def baseline_report(data: LabelledData, seed: int = 0) -> dict[str, dict[str, float]]:
    return scored_baselines(ScoredRows.of(np.zeros(len(data)), data), seed)


def scored_baselines(rows: ScoredRows, seed: int = 0) -> dict[str, dict[str, float]]:
    data = LabelledData(np.zeros((len(rows), 0)), rows.labels, rows.groups)
    rng = np.random.default_rng(seed)
    draws = [_metrics(rng.uniform(0, 100, len(data)), data) for _ in range(RANDOM_DRAWS)]
    return {
        "random": {k: round(float(np.mean([d[k] for d in draws])), 4) for k in draws[0]},
        "fallback": _metrics(rows.fallback, data),
        "embedding_cosine": _metrics(rows.cosine, data),
    }


def cv_best_rounds(data: LabelledData, params: dict[str, Any], folds: int = CV_FOLDS) -> int:
    """Best boosting round count by grouped k-fold CV with early stopping."""
    unique = np.unique(data.groups)
    rng = np.random.default_rng(int(params.get("seed", 7)))
    fold_of_group = dict(zip(unique.tolist(), rng.permutation(len(unique)) % folds, strict=True))
    fold = np.fromiter((fold_of_group[g] for g in data.groups.tolist()), np.int64, len(data))
    splits = [
        (np.flatnonzero(fold != f), np.flatnonzero(fold == f))
        for f in range(folds)
        if (fold == f).any() and (fold != f).any()
    ]
    if len(splits) < 2:
        return MAX_ROUNDS // 4
    train = lgb.Dataset(data.features, label=data.labels, feature_name=list(FEATURE_NAMES))
    result = lgb.cv(
        {**DEFAULT_PARAMS, **params, "metric": "rmse"},
        train,
        num_boost_round=MAX_ROUNDS,
        folds=splits,
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )
    history = result["valid rmse-mean"]
    return max(1, len(history) if isinstance(history, list) else MAX_ROUNDS // 4)


def fit_proxy_weights(features: FloatArray, scores: FloatArray) -> dict[str, float]:
    """Least-squares linear proxy of the model's score on all features (stage-1 ranking)."""
    usable = list(FEATURE_NAMES)
    cols = [FEATURE_INDEX[n] for n in usable]
    design = np.column_stack([features[:, cols], np.ones(len(features))])
    coef, *_ = np.linalg.lstsq(design, scores, rcond=None)
    weights = {name: float(c) for name, c in zip(usable, coef[:-1], strict=True)}
    weights["intercept"] = float(coef[-1])
    return weights


def finish_metadata(model: MatchingModel, train_features: FloatArray) -> None:
    """Fill what serving reads from metadata (sub-score scale, the stage-1 proxy) and draw
    the drift reference, which `save` writes next to the model (app/ml/reference.py)."""
    scores = model.predict(train_features)
    model.metadata.category_scale = category_scale(model.contributions(train_features))
    model.metadata.retrieval_weights = fit_proxy_weights(train_features, scores)
    model.reference_ = ReferenceSample.draw(
        train_features, scores, get_settings().drift_reference_rows
    )


def train_and_evaluate(
    train: LabelledData,
    valid: LabelledData,
    *,
    version: str,
    model_id: str = "talent_matcher",
    params: dict[str, Any] | None = None,
    data_hash: str | None = None,
) -> TrainingResult:
    """CV for the round count, fit on `train`, evaluate model and baselines on `valid`."""
    params = params or {}
    rounds = cv_best_rounds(train, params)
    booster = fit_booster(train.features, train.labels, params=params, num_boost_round=rounds)
    model = MatchingModel(
        booster,
        ModelMetadata(
            version=version,
            model_id=model_id,
            params={**DEFAULT_PARAMS, **params, "num_boost_round": rounds},
            data_hash=data_hash,
            train_rows=len(train),
            valid_rows=len(valid),
        ),
    )
    finish_metadata(model, train.features)
    report = evaluation_report(
        model, ScoredRows.of(model.predict(valid.features), valid), train_rows=len(train)
    )
    return TrainingResult(model=model, report=report, best_rounds=rounds)


def evaluation_report(
    model: MatchingModel, valid: ScoredRows, *, train_rows: int
) -> dict[str, Any]:
    """The model and the baselines on the same validation rows; fills the model's metrics."""
    version = model.metadata.version
    rounds = int(model.metadata.params["num_boost_round"])
    data = LabelledData(np.zeros((len(valid), 0)), valid.labels, valid.groups)
    model_metrics = _metrics(valid.model, data)
    baselines = scored_baselines(valid)
    vs_random = improvement_over(model_metrics, baselines["random"])
    vs_fallback = improvement_over(model_metrics, baselines["fallback"])
    _, query_rows = np.unique(valid.groups, return_counts=True)
    report: dict[str, Any] = {
        "version": version,
        "rows": {"train": train_rows, "valid": len(valid)},
        "queries_valid": len(query_rows),
        "queries_valid_ndcg": int(np.sum(query_rows >= 2)),
        "best_rounds": rounds,
        "model": model_metrics,
        **baselines,
        "improvement_over_random": vs_random,
        "improvement_over_fallback": vs_fallback,
        "beats_random_by_30pct": min(vs_random.values()) > 0.30,
        "beats_fallback": min(vs_fallback.values()) > 0.0,
        "feature_importance_gain": {k: round(v, 2) for k, v in model.feature_importance().items()},
    }
    model.metadata.metrics = {k: report[k] for k in ("model", "random", "fallback")}
    model.metadata.metrics["embedding_cosine"] = report["embedding_cosine"]
    return report


def load_labelled_pairs(
    session: Session,
) -> tuple[LabelledData, LabelledData, str, datetime | None, datetime | None]:
    """The seeded pairs as (train, valid, data hash, window start, window end).

    The train part is stacked with its serving-like copies (`serving_view`); the valid part
    is scored as stored, so the synthetic metrics stay comparable across versions."""
    rows = repository.labelled_pair_rows(session)
    digest = hashlib.sha256()
    for r in sorted(rows, key=lambda r: (str(r[0]), str(r[1]))):
        digest.update(f"{r[0]},{r[1]},{r[2]:.4f},{r[3]}\n".encode())
    group_of: dict[uuid.UUID, int] = {}
    groups = np.asarray([group_of.setdefault(r[0], len(group_of)) for r in rows], np.int64)
    labels = np.asarray([r[2] for r in rows], np.float64)
    is_train = np.asarray([r[3] == "train" for r in rows], np.bool_)
    train_rows, valid_rows = np.flatnonzero(is_train), np.flatnonzero(~is_train)
    pairs: list[tuple[uuid.UUID, uuid.UUID]] = [(r[0], r[1]) for r in rows]
    train_features, source = training_features(session, [pairs[i] for i in train_rows.tolist()])
    rows_of = train_rows[source]
    valid_features = features_for_pairs(session, [pairs[i] for i in valid_rows.tolist()])
    train = LabelledData(train_features, labels[rows_of], groups[rows_of])
    valid = LabelledData(valid_features, labels[valid_rows], groups[valid_rows])
    times = [r[4] for r in rows]
    return (
        train,
        valid,
        digest.hexdigest(),
        min(times, default=None),
        max(times, default=None),
    )


def save_artifact(result: TrainingResult, directory: Path) -> Path:
    """Write model.txt, metadata.json and report.json into `directory`; returns model.txt."""
    path = result.model.save(directory)
    result.report["artifact_sha256"] = result.model.metadata.sha256
    write_report(result, directory)
    return path


def write_report(result: TrainingResult, directory: Path) -> None:
    (directory / REPORT_FILE).write_text(json.dumps(result.report, indent=2))


@dataclass(frozen=True, slots=True)
class InitialOutcome:
    trained: bool
    version: str | None
    message: str
    report: dict[str, Any] | None = None


def active_artifact_ok(session: Session, model_id: str) -> str | None:
    """Version of the active model when its artifact exists and verifies, else None."""
    row = registry.active_version(session, model_id)
    if row is None:
        return None
    try:
        MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
    except ModelLoadError as exc:
        log.warning("active_model_unusable", version=row.version, error=str(exc))
        return None
    return row.version


def train_initial(
    session: Session,
    *,
    model_dir: Path,
    model_id: str,
    if_missing: bool = False,
    created_by: str = "app train --initial",
    settings: Settings | None = None,
) -> InitialOutcome:
    """Train on the seeded labelled pairs, save the artifact and register it; activate it
    only when it does not lose to the text baseline on the external benchmarks. Flushes
    only: the caller's unit of work (`app train --initial` uses `session_scope`) commits."""
    if if_missing and (version := active_artifact_ok(session, model_id)) is not None:
        return InitialOutcome(False, version, f"active version {version} verifies; nothing to do")
    settings = settings or get_settings()
    if settings.training_dask_scheduler is not None:
        # Imported here: the distributed trainer is built on this module's functions.
        from app.training.distributed import train_initial_distributed

        return train_initial_distributed(
            session,
            model_dir=model_dir,
            model_id=model_id,
            created_by=created_by,
            settings=settings,
        )
    train, valid, data_hash, start, end = load_labelled_pairs(session)
    if len(train) < 50 or len(valid) < 10:
        raise ValueError(
            f"labelled_pairs has {len(train)} train / {len(valid)} valid rows; "
            "seed first (app seed) - need at least 50 / 10"
        )
    version = registry.next_version(session, model_id)
    result = train_and_evaluate(
        train, valid, version=version, model_id=model_id, data_hash=data_hash
    )
    return publish_initial(
        session,
        result,
        model_dir=model_dir,
        check_features=valid.features,
        window=(start, end),
        created_by=created_by,
        settings=settings,
    )


def publish_initial(
    session: Session,
    result: TrainingResult,
    *,
    model_dir: Path,
    check_features: FloatArray,
    window: tuple[datetime | None, datetime | None],
    created_by: str,
    settings: Settings | None = None,
) -> InitialOutcome:
    """Save a trained initial model, check that the artifact reproduces it on
    `check_features`, judge it on the external benchmarks and register it (active only when
    it passes). Shared by single-process and distributed training (`app.training.distributed`)."""
    model_id, version = result.model.metadata.model_id, result.model.metadata.version
    data_hash, (start, end) = result.model.metadata.data_hash, window
    directory = model_dir / version
    path = save_artifact(result, directory)
    loaded = MatchingModel.load(directory, expected_sha256=result.model.metadata.sha256)
    if not np.allclose(loaded.predict(check_features), result.model.predict(check_features)):
        raise RuntimeError("saved model does not reproduce the trained model's predictions")
    promote, reason, external = quality.judge(result.model, settings or get_settings())
    result.report["external"] = external
    result.report["quality_gate"] = {"promote": promote, "reason": reason}
    write_report(result, directory)
    previous = registry.active_version(session, model_id)
    registry.register_version(
        session,
        model_id=model_id,
        version=version,
        metrics=result.model.metadata.metrics,
        params=result.model.metadata.params,
        feature_list=list(FEATURE_NAMES),
        artifact_path=str(directory),
        artifact_sha256=result.model.metadata.sha256,
        train_rows=result.report["rows"]["train"],
        valid_rows=result.report["rows"]["valid"],
        data_hash=data_hash,
        training_window_start=start,
        training_window_end=end,
        created_by=created_by,
        parent_version=previous.version if previous else None,
        activate=promote,
    )
    if not promote:
        registry.reject_version(
            session, version, actor=created_by, reason=reason, details={"external": external}
        )
    log.info(
        "initial_model_trained",
        version=version,
        path=str(path),
        promoted=promote,
        gate=reason,
        **result.report["model"],
    )
    if not promote:
        return InitialOutcome(
            True, version, f"trained {version} but did not activate it: {reason}", result.report
        )
    return InitialOutcome(
        True, version, f"trained and activated {version} ({reason})", result.report
    )
