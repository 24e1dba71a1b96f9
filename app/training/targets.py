"""Regression targets for feedback grades, on the same 0-100 scale as the model's score.

The matcher regresses a 0-100 match score, and the seeded labelled pairs are on that scale.
A grade (0-4) says only how a pair ranks against others, not where on the scale it sits, so a
fixed mapping (grade x 25) would pull the retrained model away from the scale it shares with
the seed labels and with the model it replaces. Instead, the targets are the champion's mean
score per grade on the training rows, made non-decreasing in grade by isotonic regression:
the documented order (contact > apply > no action > dismiss > reject) is kept, and the
distances between grades come from data.

The champion's scale is borrowed only when its scores agree with users (AUC of positive
outcomes >= MIN_REFERENCE_AUC on the training rows); otherwise its scale says nothing about
what users want and the fixed mapping is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression

from app.training.evaluation import auc
from app.training.labels import GRADES, MAX_GRADE, POSITIVE_MIN_GRADE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_REFERENCE_AUC = 0.6


@dataclass(frozen=True, slots=True)
class TargetScale:
    by_grade: dict[int, float]
    source: str

    def targets(self, grades: IntArray) -> FloatArray:
        lookup = np.array([self.by_grade[g] for g in range(MAX_GRADE + 1)], dtype=np.float64)
        return lookup[grades]


def fixed_scale() -> TargetScale:
    return TargetScale({g: 100.0 * g / MAX_GRADE for g in GRADES.values()}, "fixed: grade x 25")


def calibrated_scale(
    grades: IntArray, reference_scores: FloatArray, *, reference: str
) -> TargetScale:
    """Per-grade targets from the reference model's scores (isotonic in grade)."""
    agreement = auc(reference_scores, grades >= POSITIVE_MIN_GRADE)
    if agreement is None or agreement < MIN_REFERENCE_AUC:
        return fixed_scale()
    iso = IsotonicRegression(increasing=True, y_min=0.0, y_max=100.0, out_of_bounds="clip")
    iso.fit(grades.astype(np.float64), reference_scores)
    all_grades = np.arange(MAX_GRADE + 1, dtype=np.float64)
    values = iso.predict(all_grades)
    by_grade = {int(g): round(float(v), 3) for g, v in zip(all_grades, values, strict=True)}
    return TargetScale(by_grade, f"{reference} scores per grade (isotonic, AUC {agreement:.2f})")
