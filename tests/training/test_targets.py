"""Grade targets: borrowed from a champion that agrees with users, never out of grade order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.training.targets import calibrated_scale, fixed_scale

grades_st = st.lists(st.integers(0, 4), min_size=10, max_size=80)


@settings(max_examples=50, deadline=None)
@given(grades_st, st.integers(0, 10_000))
def test_targets_never_break_the_grade_order(grades: list[int], seed: int) -> None:
    g = np.array(grades, dtype=np.int64)
    rng = np.random.default_rng(seed)
    reference = np.clip(g * 15.0 + rng.normal(0, 20, len(g)), 0, 100)
    scale = calibrated_scale(g, reference, reference="v1.0")
    values = [scale.by_grade[k] for k in range(5)]
    assert values == sorted(values)
    assert all(0.0 <= v <= 100.0 for v in values)


def test_agreeing_champion_lends_its_scale() -> None:
    g = np.array([0, 1, 2, 2, 3, 3, 4, 4] * 5, dtype=np.int64)
    reference = np.array([10, 20, 30, 34, 50, 54, 60, 64] * 5, dtype=np.float64)
    scale = calibrated_scale(g, reference, reference="v1.0")
    assert scale.source.startswith("v1.0")
    assert scale.by_grade[3] == 52.0
    assert scale.by_grade[4] == 62.0
    np.testing.assert_allclose(scale.targets(np.array([4, 0])), [62.0, 10.0])


def test_champion_that_disagrees_with_users_gives_the_fixed_scale() -> None:
    g = np.array([0, 1, 2, 3, 4] * 8, dtype=np.int64)
    reversed_scores = 100.0 - g * 20.0
    assert calibrated_scale(g, reversed_scores, reference="v1.0") == fixed_scale()
    assert fixed_scale().by_grade == {0: 0.0, 1: 25.0, 2: 50.0, 3: 75.0, 4: 100.0}
