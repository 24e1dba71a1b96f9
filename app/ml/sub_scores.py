"""Category sub-scores: per-feature contributions summed per category, on a 0-100 scale.

Sub-scores are relative to the average candidate, which is what SHAP measures: 50 means the
category moves the score as much as it does for an average pair, 100 means it adds as much
as it typically can (its 95th-percentile |contribution| on training data), 0 the opposite.
The text-similarity feature is folded into "skills" (a profile's text is mostly what the
person does). Serving reads the scale from the model's metadata; training writes it there.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from app.ml.features import FEATURE_BY_NAME, FEATURE_INDEX, FEATURE_NAMES

FloatArray = npt.NDArray[np.float64]

SUB_SCORE_CATEGORIES = ("skills", "experience", "location", "salary", "culture")
SUB_SCORE_GROUP = {
    "skills": "skills",
    "text": "skills",
    "experience": "experience",
    "location": "location",
    "salary": "salary",
    "culture": "culture",
}


def _group_matrix() -> FloatArray:
    """(F, categories) 0/1 matrix: contributions @ it sums them per sub-score category."""
    matrix = np.zeros((len(FEATURE_NAMES), len(SUB_SCORE_CATEGORIES)))
    for name, col in FEATURE_INDEX.items():
        group = SUB_SCORE_GROUP[FEATURE_BY_NAME[name].category]
        matrix[col, SUB_SCORE_CATEGORIES.index(group)] = 1.0
    return matrix


_GROUP_MATRIX = _group_matrix()


def category_contributions(contribs: FloatArray) -> dict[str, FloatArray]:
    """Sum of per-feature contributions (M, F[+1]) per sub-score category -> (M,) each."""
    by_cat = contribs[:, : len(FEATURE_NAMES)] @ _GROUP_MATRIX
    return {c: by_cat[:, k] for k, c in enumerate(SUB_SCORE_CATEGORIES)}


def category_scale(contribs: FloatArray, quantile: float = 0.95) -> dict[str, float]:
    """Typical size of each category's contribution; the unit of the sub-score scale."""
    return {
        c: max(float(np.quantile(np.abs(v), quantile)), 1e-6)
        for c, v in category_contributions(contribs).items()
    }


def sub_scores(contribs: FloatArray, scale: Mapping[str, float]) -> list[dict[str, float]]:
    by_cat = contribs[:, : len(FEATURE_NAMES)] @ _GROUP_MATRIX
    units = np.asarray([scale.get(c, 1.0) for c in SUB_SCORE_CATEGORIES])
    scores = np.clip(50.0 + 50.0 * by_cat / units, 0.0, 100.0).round(1)
    return [dict(zip(SUB_SCORE_CATEGORIES, row, strict=True)) for row in scores.tolist()]
