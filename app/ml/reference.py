"""The drift reference of a model version: a capped sample of its training rows.

Chosen over rebuilding from the recorded data window because the window's rows change after
training (feedback is undone, jobs close, profiles are edited): the sample written at fit
time is exactly what the model learned from. It lies next to the artifact as
`reference.npz` (feature rows as float32 and the model's scores on them, no ids, no text,
loaded with `allow_pickle=False`), and its sha256 is in `metadata.json`, so a drift run
refuses a reference that is not the one written with the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.ml.errors import ModelLoadError

REFERENCE_FILE = "reference.npz"
SAMPLE_SEED = 20_251_215

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ReferenceSample:
    features: FloatArray
    scores: FloatArray

    @classmethod
    def draw(cls, features: FloatArray, scores: FloatArray, cap: int) -> ReferenceSample:
        """At most `cap` rows drawn without replacement, the same rows for the same data."""
        if len(features) > cap:
            rows = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(features), cap, False))
            features, scores = features[rows], scores[rows]
        return cls(np.asarray(features, dtype=np.float64), np.asarray(scores, dtype=np.float64))

    def save(self, directory: Path) -> Path:
        path = directory / REFERENCE_FILE
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                features=self.features.astype(np.float32),
                scores=self.scores.astype(np.float32),
            )
        return path

    @classmethod
    def load(cls, directory: Path) -> ReferenceSample:
        path = directory / REFERENCE_FILE
        if not path.is_file():
            raise ModelLoadError(f"no drift reference in {directory}")
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    np.asarray(data["features"], dtype=np.float64),
                    np.asarray(data["scores"], dtype=np.float64),
                )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"unreadable drift reference {path}: {exc}") from exc
