"""The drift metrics, as pure numpy functions (no database, no files).

Named metrics, because "drift score > 0.15" means nothing without one (docs: field notes):

- Feature and score drift: PSI, sum over bins of (p - q) * ln(p / q), with bins fixed by the
  *reference's* quantiles (deciles by default), so a bin holds a tenth of the training rows
  whatever the current window looks like. Bin j is [edge_{j-1}, edge_j), both tails open, so
  every value falls somewhere. An empty bin's share is replaced on either side by the same
  rule Evidently uses (1e-4, or a millionth of the smallest share when that is smaller), so
  our numbers equal Evidently's on the same bins (tests/drift/test_stats.py). A current
  sample under the minimum is "not enough data" (PSI with 100 rows and 10 bins exceeds 0.1 by
  chance most of the time), never drift.
- Embedding drift: a domain classifier (logistic regression) tells reference vectors from
  current ones; its out-of-fold ROC AUC rescaled to 0-1 as max(0, 2 * AUC - 1): 0 when the two
  are indistinguishable, 1 when they are fully separable. The cosine distance of the two mean
  vectors is reported beside it.
- Overall: the largest of the per-feature PSIs, the score PSI (each capped at 1) and the
  embedding drift, so it lies in [0, 1], and the metric that set it is named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

FloatArray = npt.NDArray[np.float64]

ZERO_SHARE = 1e-4
EMBEDDING_FOLDS = 5
EMBEDDING_MAX_ROWS = 1000
PSI_CAP = 1.0


def quantile_edges(reference: FloatArray, bins: int) -> FloatArray:
    """Inner bin edges at the reference's 1/bins .. (bins-1)/bins quantiles, ties merged."""
    if len(reference) == 0:
        return np.zeros(0)
    inner = np.quantile(reference, np.arange(1, bins) / bins)
    return np.unique(inner)


def bin_shares(values: FloatArray, edges: FloatArray) -> FloatArray:
    """Share of `values` per bin [edge_{j-1}, edge_j), tails open: len(edges) + 1 shares."""
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def _fill_zeros(shares: FloatArray) -> FloatArray:
    filled = shares.astype(np.float64, copy=True)
    nonzero = filled[filled > 0]
    if len(nonzero) == 0 or len(nonzero) == len(filled):
        return filled
    smallest = float(nonzero.min())
    filled[filled == 0] = smallest / 1e6 if smallest <= ZERO_SHARE else ZERO_SHARE
    return filled


def psi_from_shares(reference: FloatArray, current: FloatArray) -> float:
    """PSI of two share vectors over the same bins; symmetric, >= 0, 0 when equal."""
    p, q = _fill_zeros(reference), _fill_zeros(current)
    return float(max(0.0, np.sum((p - q) * np.log(p / q))))


def psi(reference: FloatArray, current: FloatArray, edges: FloatArray) -> float:
    return psi_from_shares(bin_shares(reference, edges), bin_shares(current, edges))


@dataclass(slots=True)
class ColumnDrift:
    name: str
    status: str  # "ok", "drift", "not_enough_data"
    psi: float | None
    edges: list[float]
    reference_shares: list[float]
    current_shares: list[float]
    reference_mean: float
    current_mean: float | None


def column_drift(
    name: str,
    reference: FloatArray,
    current: FloatArray,
    *,
    bins: int,
    min_samples: int,
    threshold: float,
) -> ColumnDrift:
    edges = quantile_edges(reference, bins)
    ref_shares = bin_shares(reference, edges)
    cur_shares = bin_shares(current, edges)
    enough = len(current) >= min_samples and len(reference) >= min_samples
    value = psi_from_shares(ref_shares, cur_shares) if enough else None
    status = "not_enough_data" if value is None else "drift" if value > threshold else "ok"
    return ColumnDrift(
        name=name,
        status=status,
        psi=value,
        edges=[float(e) for e in edges],
        reference_shares=[float(s) for s in ref_shares],
        current_shares=[float(s) for s in cur_shares],
        reference_mean=float(np.mean(reference)) if len(reference) else 0.0,
        current_mean=float(np.mean(current)) if len(current) else None,
    )


@dataclass(slots=True)
class EmbeddingDrift:
    method: str
    status: str  # "ok", "drift" (set by compute_drift against the threshold), "not_enough_data"
    score: float | None
    roc_auc: float | None
    mean_cosine_distance: float | None
    reference_rows: int
    current_rows: int


def _capped(vectors: FloatArray, rng: np.random.Generator) -> FloatArray:
    if len(vectors) <= EMBEDDING_MAX_ROWS:
        return vectors
    return vectors[rng.choice(len(vectors), EMBEDDING_MAX_ROWS, replace=False)]


def embedding_drift(
    reference: FloatArray, current: FloatArray, *, min_samples: int, seed: int = 0
) -> EmbeddingDrift:
    """Domain-classifier drift of two sets of vectors (rows), see the module docstring."""
    method = "domain_classifier_roc_auc"
    if len(reference) < min_samples or len(current) < min_samples:
        return EmbeddingDrift(
            method, "not_enough_data", None, None, None, len(reference), len(current)
        )
    rng = np.random.default_rng(seed)
    ref, cur = _capped(reference, rng), _capped(current, rng)
    x = np.vstack([ref, cur])
    y = np.concatenate([np.zeros(len(ref)), np.ones(len(cur))])
    classifier = LogisticRegression(C=0.1, class_weight="balanced", max_iter=500)
    folds = StratifiedKFold(EMBEDDING_FOLDS, shuffle=True, random_state=seed)
    proba = cross_val_predict(classifier, x, y, cv=folds, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(y, proba))
    mean_ref, mean_cur = ref.mean(axis=0), cur.mean(axis=0)
    denom = float(np.linalg.norm(mean_ref) * np.linalg.norm(mean_cur)) or 1.0
    cosine = 1.0 - float(mean_ref @ mean_cur) / denom
    return EmbeddingDrift(
        method, "ok", max(0.0, 2.0 * auc - 1.0), auc, cosine, len(reference), len(current)
    )


@dataclass(slots=True)
class DriftResult:
    overall_score: float
    overall_metric: str
    threshold: float
    features: list[ColumnDrift]
    prediction: ColumnDrift
    embedding: EmbeddingDrift
    reference_rows: int
    current_rows: int
    notes: list[str] = field(default_factory=list)

    @property
    def alert(self) -> bool:
        return self.overall_score > self.threshold

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["alert"] = self.alert
        return data


def compute_drift(
    feature_names: list[str],
    reference_features: FloatArray,
    reference_scores: FloatArray,
    current_features: FloatArray,
    current_scores: FloatArray,
    reference_embeddings: FloatArray,
    current_embeddings: FloatArray,
    *,
    bins: int,
    min_samples: int,
    threshold: float,
) -> DriftResult:
    """Every metric of one run; features are sorted by PSI, the drifting ones first."""
    columns = [
        column_drift(
            name,
            reference_features[:, j],
            current_features[:, j] if len(current_features) else np.zeros(0),
            bins=bins,
            min_samples=min_samples,
            threshold=threshold,
        )
        for j, name in enumerate(feature_names)
    ]
    columns.sort(key=lambda c: -1.0 if c.psi is None else c.psi, reverse=True)
    prediction = column_drift(
        "score",
        reference_scores,
        current_scores,
        bins=bins,
        min_samples=min_samples,
        threshold=threshold,
    )
    embedding = embedding_drift(reference_embeddings, current_embeddings, min_samples=min_samples)
    if embedding.score is not None and embedding.score > threshold:
        embedding.status = "drift"
    candidates = [(min(PSI_CAP, c.psi), f"psi:{c.name}") for c in columns if c.psi is not None]
    if prediction.psi is not None:
        candidates.append((min(PSI_CAP, prediction.psi), "psi:score"))
    if embedding.score is not None:
        candidates.append((embedding.score, f"embedding:{embedding.method}"))
    score, metric = max(candidates, default=(0.0, "none: not enough data"))
    return DriftResult(
        overall_score=float(score),
        overall_metric=metric,
        threshold=threshold,
        features=columns,
        prediction=prediction,
        embedding=embedding,
        reference_rows=len(reference_features),
        current_rows=len(current_features),
    )
