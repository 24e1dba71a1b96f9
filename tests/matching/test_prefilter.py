from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.prefilter import (
    CATEGORICAL_FEATURES,
    SKILL_FEATURES,
    TEXT_FEATURE,
    CategoricalCodes,
    prefilter_scores,
    prefilter_weights,
)
from app.ml.features import FEATURE_INDEX, SkillIndex, one_to_many, skill_sums
from app.ml.profiles import JobTable, TalentTable
from tests.matching.conftest import make_world

PREFILTER_FEATURES = sorted(SKILL_FEATURES | CATEGORICAL_FEATURES)


def _codes(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high, n).astype(np.int8)


def _vary(table: TalentTable | JobTable, rng: np.random.Generator) -> TalentTable | JobTable:
    """The table with random categorical context, "not stated" and unknown codes included
    (the synthetic factories vary skills and numbers more than these)."""
    n = len(table)
    occupation = rng.integers(-1, 3, (5, n)).astype(np.int32)
    occupation[:, occupation[0] < 0] = -1
    common = {
        "seniority": _codes(rng, 0, 6, n),
        "occupation": occupation,
    }
    if isinstance(table, JobTable):
        return replace(
            table,
            **common,
            remote=_codes(rng, 0, 3, n),
            company_size=_codes(rng, -1, 5, n),
            work_style=_codes(rng, -1, 4, n),
        )
    return replace(
        table,
        **common,
        remote=_codes(rng, 0, 4, n),
        preferred_size=_codes(rng, -1, 5, n),
        preferred_work_style=_codes(rng, -1, 4, n),
    )


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    weights=st.lists(st.floats(-20, 20), min_size=13, max_size=13),
    side=st.sampled_from(["job", "talent"]),
)
def test_prefilter_score_is_the_weighted_sum_of_its_pair_features(
    seed: int, weights: list[float], side: str
) -> None:
    """Lookup tables for categorical features and sums for skill features must give exactly
    what the pairwise features give, for every candidate and any weights."""
    world = make_world(seed=seed, n_talents=14, n_jobs=16, pairs=1)
    rng = np.random.default_rng(seed)
    talents, jobs = _vary(world.talents, rng), _vary(world.jobs, rng)
    if side == "job":
        subject, candidates = talents.take([seed % 14]), jobs
    else:
        subject, candidates = jobs.take([seed % 16]), talents
    linear = dict(zip([*PREFILTER_FEATURES, TEXT_FEATURE], weights, strict=True))
    text = (candidates.embeddings @ subject.embeddings[0]).astype(np.float32)
    codes = CategoricalCodes.of(candidates)
    got = prefilter_scores(
        subject,
        skill_sums(subject, candidates, SkillIndex.of(candidates)),
        codes,
        linear,
        text,
    )
    rows = np.arange(len(candidates))
    full = one_to_many(subject, candidates, rows)
    want = sum(w * full[:, FEATURE_INDEX[name]] for name, w in linear.items())
    np.testing.assert_allclose(got, want, atol=1e-4)
    np.testing.assert_array_equal(
        codes.occupation_match(subject, rows[::-1]),
        full[::-1, FEATURE_INDEX["occupation_match"]],
    )


def test_prefilter_weights_keep_cheap_features_and_only_a_positive_text_weight():
    model = {name: 1.5 for name in FEATURE_INDEX} | {"intercept": 30.0}
    kept = prefilter_weights(model)
    assert set(kept) == set(PREFILTER_FEATURES) | {TEXT_FEATURE}
    assert "salary_iou" not in kept
    assert "intercept" not in kept
    assert TEXT_FEATURE not in prefilter_weights(model | {TEXT_FEATURE: -0.9})
    assert set(prefilter_weights(None)) <= set(PREFILTER_FEATURES)
