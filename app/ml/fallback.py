"""Rule-based matcher used when no healthy model is loaded.

It reads the same feature matrix as the model, so it is vectorised for free and its results
have the same shape. The score is a fixed weighted sum of per-feature "goodness" values in
[0, 1]:

    skills 30%      = 0.6 required-skill coverage + 0.4 shared skills (5 or more = full)
    text 30%        = MiniLM cosine of the two texts, 0.15 -> 0, 0.75 -> 1 (shown under skills)
    experience 20%  = 1 - level gap (3+ levels = worst) - years short (5+ = worst), 6 points
                      each, + shared O*NET code levels (8 points; unknown code = 0.5)
    location 12%    = 0.6 remote compatibility + 0.4 proximity (unknown distance = 0.5)
    salary 8%       = salary range IoU (unknown = 0.5)

Text and occupation are in because a raw-text request has little else: without them the
fallback ranked O*NET-written jobs at 0.30 NDCG@10 against 0.75 for the text cosine alone
(scripts/bench_quality.py).

Because the score is linear in those goodness values, contributions against a neutral pair
(every goodness 0.5) add up exactly: base + sum(contributions) = score, and each category's
sub-score is exactly 100 x its goodness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.ml.features import FEATURE_BY_NAME, FEATURE_INDEX, FEATURE_NAMES, UNKNOWN
from app.ml.sub_scores import SUB_SCORE_GROUP

FloatArray = npt.NDArray[np.float64]
NEUTRAL_GOODNESS = 0.5
PROXIMITY_KM = 100.0
TEXT_COSINE_FLOOR = 0.15
TEXT_COSINE_SPAN = 0.6
SHARED_SKILLS_FULL = 5.0
"""Shared skills that earn the skill-overlap rule its full points."""


def _identity(x: FloatArray) -> FloatArray:
    return np.clip(x, 0.0, 1.0)


def _shared_count(x: FloatArray) -> FloatArray:
    return np.clip(x / SHARED_SKILLS_FULL, 0.0, 1.0)


def _level_gap(x: FloatArray) -> FloatArray:
    return np.minimum(x / 3.0, 1.0)


def _years_short(x: FloatArray) -> FloatArray:
    return np.minimum(x / 5.0, 1.0)


def _proximity(x: FloatArray) -> FloatArray:
    return np.where(x == UNKNOWN, NEUTRAL_GOODNESS, np.exp(-np.maximum(x, 0.0) / PROXIMITY_KM))


def _known_or_neutral(x: FloatArray) -> FloatArray:
    return np.where(x == UNKNOWN, NEUTRAL_GOODNESS, np.clip(x, 0.0, 1.0))


def _text_similarity(x: FloatArray) -> FloatArray:
    """MiniLM cosines of unrelated texts sit near 0.1-0.3 and of one occupation near
    0.5-0.9, so that span is stretched over 0-1 (a missing text has cosine 0)."""
    return np.clip((x - TEXT_COSINE_FLOOR) / TEXT_COSINE_SPAN, 0.0, 1.0)


def _shared_levels(x: FloatArray) -> FloatArray:
    return np.where(x == UNKNOWN, NEUTRAL_GOODNESS, np.clip(x / 5.0, 0.0, 1.0))


@dataclass(frozen=True, slots=True)
class Rule:
    feature: str
    weight: float
    """Points of the 0-100 score per unit of goodness; negative for "bad" quantities."""
    goodness: Callable[[FloatArray], FloatArray]


RULES: tuple[Rule, ...] = (
    Rule("required_skill_coverage", 100 * 0.30 * 0.6, _identity),
    Rule("shared_skills", 100 * 0.30 * 0.4, _shared_count),
    Rule("embedding_cosine", 100 * 0.30, _text_similarity),
    Rule("experience_level_distance", -100 * 0.12 * 0.5, _level_gap),
    Rule("underqualified_years", -100 * 0.12 * 0.5, _years_short),
    Rule("occupation_match", 100 * 0.08, _shared_levels),
    Rule("remote_compatibility", 100 * 0.12 * 0.6, _identity),
    Rule("distance_km", 100 * 0.12 * 0.4, _proximity),
    Rule("salary_iou", 100 * 0.08, _known_or_neutral),
)
RULES_BY_FEATURE = {rule.feature: rule for rule in RULES}
# The experience rules subtract from their full points, so the constant is those points.
_CONSTANT = -sum(min(r.weight, 0.0) for r in RULES)
BASE_SCORE = _CONSTANT + sum(r.weight * NEUTRAL_GOODNESS for r in RULES)


def _scale() -> dict[str, float]:
    scale = dict.fromkeys(("skills", "experience", "location", "salary", "culture"), 1e-6)
    for rule in RULES:
        group = SUB_SCORE_GROUP[FEATURE_BY_NAME[rule.feature].category]
        scale[group] += abs(rule.weight) * NEUTRAL_GOODNESS
    return scale


CATEGORY_SCALE = _scale()


def contributions(features: FloatArray) -> FloatArray:
    """(M, F+1): each rule's points against a neutral pair, base score in the last column."""
    out = np.zeros((features.shape[0], len(FEATURE_NAMES) + 1))
    for rule in RULES:
        col = FEATURE_INDEX[rule.feature]
        out[:, col] = rule.weight * (rule.goodness(features[:, col]) - NEUTRAL_GOODNESS)
    out[:, -1] = BASE_SCORE
    return out


LINEAR_WEIGHTS: dict[str, float] = {
    **{rule.feature: rule.weight for rule in RULES if rule.goodness is _identity},
    "shared_skills": RULES_BY_FEATURE["shared_skills"].weight / SHARED_SKILLS_FULL,
}
"""The rules whose goodness is the feature itself (features in [0, 1], where the clip does
nothing), as linear weights, plus the shared-skill rule at its slope below full points: the
stage-1 pre-filter ranks candidates by this part of the score (exact, except that it keeps
rewarding shared skills past the fifth, which only makes such candidates surer to reach the
exact scoring)."""


def scores(features: FloatArray) -> FloatArray:
    return np.asarray(np.clip(contributions(features).sum(axis=1), 0.0, 100.0), dtype=np.float64)
