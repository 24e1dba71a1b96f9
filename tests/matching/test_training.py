from __future__ import annotations

import json

import numpy as np

from app.ml.matcher import MatchingModel
from app.training.initial import (
    LabelledData,
    ndcg_at_k,
    save_artifact,
    train_and_evaluate,
)
from tests.matching.conftest import make_world


def test_ndcg_is_one_for_perfect_order_and_lower_for_reversed():
    labels = np.array([90.0, 50.0, 10.0, 80.0, 20.0])
    groups = np.array([0, 0, 0, 1, 1])
    assert ndcg_at_k(labels, labels, groups) == 1.0
    assert ndcg_at_k(-labels, labels, groups) < 0.9


def test_train_and_evaluate_beats_baselines_and_saves(tmp_path):
    w = make_world(seed=11, n_talents=80, n_jobs=50, pairs=2400)
    groups = w.t_idx.astype(np.int64)
    is_valid = groups % 5 == 0
    train = LabelledData(w.features[~is_valid], w.labels[~is_valid], groups[~is_valid])
    valid = LabelledData(w.features[is_valid], w.labels[is_valid], groups[is_valid])
    result = train_and_evaluate(train, valid, version="v0.9-test")
    report = result.report
    assert report["beats_random_by_30pct"]
    assert report["model"]["rmse"] < report["fallback"]["rmse"]
    assert report["model"]["ndcg_at_10"] > report["random"]["ndcg_at_10"]
    assert set(result.model.metadata.retrieval_weights) >= {"intercept", "shared_skills"}
    assert 1 <= result.best_rounds <= 400
    save_artifact(result, tmp_path / "v0.9-test")
    saved = json.loads((tmp_path / "v0.9-test" / "report.json").read_text())
    assert saved["artifact_sha256"] == result.model.metadata.sha256
    loaded = MatchingModel.load(tmp_path / "v0.9-test")
    np.testing.assert_array_equal(
        loaded.predict(valid.features), result.model.predict(valid.features)
    )
