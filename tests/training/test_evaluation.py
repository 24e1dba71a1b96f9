"""Metrics agree with scikit-learn; the gate promotes only a real gain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score, roc_auc_score

from app.training.evaluation import (
    Metrics,
    auc,
    calibration_error,
    evaluate,
    ndcg_per_query,
    promotion_gate,
)

grades_strategy = st.lists(st.integers(0, 4), min_size=2, max_size=30)


@settings(max_examples=60, deadline=None)
@given(grades_strategy, st.randoms(use_true_random=False))
def test_ndcg_matches_sklearn_with_exponential_gains(grades: list[int], rnd) -> None:
    g = np.array(grades, dtype=np.int64)
    scores = np.array(rnd.sample(range(10_000), len(g)), dtype=np.float64)
    per_query = ndcg_per_query(scores, g, np.zeros(len(g), np.int64), positive_min=3)
    if g.max() < 3:
        assert per_query == {}
        return
    expected = ndcg_score([2.0**g - 1.0], [scores], k=10)
    assert per_query[0] == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=40), st.randoms(use_true_random=False))
def test_auc_matches_sklearn(labels: list[bool], rnd) -> None:
    y = np.array(labels)
    scores = np.array([rnd.choice([0.1, 0.5, 0.9, rnd.random()]) for _ in labels])
    got = auc(scores, y)
    if y.all() or not y.any():
        assert got is None
    else:
        assert got == pytest.approx(roc_auc_score(y, scores))


def test_perfect_ranking_scores_one_and_groups_without_positive_are_dropped() -> None:
    grades = np.array([4, 2, 0, 2, 1], dtype=np.int64)
    groups = np.array([1, 1, 1, 2, 2], dtype=np.int64)
    scores = np.array([9.0, 5.0, 1.0, 3.0, 2.0])
    metrics, per_query = evaluate(scores, grades, grades * 25.0, groups, positive_min=3)
    assert per_query == {1: 1.0}
    assert metrics.queries == 1
    assert metrics.auc == 1.0


def test_calibration_error_is_zero_for_exact_scores_and_grows_with_bias() -> None:
    target = np.linspace(0, 100, 50)
    assert calibration_error(target, target) == pytest.approx(0.0)
    assert calibration_error(target + 10.0, target) == pytest.approx(10.0)


def _m(ndcg: float, auc_value: float = 0.7) -> Metrics:
    return Metrics(ndcg_at_10=ndcg, auc=auc_value, calibration_error=5.0, queries=10, rows=100)


def test_gate_refuses_a_worse_or_marginal_challenger() -> None:
    decision = promotion_gate(
        _m(0.60), _m(0.62), margin=0.005, challenger_per_query={}, champion_per_query={}
    )
    assert not decision.promote
    assert "below the promotion margin" in decision.reason
    marginal = promotion_gate(
        _m(0.622), _m(0.62), margin=0.005, challenger_per_query={}, champion_per_query={}
    )
    assert not marginal.promote


def test_gate_promotes_a_clear_gain_and_guards_auc() -> None:
    assert promotion_gate(
        _m(0.70), _m(0.62), margin=0.005, challenger_per_query={}, champion_per_query={}
    ).promote
    worse_auc = promotion_gate(
        _m(0.70, auc_value=0.5),
        _m(0.62),
        margin=0.005,
        challenger_per_query={},
        champion_per_query={},
    )
    assert not worse_auc.promote
    assert "AUC" in worse_auc.reason


def test_first_model_is_promoted_when_there_is_no_champion() -> None:
    decision = promotion_gate(
        _m(0.5), None, margin=0.005, challenger_per_query={}, champion_per_query=None
    )
    assert decision.promote


def test_gate_refuses_a_gain_the_bootstrap_does_not_trust() -> None:
    challenger_q = {q: 0.9 if q == 0 else 0.5 for q in range(10)}
    champion_q = {q: 0.5 for q in range(10)}
    noisy = promotion_gate(
        _m(0.54),
        _m(0.50),
        margin=0.005,
        challenger_per_query=challenger_q,
        champion_per_query=champion_q,
        min_confidence=0.95,
    )
    assert not noisy.promote
    assert "not reliable" in noisy.reason
    steady = {q: 0.54 for q in range(10)}
    trusted = promotion_gate(
        _m(0.54),
        _m(0.50),
        margin=0.005,
        challenger_per_query=steady,
        champion_per_query=champion_q,
        min_confidence=0.95,
    )
    assert trusted.promote
    assert trusted.bootstrap_p_better == 1.0
