"""The drift reference written with every model: capped, checksummed, refused when tampered."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.drift.service import verified_reference
from app.ml.errors import ModelLoadError
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import METADATA_FILE, MODEL_FILE, MatchingModel, sha256_file
from app.ml.reference import REFERENCE_FILE, ReferenceSample
from app.training.initial import finish_metadata
from tests.drift.conftest import reference_model
from tests.training.conftest import tiny_model


def test_fit_time_draws_a_capped_sample_of_training_rows_and_the_models_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "drift_reference_rows", 150)
    model = tiny_model("v1.0")
    rows = np.random.default_rng(1).random((400, len(FEATURE_NAMES)))
    finish_metadata(model, rows)
    reference = model.reference_
    assert reference is not None
    assert reference.features.shape == (150, len(FEATURE_NAMES))
    picked = [int(np.flatnonzero((rows == r).all(axis=1))[0]) for r in reference.features]
    assert np.allclose(reference.scores, model.predict(rows[picked]))
    again = ReferenceSample.draw(rows, model.predict(rows), 150)
    assert np.array_equal(again.features, reference.features)


def test_save_writes_the_reference_with_its_checksum_in_the_metadata(tmp_path: Path) -> None:
    model = reference_model("v1.0")
    model.save(tmp_path)
    metadata = json.loads((tmp_path / METADATA_FILE).read_text())
    assert metadata["reference_sha256"] == sha256_file(tmp_path / REFERENCE_FILE)
    loaded = verified_reference(tmp_path, sha256_file(tmp_path / MODEL_FILE))
    assert loaded.features.shape == (1000, len(FEATURE_NAMES))
    assert np.allclose(loaded.features, model.reference_.features, atol=1e-6)  # type: ignore[union-attr]


def test_a_tampered_or_missing_reference_is_refused(tmp_path: Path) -> None:
    reference_model("v1.0").save(tmp_path)
    digest = sha256_file(tmp_path / MODEL_FILE)
    np.savez_compressed(tmp_path / REFERENCE_FILE, features=np.zeros((3, 21)), scores=np.zeros(3))
    with pytest.raises(ModelLoadError, match="does not match"):
        verified_reference(tmp_path, digest)
    old = tmp_path / "old"
    tiny_model("v0.9").save(old)  # a model from before references: loads, but has none
    assert MatchingModel.load(old).metadata.reference_sha256 is None
    with pytest.raises(ModelLoadError, match="without a drift reference"):
        verified_reference(old, sha256_file(old / MODEL_FILE))
