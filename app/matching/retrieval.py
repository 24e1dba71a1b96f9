"""Two-stage retrieval over an in-memory candidate index.

Stage 1 scores every candidate cheaply with a linear proxy of the model (fitted at training
time and stored in the model's metadata) or, without a model, the rule-based fallback
itself. The pre-filter (`prefilter`) ranks all N candidates by the proxy's terms that cost
at most one pass over them (skills, categorical context, reduced-dimension text) and keeps
`prefilter_size`; those get every other feature too (column arithmetic: years, location,
salary, industry), the full proxy picks the best `shortlist_size`, and stage 2 reuses their
columns (exact text cosine added) for the model. SHAP runs only for the results returned.

How the index is built, shared and kept fresh is `app.matching.indexes`' job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from app.matching.prefilter import (
    TEXT_FEATURE,
    CategoricalCodes,
    prefilter_scores,
    prefilter_weights,
)
from app.matching.rows import RowLookup, padded
from app.ml import fallback
from app.ml.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    SkillIndex,
    context_columns,
    skill_sums,
)
from app.ml.profiles import JobTable, TalentTable

Side = Literal["job", "talent"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


STAGE_ONE_TEXT_DIMS = 64
TOP_K_SAMPLE_STEP = 16
SVD_SAMPLE = 20_000


@dataclass(slots=True)
class CandidateIndex:
    """One side's candidates as a columnar table plus the skill entries stage 1 sums over.

    The table may hold more rows than candidates: rows replaced or removed by a delta stay
    as dead rows, and free rows wait at the end for the next delta (`app.matching.rows`).
    `live` says which rows are candidates; every ranking masks the rest out (`usable`)."""

    side: Side
    table: TalentTable | JobTable
    skills: SkillIndex
    codes: CategoricalCodes
    stamp: tuple[Any, ...]
    projection: npt.NDArray[np.float32]
    """(384, k) orthonormal basis of the candidates' embeddings (uncentred SVD)."""
    reduced: npt.NDArray[np.float32]
    """(N, k) candidate embeddings in that basis: stage-1 text similarity is a k-d dot."""
    live: BoolArray
    versions: FloatArray
    """(N, 2) when each row and its embedding were written (epoch seconds; -1 = never): a
    delta skips a candidate whose versions it already holds."""
    row_of: RowLookup
    used: int
    """Rows [0, used) are candidates or dead rows; the rest are free."""
    base_rows: int
    """Rows whose skill entries are in `skills`' own store; later rows' are in its tail."""
    snapshot: str | None = None
    """Version of the snapshot the arrays were opened from (None: built in memory)."""
    as_of: datetime | None = None
    """When the index last read the database (its `stamp` was read then): the next delta
    looks for rows written since (None: every row is looked at)."""
    built_at: float = field(default_factory=time.monotonic)
    checked_at: float = field(default_factory=time.monotonic)
    n_live: int = -1

    def __post_init__(self) -> None:
        if self.n_live < 0:
            self.n_live = int(np.count_nonzero(self.live))

    @classmethod
    def build(
        cls,
        side: Side,
        table: TalentTable | JobTable,
        stamp: tuple[Any, ...],
        text_dims: int = STAGE_ONE_TEXT_DIMS,
        *,
        room: int = 0,
        versions: FloatArray | None = None,
        as_of: datetime | None = None,
    ) -> CandidateIndex:
        """The index of `table`'s rows (all candidates), with `room` free rows after them."""
        n = len(table)
        projection = text_basis(table.embeddings[:n], text_dims)
        full = padded(table, room) if room else table
        skills = SkillIndex.of(table)
        if room:
            skills = replace(
                skills,
                row_counts=np.concatenate([skills.row_counts, np.zeros(room)]),
                row_required=np.concatenate([skills.row_required, np.zeros(room)]),
            )
        codes = CategoricalCodes.of(full)
        return cls(
            side=side,
            table=full,
            skills=skills,
            codes=codes,
            stamp=stamp,
            projection=projection,
            reduced=np.ascontiguousarray(full.embeddings @ projection),
            live=np.arange(n + room) < n,
            versions=np.full((n + room, 2), -1.0) if versions is None else _padded(versions, room),
            row_of=RowLookup({cid: i for i, cid in enumerate(table.ids)}),
            used=n,
            base_rows=n,
            as_of=as_of,
        )

    def text_scores(self, subject_embedding: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Approximate cosine of the subject with every candidate (k-d instead of 384-d).
        A missing embedding is a zero vector, so it scores 0."""
        return np.asarray(self.reduced @ (subject_embedding @ self.projection))

    def usable(self, allowed: BoolArray | None) -> BoolArray | None:
        """`allowed` (None = every row) less the rows that are not candidates."""
        if self.n_live == len(self.live):
            return allowed
        return self.live if allowed is None else allowed & self.live

    @property
    def free(self) -> int:
        return len(self.live) - self.used

    def __len__(self) -> int:
        return self.n_live

    def __bool__(self) -> bool:
        """An index without candidates is still an index (`x or build()` must not rebuild)."""
        return True


def _padded(values: FloatArray, room: int) -> FloatArray:
    return np.concatenate([values, np.full((room, *values.shape[1:]), -1.0)])


def text_basis(embeddings: npt.NDArray[np.float32], dims: int) -> npt.NDArray[np.float32]:
    """Top right-singular vectors of (a sample of) the embeddings, uncentred so that dot
    products survive the projection: x.s ~ (P'x).(P's). Full dimension when dims >= 384."""
    full = embeddings.shape[1]
    if dims >= full or len(embeddings) < dims:
        return np.eye(full, dtype=np.float32)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(embeddings), min(len(embeddings), SVD_SAMPLE), replace=False)
    _, _, vt = np.linalg.svd(embeddings[rows].astype(np.float64), full_matrices=False)
    return np.ascontiguousarray(vt[:dims].T, dtype=np.float32)


def proxy_scores(features: FloatArray, weights: dict[str, float] | None) -> FloatArray:
    """Stage-1 score of a registry-order feature matrix: the model's linear proxy when it
    has one, the fallback otherwise."""
    if not weights:
        return fallback.scores(features)
    vector = np.asarray([weights.get(name, 0.0) for name in FEATURE_NAMES])
    return np.asarray(features @ vector + float(weights.get("intercept", 0.0)), dtype=np.float64)


def top_k(scores: FloatArray, k: int, allowed: BoolArray | None = None) -> IntArray:
    """Row numbers of the k best scores (unordered), skipping rows not allowed."""
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
        k = min(k, int(allowed.sum()))
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    n = len(scores)
    if k == n:
        return np.arange(n, dtype=np.int64)
    if n >= TOP_K_SAMPLE_STEP * k:
        # Pre-select with a threshold from a strided sample, set to keep about twice k
        # rows: the exact top k are among them whenever at least k pass (else fall through).
        sample = scores[::TOP_K_SAMPLE_STEP]
        rank = len(sample) - max(2 * k // TOP_K_SAMPLE_STEP, 1)
        passed = np.flatnonzero(scores >= np.partition(sample, rank)[rank])
        if len(passed) >= k:
            kept = np.argpartition(scores[passed], len(passed) - k)[len(passed) - k :]
            return passed[kept].astype(np.int64)
    # The top k sit above position n - k of a partition; partitioning `-scores` instead
    # would cost a negated copy.
    return np.argpartition(scores, n - k)[n - k :].astype(np.int64)


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a page ended: the score and id of its last candidate. Rank order is score
    descending, then id ascending, so the key names one place in any ranking and the next
    page is what comes after it (a keyset: dismissing a shown candidate does not shift it)."""

    score: float
    id: str


def rank_page(
    scores: FloatArray,
    id_of: Callable[[int], str],
    eligible: BoolArray,
    limit: int,
    after: PageKey | None = None,
) -> tuple[IntArray, bool]:
    """Positions of the `limit` first eligible rows after `after` in rank order (score
    descending, id ascending), in that order, and whether eligible rows remain after them.

    Ties are broken by id even across the cut of the page, so the pages of one ranking never
    overlap or skip a row however many candidates score the same. `id_of(position)` is asked
    only for the rows that need it (the page, and rows tied with the key or the cut)."""
    if after is not None:
        tied = np.flatnonzero(eligible & (scores == after.score))
        later = scores < after.score
        later[tied] = [id_of(i) > after.id for i in tied.tolist()]
        eligible = eligible & later
    chosen = top_k(scores, limit, eligible)
    if len(chosen):
        cut = scores[chosen].min()
        above = np.flatnonzero(eligible & (scores > cut))
        at_cut = np.flatnonzero(eligible & (scores == cut))
        if len(above) + len(at_cut) > limit:
            at_cut = np.asarray(sorted(at_cut.tolist(), key=id_of), dtype=np.int64)
            at_cut = at_cut[: limit - len(above)]
        chosen = np.concatenate([above, at_cut])
    order = sorted(chosen.tolist(), key=lambda i: (-scores[i], id_of(i)))
    more = int(np.count_nonzero(eligible)) > len(order)
    return np.asarray(order, dtype=np.int64), more


@dataclass(frozen=True, slots=True)
class StageOne:
    """Stage-1 features (registry order) of the candidate `rows` that survived the pre-filter."""

    rows: IntArray
    features: FloatArray

    def best(self, size: int, weights: dict[str, float] | None) -> IntArray:
        """Positions (into `rows`) of the `size` best proxy scores."""
        return top_k(proxy_scores(self.features, weights), size)

    def stage_two(
        self, positions: IntArray, subject: TalentTable | JobTable, index: CandidateIndex
    ) -> FloatArray:
        """The model's feature matrix for `rows[positions]`, in registry order.

        Stage 1 already computed every feature of these rows exactly except the text
        similarity (approximated in the reduced basis, or left out), so stage 2 takes the
        rows and recomputes only the exact embedding cosine instead of the pair features.
        """
        features = self.features[positions]
        rows = self.rows[positions]
        table = index.table
        # float64 like the pair features, as one BLAS mat-vec (einsum casting on the fly
        # is three times slower).
        embeddings = table.embeddings[rows].astype(np.float64)
        cosine = embeddings @ subject.embeddings[0].astype(np.float64)
        both = table.has_embedding[rows] & bool(subject.has_embedding[0])
        features[:, FEATURE_INDEX[TEXT_FEATURE]] = np.where(both, cosine, 0.0)
        return features


def stage_one(
    subject: TalentTable | JobTable,
    index: CandidateIndex,
    weights: dict[str, float] | None,
    prefilter_size: int | None = None,
    allowed: BoolArray | None = None,
) -> StageOne:
    """Stage 1: when `prefilter_size` is smaller than the candidates, rank every candidate by
    the pre-filter (the proxy's terms that are cheap for all of them, see `prefilter`) and
    keep the best `prefilter_size`; then compute every stage-1 column for the rows kept.

    `allowed` (the request's filters, `matching.filters`) masks the index before anything is
    picked, so every row kept passes them and none that passes loses its place to one that
    does not. The text column is the reduced-basis similarity when the proxy weighs text
    positively, else zeros (it then plays no part in stage 1; stage 2 computes the exact
    cosine)."""
    table = index.table
    allowed = index.usable(allowed)
    sums = skill_sums(subject, table, index.skills)
    linear = prefilter_weights(weights)
    embedding = subject.embeddings[0]
    every_text = index.text_scores(embedding) if TEXT_FEATURE in linear else None
    n = len(table) if allowed is None else int(np.count_nonzero(allowed))
    if prefilter_size is not None and prefilter_size < n:
        score = prefilter_scores(subject, sums, index.codes, linear, every_text)
        # Sorted, so the gathers of the other columns walk memory forwards.
        rows = np.sort(top_k(score, prefilter_size, allowed))
    elif allowed is None:
        rows = np.arange(n, dtype=np.int64)
    else:
        rows = np.flatnonzero(allowed).astype(np.int64)
    text = np.zeros(len(rows)) if every_text is None else every_text[rows].astype(np.float64)
    columns = {
        **sums.columns(rows),
        TEXT_FEATURE: text,
        **context_columns(subject, table, rows, index.codes.occupation_match(subject, rows)),
    }
    return StageOne(rows, np.column_stack([columns[name] for name in FEATURE_NAMES]))


def shortlist(
    subject: TalentTable | JobTable,
    index: CandidateIndex,
    size: int,
    weights: dict[str, float] | None,
    allowed: BoolArray | None = None,
    prefilter_size: int | None = None,
) -> IntArray:
    """Rows of `index.table` worth scoring with the full model."""
    stage = stage_one(subject, index, weights, prefilter_size, allowed)
    return stage.rows[stage.best(size, weights)]
