from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.ml.errors import ModelLoadError
from app.ml.features import FEATURE_INDEX, FEATURE_NAMES
from app.ml.matcher import METADATA_FILE, MODEL_FILE, MatchingModel


def test_scores_are_in_range_and_learn_the_hidden_rule(tiny_model, world):
    scores = tiny_model.predict(world.features)
    assert scores.min() >= 0.0
    assert scores.max() <= 100.0
    holdout = slice(int(len(world.labels) * 0.8), None)
    rmse = np.sqrt(np.mean((scores[holdout] - world.labels[holdout]) ** 2))
    assert rmse < 0.5 * np.std(world.labels[holdout])


def test_feature_importance_names_every_feature_and_ranks_coverage_high(tiny_model):
    importance = tiny_model.feature_importance()
    assert list(importance) == list(FEATURE_NAMES)
    top = sorted(importance, key=importance.get, reverse=True)[:3]
    assert "required_skill_coverage" in top


def test_more_required_coverage_never_lowers_the_score(tiny_model, world):
    x = world.features[:200].copy()
    col = FEATURE_INDEX["required_skill_coverage"]
    previous = None
    for value in np.linspace(0, 1, 6):
        x[:, col] = value
        scores = tiny_model.predict(x)
        if previous is not None:
            assert (scores >= previous - 1e-9).all()
        previous = scores


@pytest.mark.parametrize(
    ("feature", "direction"), [("years_ratio", 1), ("underqualified_years", -1)]
)
def test_experience_is_monotone(tiny_model, world, feature, direction):
    """More years against the job's minimum never lower the score, a larger shortfall never
    raises it, whatever the other features say (LightGBM's monotone constraints)."""
    x = world.features[:200].copy()
    col = FEATURE_INDEX[feature]
    previous = None
    for value in np.linspace(0, 5, 11):
        x[:, col] = value
        scores = tiny_model.predict(x) * direction
        if previous is not None:
            assert (scores >= previous - 1e-9).all()
        previous = scores


def test_save_load_round_trip_gives_identical_predictions(tiny_model, world, tmp_path):
    tiny_model.save(tmp_path / "v0.1-test")
    loaded = MatchingModel.load(tmp_path / "v0.1-test")
    np.testing.assert_array_equal(
        loaded.predict(world.features), tiny_model.predict(world.features)
    )
    meta = json.loads((tmp_path / "v0.1-test" / METADATA_FILE).read_text())
    assert meta["feature_list"] == list(FEATURE_NAMES)
    assert len(meta["sha256"]) == 64
    assert (tmp_path / "v0.1-test" / MODEL_FILE).read_text().startswith("tree")
    assert loaded.metadata.category_scale == tiny_model.metadata.category_scale


def test_checksum_mismatch_is_refused(tiny_model, tmp_path):
    folder = tmp_path / "m"
    tiny_model.save(folder)
    with (folder / MODEL_FILE).open("a") as fh:
        fh.write("\n")
    with pytest.raises(ModelLoadError, match="checksum"):
        MatchingModel.load(folder)


def test_registry_checksum_must_match_too(tiny_model, tmp_path):
    tiny_model.save(tmp_path / "m")
    with pytest.raises(ModelLoadError, match="registry"):
        MatchingModel.load(tmp_path / "m", expected_sha256="0" * 64)


def test_feature_list_mismatch_is_refused(tiny_model, tmp_path):
    folder = tmp_path / "m"
    tiny_model.save(folder)
    meta = json.loads((folder / METADATA_FILE).read_text())
    meta["feature_list"] = meta["feature_list"][:-1]
    (folder / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="feature list"):
        MatchingModel.load(folder)


def test_missing_or_corrupt_artifact_is_refused(tiny_model, tmp_path):
    with pytest.raises(ModelLoadError, match="incomplete"):
        MatchingModel.load(tmp_path / "nothing")
    folder = tmp_path / "m"
    tiny_model.save(folder)
    (folder / MODEL_FILE).write_text("not a model")
    meta = json.loads((folder / METADATA_FILE).read_text())
    import hashlib

    meta["sha256"] = hashlib.sha256(b"not a model").hexdigest()
    (folder / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="corrupt"):
        MatchingModel.load(folder)
    shutil.rmtree(folder)
