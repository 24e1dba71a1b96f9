"""The drift metrics: PSI's invariants, Evidently's numbers, not-enough-data, the overall score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.drift.stats import (
    bin_shares,
    column_drift,
    compute_drift,
    embedding_drift,
    psi,
    psi_from_shares,
    quantile_edges,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = arrays(np.float64, st.integers(1, 300), elements=finite)


@given(samples, samples, st.integers(2, 20))
def test_psi_is_never_negative(reference: np.ndarray, current: np.ndarray, bins: int) -> None:
    assert psi(reference, current, quantile_edges(reference, bins)) >= 0.0


@given(samples, st.integers(2, 20))
def test_psi_of_a_sample_with_itself_is_zero(values: np.ndarray, bins: int) -> None:
    assert psi(values, values, quantile_edges(values, bins)) == pytest.approx(0.0, abs=1e-12)


@given(samples, samples, st.integers(2, 20))
def test_empty_bins_are_handled_the_same_on_both_sides(
    reference: np.ndarray, current: np.ndarray, bins: int
) -> None:
    edges = quantile_edges(reference, bins)
    p, q = bin_shares(reference, edges), bin_shares(current, edges)
    assert psi_from_shares(p, q) == pytest.approx(psi_from_shares(q, p), rel=1e-9, abs=1e-12)
    assert p.sum() == pytest.approx(1.0)
    assert q.sum() == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, (60, 3), elements=st.floats(0, 1)),
    arrays(np.float64, (60, 3), elements=st.floats(0, 1)),
)
def test_overall_score_lies_between_zero_and_one(ref: np.ndarray, cur: np.ndarray) -> None:
    result = compute_drift(
        ["a", "b", "c"],
        ref,
        ref[:, 0],
        cur,
        cur[:, 1],
        np.zeros((0, 4)),
        np.zeros((0, 4)),
        bins=10,
        min_samples=50,
        threshold=0.15,
    )
    assert 0.0 <= result.overall_score <= 1.0


def _evidently_psi():
    """Evidently's own PSI function. Evidently 0.7.23 imports `infer_dtype_from_object`, a
    helper pandas 3 removed, from a module its PSI never uses; the stand-in lets it import."""
    import pandas.core.dtypes.common as common

    if not hasattr(common, "infer_dtype_from_object"):
        common.infer_dtype_from_object = lambda dtype: dtype  # type: ignore[attr-defined]
    from evidently.legacy.calculations.stattests.psi import _psi
    from evidently.legacy.core import ColumnType

    return lambda ref, cur: float(
        _psi(pd.Series(ref), pd.Series(cur), ColumnType.Numerical, 0.1)[0]
    )


@pytest.mark.parametrize(
    ("shift", "scale", "n_cur"),
    [(0.0, 1.0, 800), (0.3, 1.0, 500), (0.0, 1.8, 400), (1.5, 0.5, 300)],
)
def test_psi_equals_evidentlys_on_the_same_bins(shift: float, scale: float, n_cur: int) -> None:
    """Evidently bins numerical columns by Sturges' rule over both samples together; on those
    bins (ours take inner edges, tails open) the two PSIs agree, empty bins included."""
    rng = np.random.default_rng(int(shift * 10 + scale * 100 + n_cur))
    reference = rng.normal(0.0, 1.0, 3000)
    current = rng.normal(shift, scale, n_cur)
    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    ours = psi(reference, current, edges[1:-1])
    assert ours == pytest.approx(_evidently_psi()(reference, current), rel=1e-9, abs=1e-12)


def test_too_few_current_rows_are_not_enough_data_not_drift() -> None:
    rng = np.random.default_rng(3)
    column = column_drift(
        "years_ratio",
        rng.normal(0, 1, 5000),
        rng.normal(3, 1, 100),
        bins=10,
        min_samples=300,
        threshold=0.15,
    )
    assert column.status == "not_enough_data"
    assert column.psi is None


def test_a_shifted_feature_drifts_and_comes_first() -> None:
    rng = np.random.default_rng(4)
    ref = rng.normal(0, 1, (4000, 3))
    cur = rng.normal(0, 1, (600, 3))
    cur[:, 2] += 0.8
    result = compute_drift(
        ["a", "b", "c"],
        ref,
        ref[:, 0],
        cur,
        cur[:, 0],
        np.zeros((0, 4)),
        np.zeros((0, 4)),
        bins=10,
        min_samples=300,
        threshold=0.15,
    )
    assert result.features[0].name == "c"
    assert result.features[0].status == "drift"
    assert {c.status for c in result.features[1:]} == {"ok"}
    assert result.alert
    assert result.overall_metric == "psi:c"


def test_embedding_drift_separates_a_new_text_domain_from_the_same_one() -> None:
    rng = np.random.default_rng(5)
    centre = rng.normal(0, 1, 32)
    other = rng.normal(0, 1, 32)
    reference = centre + rng.normal(0, 1, (800, 32))
    same = embedding_drift(reference, centre + rng.normal(0, 1, (400, 32)), min_samples=100)
    moved = embedding_drift(reference, other + rng.normal(0, 1, (400, 32)), min_samples=100)
    assert same.score is not None
    assert moved.score is not None
    assert same.score < 0.15 < moved.score
    assert moved.method == "domain_classifier_roc_auc"
    few = embedding_drift(reference, reference[:10], min_samples=100)
    assert few.status == "not_enough_data"
    assert few.score is None
