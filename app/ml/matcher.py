"""The LightGBM matcher: a pointwise regressor whose output is the 0-100 match score.

Why pointwise regression and not LambdaRank: a ranker's score only means something inside
its query group, while users read our score as an absolute "how good is this match" and SHAP
explains the absolute raw output. A regressor on the 0-100 labels gives a score that is an
estimate of the label itself, comparable across talents and jobs, and its SHAP values are in
score points ("+12 points from skills").

Monotone constraints come from the feature registry: more required-skill coverage, a higher
skill overlap or proficiency fit never lowers a score, and each missing required skill never
raises it. This costs almost no accuracy and rules out explanations that would read absurd.

The model is kept small (at most a few hundred trees of 15 leaves): `pred_contrib` costs
scale with trees x leaves and we pay it for every shown match.

Artifacts are LightGBM's text format plus JSON metadata holding the sha256 of the text file;
`load` refuses a file whose checksum or feature list does not match. Never pickle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from app.ml.errors import ModelLoadError
from app.ml.features import FEATURE_NAMES, FEATURES
from app.ml.reference import ReferenceSample

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
SCORE_MIN = 0.0
SCORE_MAX = 100.0

FloatArray = npt.NDArray[np.float64]

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "regression",
    "learning_rate": 0.06,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "monotone_constraints": [f.monotone for f in FEATURES],
    "monotone_constraints_method": "basic",
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 7,
    "verbose": -1,
}
MAX_ROUNDS = 400
# Requests score a few hundred rows: one thread beats OpenMP start-up and leaves the other
# cores to other requests.
PREDICT_THREADS = 1
EARLY_STOPPING_ROUNDS = 30


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(slots=True)
class ModelMetadata:
    version: str
    model_id: str = "talent_matcher"
    feature_list: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_hash: str | None = None
    sha256: str = ""
    num_trees: int = 0
    category_scale: dict[str, float] = field(default_factory=dict)
    """Typical |SHAP| per category (95th percentile on training data): sub-score 100 = +scale."""
    retrieval_weights: dict[str, float] = field(default_factory=dict)
    """Linear proxy of the model on cheap features, used to build the stage-1 short list."""
    train_rows: int = 0
    valid_rows: int = 0
    reference_sha256: str | None = None
    """sha256 of reference.npz, the drift reference (app/ml/reference.py); None before it."""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    lightgbm_version: str = lgb.__version__


class MatchingModel:
    """A trained booster and its metadata; scores are clipped to 0-100."""

    def __init__(self, booster: lgb.Booster, metadata: ModelMetadata) -> None:
        self.booster_ = booster
        self.metadata = metadata
        self.reference_: ReferenceSample | None = None
        """Set at fit time; `save` writes it next to the model for drift runs."""

    @property
    def version(self) -> str:
        return self.metadata.version

    def raw(self, features: FloatArray) -> FloatArray:
        return np.asarray(
            self.booster_.predict(features, raw_score=True, num_threads=PREDICT_THREADS),
            dtype=np.float64,
        )

    def predict(self, features: FloatArray) -> FloatArray:
        return np.clip(self.raw(features), SCORE_MIN, SCORE_MAX)

    def contributions(self, features: FloatArray) -> FloatArray:
        """SHAP values (M, F) plus the expected value as the last column (TreeSHAP, exact)."""
        return np.asarray(
            self.booster_.predict(features, pred_contrib=True, num_threads=PREDICT_THREADS),
            dtype=np.float64,
        )

    def feature_importance(self, kind: str = "gain") -> dict[str, float]:
        values = self.booster_.feature_importance(importance_type=kind)
        return {
            name: float(v) for name, v in zip(self.booster_.feature_name(), values, strict=True)
        }

    def save(self, directory: Path) -> Path:
        """Write model.txt, reference.npz (when drawn) and metadata.json (with both files'
        sha256) into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / MODEL_FILE
        self.booster_.save_model(str(model_path))
        self.metadata.sha256 = sha256_file(model_path)
        if self.reference_ is not None:
            self.metadata.reference_sha256 = sha256_file(self.reference_.save(directory))
        self.metadata.num_trees = self.booster_.num_trees()
        (directory / METADATA_FILE).write_text(json.dumps(asdict(self.metadata), indent=2))
        return model_path

    @classmethod
    def load(cls, directory: Path, expected_sha256: str | None = None) -> MatchingModel:
        """Load and verify an artifact folder; any mismatch raises ModelLoadError."""
        model_path = directory / MODEL_FILE
        meta_path = directory / METADATA_FILE
        if not model_path.is_file() or not meta_path.is_file():
            raise ModelLoadError(f"model artifact incomplete in {directory}")
        try:
            metadata = ModelMetadata(**json.loads(meta_path.read_text()))
        except (ValueError, TypeError) as exc:
            raise ModelLoadError(f"unreadable metadata in {meta_path}: {exc}") from exc
        actual = sha256_file(model_path)
        for label, wanted in (("metadata", metadata.sha256), ("registry", expected_sha256)):
            if wanted is not None and wanted != actual:
                raise ModelLoadError(
                    f"checksum mismatch for {model_path}: {label} says {wanted}, file is {actual}"
                )
        try:
            booster = lgb.Booster(model_file=str(model_path))
        except lgb.basic.LightGBMError as exc:
            raise ModelLoadError(f"corrupt model file {model_path}: {exc}") from exc
        if list(booster.feature_name()) != list(FEATURE_NAMES) or metadata.feature_list != list(
            FEATURE_NAMES
        ):
            raise ModelLoadError(
                f"feature list of {directory} does not match this code's registry "
                f"({len(booster.feature_name())} vs {len(FEATURE_NAMES)} features)"
            )
        return cls(booster, metadata)


def fit_booster(
    x_train: FloatArray,
    y_train: FloatArray,
    x_valid: FloatArray | None = None,
    y_valid: FloatArray | None = None,
    params: dict[str, Any] | None = None,
    num_boost_round: int = MAX_ROUNDS,
) -> lgb.Booster:
    """Fit with early stopping on the validation set when one is given."""
    merged = {**DEFAULT_PARAMS, **(params or {})}
    train = lgb.Dataset(x_train, label=y_train, feature_name=list(FEATURE_NAMES))
    valid_sets: list[lgb.Dataset] = []
    callbacks: list[Callable[..., Any]] = []
    if x_valid is not None and y_valid is not None and len(y_valid) > 0:
        valid_sets.append(lgb.Dataset(x_valid, label=y_valid, reference=train))
        callbacks.append(lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False))
    return lgb.train(
        merged,
        train,
        num_boost_round=num_boost_round,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )
