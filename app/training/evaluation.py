"""Offline metrics and the promotion gate: champion and challenger on the same validation set.

- NDCG@10 per query (a query is one talent's shown jobs), gains = label grades (0-4), averaged
  over queries that hold at least one positive and at least two items: a group without a
  positive scores 1.0 for any model and would only dilute the comparison.
- AUC of the score for "positive outcome" (apply/contact) against the rest.
- Calibration error: the model's 0-100 score estimates the 0-100 label, so we bin predictions
  into deciles and average |mean predicted - mean label| over bins, weighted by bin size
  (expected calibration error in score points; lower is better).
- A paired bootstrap over queries estimates how often the challenger's mean NDCG is higher;
  the gate asks for the configured margin on the mean and a configured bootstrap confidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NDCG_K = 10
CALIBRATION_BINS = 10
BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True, slots=True)
class Metrics:
    ndcg_at_10: float
    auc: float | None
    calibration_error: float
    queries: int
    rows: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _dcg(gains: FloatArray, k: int) -> float:
    top = gains[:k]
    discounts = 1.0 / np.log2(np.arange(2, len(top) + 2))
    return float(np.sum((2.0**top - 1.0) * discounts))


def ndcg_per_query(
    scores: FloatArray, grades: IntArray, groups: IntArray, *, positive_min: int, k: int = NDCG_K
) -> dict[int, float]:
    """NDCG@k of each eligible query id (ties in score broken by row order, deterministically)."""
    out: dict[int, float] = {}
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    bounds = np.flatnonzero(np.diff(sorted_groups)) + 1
    for rows in np.split(order, bounds):
        if len(rows) < 2:
            continue
        gains = grades[rows].astype(np.float64)
        if gains.max() < positive_min:
            continue
        ranked = gains[np.argsort(-scores[rows], kind="stable")]
        ideal = _dcg(np.sort(gains)[::-1], k)
        out[int(groups[rows[0]])] = _dcg(ranked, k) / ideal if ideal > 0 else 0.0
    return out


def auc(scores: FloatArray, positive: npt.NDArray[np.bool_]) -> float | None:
    """Mann-Whitney AUC with average ranks for ties; None when one class is absent."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def calibration_error(
    predicted: FloatArray, target: FloatArray, bins: int = CALIBRATION_BINS
) -> float:
    if len(predicted) == 0:
        return 0.0
    edges = np.quantile(predicted, np.linspace(0.0, 1.0, bins + 1)[1:-1])
    which = np.searchsorted(edges, predicted, side="right")
    counts = np.bincount(which, minlength=bins).astype(np.float64)
    pred_sum = np.bincount(which, weights=predicted, minlength=bins)
    target_sum = np.bincount(which, weights=target, minlength=bins)
    used = counts > 0
    gap = np.abs(pred_sum[used] - target_sum[used]) / counts[used]
    return float(np.sum(gap * counts[used]) / counts.sum())


def evaluate(
    scores: FloatArray,
    grades: IntArray,
    targets: FloatArray,
    groups: IntArray,
    *,
    positive_min: int,
) -> tuple[Metrics, dict[int, float]]:
    per_query = ndcg_per_query(scores, grades, groups, positive_min=positive_min)
    metrics = Metrics(
        ndcg_at_10=float(np.mean(list(per_query.values()))) if per_query else 0.0,
        auc=auc(scores, grades >= positive_min),
        calibration_error=calibration_error(scores, targets),
        queries=len(per_query),
        rows=len(scores),
    )
    return metrics, per_query


@dataclass(frozen=True, slots=True)
class GateDecision:
    promote: bool
    reason: str
    ndcg_gain: float
    auc_change: float | None
    bootstrap_p_better: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def paired_bootstrap_p_better(
    challenger: dict[int, float], champion: dict[int, float], *, seed: int = 0
) -> float | None:
    """Share of bootstrap resamples of queries in which the challenger's mean NDCG is higher."""
    common = sorted(set(challenger) & set(champion))
    if len(common) < 2:
        return None
    diffs = np.array([challenger[q] - champion[q] for q in common])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(diffs), size=(BOOTSTRAP_SAMPLES, len(diffs)))
    return float(np.mean(diffs[picks].mean(axis=1) > 0))


def promotion_gate(
    challenger: Metrics,
    champion: Metrics | None,
    *,
    margin: float,
    challenger_per_query: dict[int, float],
    champion_per_query: dict[int, float] | None,
    min_confidence: float = 0.0,
) -> GateDecision:
    """Promote only a challenger whose NDCG@10 beats the champion's by `margin` (absolute),
    whose AUC is not worse by more than the same margin, and whose per-query gain survives
    the paired bootstrap (P(better) >= `min_confidence`) - a small validation set otherwise
    promotes noise."""
    if not np.isfinite(challenger.ndcg_at_10) or challenger.queries == 0:
        return GateDecision(False, "challenger has no valid validation queries", 0.0, None, None)
    if champion is None:
        return GateDecision(True, "no active model to beat", challenger.ndcg_at_10, None, None)
    gain = challenger.ndcg_at_10 - champion.ndcg_at_10
    auc_change = (
        None if challenger.auc is None or champion.auc is None else challenger.auc - champion.auc
    )
    p_better = paired_bootstrap_p_better(challenger_per_query, champion_per_query or {})
    if gain < margin:
        reason = f"NDCG@10 gain {gain:+.4f} is below the promotion margin {margin:.4f}"
        return GateDecision(False, reason, gain, auc_change, p_better)
    if auc_change is not None and auc_change < -margin:
        reason = f"AUC fell by {-auc_change:.4f}, more than the margin {margin:.4f}"
        return GateDecision(False, reason, gain, auc_change, p_better)
    if p_better is not None and p_better < min_confidence:
        reason = (
            f"NDCG@10 gain {gain:+.4f} is not reliable: bootstrap P(better) {p_better:.2f} "
            f"is below {min_confidence:.2f}"
        )
        return GateDecision(False, reason, gain, auc_change, p_better)
    reason = f"NDCG@10 gain {gain:+.4f} meets the promotion margin {margin:.4f}"
    return GateDecision(True, reason, gain, auc_change, p_better)
