"""The hidden preference model: bounded, and monotone where a recruiter would expect it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.seeding.preference import (
    WEIGHTS,
    Components,
    location_fit,
    salary_fit,
    seniority_fit,
    skill_coverage,
)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _components(values: list[float]) -> Components:
    arrays = [np.array([v]) for v in values]
    return Components(*arrays)


def test_weights_sum_to_one() -> None:
    assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-12


@given(st.lists(unit, min_size=6, max_size=6), unit)
def test_more_skill_coverage_never_lowers_the_clean_label(values: list[float], more: float) -> None:
    base = _components(values)
    higher = _components([max(values[0], more), *values[1:]])
    assert higher.clean_label()[0] >= base.clean_label()[0]


@given(st.lists(unit, min_size=6, max_size=6), st.integers(0, 2**32 - 1))
def test_labels_stay_in_range(values: list[float], seed: int) -> None:
    label = _components(values).label(np.random.default_rng(seed))
    assert 0.0 <= label[0] <= 100.0


job_skill_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(1, 5), st.booleans()), min_size=1, max_size=12
)


@given(job_skill_rows, st.data())
def test_holding_a_skill_better_never_lowers_coverage(
    rows: list[tuple[int, int, bool]], data: st.DataObject
) -> None:
    held = np.array([r[0] for r in rows], dtype=float)
    minimum = np.array([r[1] for r in rows], dtype=float)
    required = np.array([r[2] for r in rows])
    pair = np.zeros(len(rows), dtype=np.int64)
    before = skill_coverage(pair, 1, held, minimum, required)[0]
    i = data.draw(st.integers(0, len(rows) - 1))
    better = held.copy()
    better[i] = data.draw(st.integers(int(held[i]), 5))
    after = skill_coverage(pair, 1, better, minimum, required)[0]
    assert 0.0 <= before <= after <= 1.0


def test_full_coverage_and_none() -> None:
    pair = np.array([0, 0, 1, 1])
    minimum = np.array([3.0, 2.0, 3.0, 2.0])
    required = np.array([True, False, True, False])
    held = np.array([3.0, 5.0, 0.0, 0.0])
    np.testing.assert_allclose(skill_coverage(pair, 2, held, minimum, required), [1.0, 0.0])


def test_seniority_under_qualification_costs_more_than_over() -> None:
    years = np.array([5.0, 5.0, 5.0, 5.0])
    fit = seniority_fit(np.array([2, 1, 3, 4]), np.array([2, 2, 2, 2]), years, np.zeros(4))
    assert fit[1] < fit[3] < fit[2] == fit[0] < 1.0
    short = seniority_fit(np.array([2, 2]), np.array([2, 2]), np.array([1.0, 5.0]), np.full(2, 5.0))
    assert short[0] < 0.5 * short[1]


@settings(max_examples=200, deadline=None)
@given(
    talent_level=st.integers(0, 5),
    job_level=st.integers(0, 5),
    years=st.floats(0, 40),
    more=st.floats(0, 20),
    min_years=st.floats(0, 15),
)
def test_more_years_never_lower_the_seniority_fit(
    talent_level: int, job_level: int, years: float, more: float, min_years: float
) -> None:
    levels, jobs, minimum = (
        np.array([talent_level] * 2),
        np.array([job_level] * 2),
        np.full(2, min_years),
    )
    fit = seniority_fit(levels, jobs, np.array([years, years + more]), minimum)
    assert 0.0 <= fit[0] <= fit[1] <= 1.0


def test_location_rewards_nearby_onsite_and_compatible_remote() -> None:
    # policy: remote=0, hybrid=1, onsite=2; preference: remote=0, hybrid=1, onsite=2, any=3
    distance = np.array([5.0, 5000.0, 5000.0, 5.0])
    tz = np.array([0.0, 0.0, 9.0, 0.0])
    fit = location_fit(distance, tz, np.array([2, 0, 0, 2]), np.array([3, 3, 3, 0]))
    assert fit[0] > 0.9
    assert fit[1] == 1.0
    assert fit[2] < fit[1]
    assert fit[3] < fit[0]


def test_salary_fit() -> None:
    fit = salary_fit(np.array([100.0, 100.0, 100.0, np.nan]), np.array([120.0, 85.0, 50.0, 1.0]))
    np.testing.assert_allclose(fit, [1.0, 0.5, 0.0, 0.7])
