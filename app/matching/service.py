"""Matching use cases: talent -> jobs, job -> talents, and one zero-shot pair.

Every result says which scorer produced it: the LightGBM model when one is loaded and
healthy (`source="ml"`, `model_version` set), the rule-based fallback otherwise. A
`MatchingState` holds the live model, the candidate indexes and the skill vocabulary; the app
factory creates one per app and hands it to requests through a dependency; the model watcher
swaps models into it with `swap_model`, a single reference assignment under a lock, so a
request that read the old model finishes on it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.enums import EMBEDDING_DIM, Decision, FeedbackSide, MatchSource
from app.core.errors import NotFoundError
from app.db.base import utcnow
from app.db.session import session_scope
from app.decisions.service import current_decisions
from app.logging import get_logger
from app.matching.cursor import Cursor, decode, digest
from app.matching.errors import InvalidFilterError
from app.matching.explain import explain
from app.matching.filters import MatchFilters, allowed_rows
from app.matching.indexes import IndexHolder
from app.matching.repository import persist_matches, skill_names, trim_subject_log
from app.matching.retrieval import (
    CandidateIndex,
    PageKey,
    Side,
    rank_page,
    stage_one,
)
from app.ml import fallback, registry
from app.ml.embeddings import TextEmbedder, get_embedder
from app.ml.errors import FeatureExtractionError, InvalidProfileError, ModelLoadError
from app.ml.features import FEATURE_NAMES, one_to_many
from app.ml.matcher import MatchingModel
from app.ml.profiles import (
    JobTable,
    SkillVocab,
    TalentTable,
    job_table,
    pair_vocab,
    talent_table,
)
from app.ml.repository import load_job_table, load_talent_table
from app.ml.types import (
    Explanation,
    JobProfile,
    MatchOutcome,
    MatchResult,
    TalentProfile,
)
from app.monitoring import inference_log
from app.monitoring.metrics import observe_served_model
from app.settings import Settings, get_settings

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
View = Literal["full", "compact"]
"""How much of each match a page carries: everything, or no explanation (no SHAP)."""

log = get_logger(__name__)

REQUEST_ID_MAX = 64
"""Width of `matches.request_id`: a longer client-supplied id is cut, never a DB error."""


@dataclass(frozen=True, slots=True)
class MatchLogBounds:
    """How much of the impression log a match write keeps for its subject (the newest
    requests, within the retention window; labelled rows always): one talent asking at its
    rate limit would otherwise add gigabytes a day."""

    requests_per_subject: int
    retention_days: int

    @classmethod
    def of(cls, settings: Settings) -> MatchLogBounds:
        return cls(settings.match_log_requests_per_subject, settings.match_log_retention_days)


class MatchingState:
    """An app's matching state: the live model, the candidate indexes, the skill vocabulary,
    the embedder for payload texts, and the start-up warm-up readiness waits for."""

    def __init__(
        self,
        model: MatchingModel | None = None,
        *,
        embedder: TextEmbedder | None = None,
        shortlist_size: int | None = None,
        prefilter_size: int | None = None,
        refresh_seconds: float | None = None,
        match_log: MatchLogBounds | None = None,
    ) -> None:
        settings = get_settings()
        self.match_log = match_log or MatchLogBounds.of(settings)
        self.shortlist_size = shortlist_size or settings.matching_shortlist_size
        self.prefilter_size = max(
            prefilter_size or settings.matching_prefilter_size, self.shortlist_size
        )
        refresh = (
            settings.matching_index_refresh_seconds if refresh_seconds is None else refresh_seconds
        )
        self.vocab = SkillVocab()
        self.indexes: dict[Side, IndexHolder] = {
            side: IndexHolder(side, self.vocab, refresh, settings.matching_index_dir)
            for side in ("job", "talent")
        }
        self._model = model
        self.embedder = embedder or get_embedder()
        self.warm_up: threading.Thread | None = None
        self._swap_lock = threading.Lock()
        self._refresher: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def model(self) -> MatchingModel | None:
        return self._model

    def swap_model(self, model: MatchingModel | None) -> MatchingModel | None:
        """Make `model` live (None = use the fallback); returns the model it replaced."""
        with self._swap_lock:
            previous, self._model = self._model, model
        observe_served_model(
            model.version if model else None, model.metadata.created_at if model else None
        )
        log.info(
            "matching_model_swapped",
            version=model.version if model else None,
            previous=previous.version if previous else None,
        )
        return previous

    @property
    def warming(self) -> bool:
        """True while the start-up build of the candidate indexes is still running."""
        return self.warm_up is not None and self.warm_up.is_alive()

    def warm(self, session: Session) -> None:
        """Build both candidate indexes now (start-up), so no request pays for a build."""
        for holder in self.indexes.values():
            holder.get(session)

    def start_background_refresh(self, db: Engine) -> None:
        """Check for changed rows every `refresh_seconds` off the request path."""
        if self._refresher is not None:
            return
        for holder in self.indexes.values():
            holder.background = True
        interval = max(next(iter(self.indexes.values())).refresh_seconds, 0.5)

        def loop() -> None:
            while not self._stop.wait(interval):
                for holder in self.indexes.values():
                    if holder.peek() is None:
                        continue
                    try:
                        with session_scope(db) as session:
                            holder.refresh(session)
                    except SQLAlchemyError:
                        log.exception("candidate_index_refresh_failed", side=holder.side)

        self._refresher = threading.Thread(target=loop, name="matching-index-refresh", daemon=True)
        self._refresher.start()

    def stop_background_refresh(self) -> None:
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join(timeout=5)
            self._refresher = None
        for holder in self.indexes.values():
            holder.background = False
        self._stop = threading.Event()

    def invalidate(self, side: Side | None = None) -> None:
        """Rebuild the index of `side` (both when None) on its next use."""
        for name, holder in self.indexes.items():
            if side is None or side == name:
                holder.invalidate()

    def status(self) -> dict[str, Any]:
        model = self._model
        return {
            "source": "ml" if model else "fallback",
            "model_version": model.version if model else None,
            "shortlist_size": self.shortlist_size,
            "prefilter_size": self.prefilter_size,
            "indexes": {
                side: (len(index) if (index := holder.peek()) is not None else None)
                for side, holder in self.indexes.items()
            },
        }


def load_active_model(
    session: Session, state: MatchingState, model_id: str | None = None
) -> MatchingModel | None:
    """Load the registry's active version into `state`; keeps the fallback if it fails."""
    row = registry.active_version(session, model_id or get_settings().matcher_model_id)
    if row is None:
        return None
    try:
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
    except ModelLoadError as exc:
        log.error("matching_model_load_failed", version=row.version, error=str(exc))
        return None
    state.swap_model(model)
    return model


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    def finish(self) -> dict[str, float]:
        self.timings["total"] = time.perf_counter() - self._start
        return {k: round(v, 6) for k, v in self.timings.items()}


def _check_request(limit: int, min_score: float) -> None:
    max_limit = get_settings().matching_max_limit
    if not 1 <= limit <= max_limit:
        raise FeatureExtractionError(f"limit must be between 1 and {max_limit}", field="limit")
    if not 0.0 <= min_score <= 100.0:
        raise FeatureExtractionError("min_score must be between 0 and 100", field="min_score")


def _scored(
    model: MatchingModel | None, features: FloatArray
) -> tuple[FloatArray, MatchSource, MatchingModel | None]:
    """Model scores, or the fallback's when there is no model or it fails at predict time."""
    if model is not None:
        try:
            return model.predict(features), MatchSource.ML, model
        except lgb.basic.LightGBMError as exc:
            log.error("matching_model_predict_failed", version=model.version, error=str(exc))
    return fallback.scores(features), MatchSource.FALLBACK, None


def _contributions(model: MatchingModel | None, features: FloatArray) -> FloatArray:
    return model.contributions(features) if model else fallback.contributions(features)


def _scale(model: MatchingModel | None) -> dict[str, float]:
    if model is None:
        return fallback.CATEGORY_SCALE
    return model.metadata.category_scale or fallback.CATEGORY_SCALE


@dataclass(frozen=True, slots=True)
class _Ranked:
    """One page of a ranking: candidate rows in rank order, their raw scores and features,
    who scored them, and whether the ranking goes on after them."""

    rows: list[int]
    scores: FloatArray
    features: FloatArray
    source: MatchSource
    model: MatchingModel | None
    more: bool


def _rank(
    subject: TalentTable | JobTable,
    index: CandidateIndex,
    model: MatchingModel | None,
    sizes: tuple[int, int],
    page: tuple[int, PageKey | None],
    min_score: float,
    timer: _Timer,
    allowed: BoolArray | None = None,
) -> _Ranked:
    """Stage 1 + stage 2: one page of the ranking, its scores and features, who scored.

    `sizes` = (pre-filter, short list): how many candidates get every stage-1 column, and
    how many of those the model scores. `page` = (limit, the key the previous page ended
    at). `allowed`: the candidate rows the request may return (filters, dismissals), masked
    before stage 1 picks anything."""
    prefilter_size, shortlist_size = sizes
    limit, after = page
    with timer.stage("retrieval"):
        weights = model.metadata.retrieval_weights if model else None
        stage = stage_one(subject, index, weights, prefilter_size, allowed)
        picked = stage.best(shortlist_size, weights)
        rows = stage.rows[picked]
    if len(rows) == 0:
        empty = np.zeros((0, len(FEATURE_NAMES)))
        source = MatchSource.ML if model else MatchSource.FALLBACK
        return _Ranked([], np.zeros(0), empty, source, model, more=False)
    with timer.stage("features"):
        features = stage.stage_two(picked, subject, index)
    with timer.stage("prediction"):
        scores, source, used = _scored(model, features)
        inference_log.sampler().offer(features, scores, source, used.version if used else None)
        ids = index.table.ids
        keep, more = rank_page(
            scores, lambda i: str(ids[rows[i]]), scores >= min_score, limit, after
        )
    return _Ranked(
        [int(rows[k]) for k in keep], scores[keep], features[keep], source, used, more=more
    )


def explanation_json(explanation: Explanation | None) -> dict[str, Any]:
    """The JSON stored in `matches.explanation` (and returned by the API); `{}` for a match
    shown in the compact view, which has none."""
    if explanation is None:
        return {}
    return {
        "sub_scores": dict(explanation.sub_scores),
        "top_factors": [
            {
                "factor": f.factor,
                "category": f.category,
                "impact": f.impact,
                "description": f.description,
            }
            for f in explanation.top_factors
        ],
        "summary": explanation.summary,
    }


def _results(
    ids: list[Any],
    scores: FloatArray,
    features: FloatArray,
    source: MatchSource,
    model: MatchingModel | None,
    pairs: list[tuple[TalentTable, int, JobTable, int]],
    timer: _Timer,
    decisions: dict[uuid.UUID, Decision] | None = None,
    view: View = "full",
) -> list[MatchResult]:
    """The matches of one page; the compact view skips SHAP and the sentences (the cost a
    list of titles and scores does not need)."""
    explanations: list[Explanation | None] = [None] * len(ids)
    if view == "full" and pairs:
        with timer.stage("explanation"):
            explanations = list(
                explain(_contributions(model, features), features, scores, _scale(model), pairs)
            )
    version = model.version if model else None
    decisions = decisions or {}
    return [
        MatchResult(
            id=cid,
            score=round(float(s), 2),
            source=source,
            model_version=version,
            explanation=e,
            decision=decisions.get(cid),
        )
        for cid, s, e in zip(ids, scores, explanations, strict=True)
    ]


def _decisions(
    session: Session, subject_side: Side, subject_id: uuid.UUID
) -> dict[uuid.UUID, Decision]:
    """The subject side's standing decisions, by counterpart: a talent's on jobs, or its
    company's on talents for a job."""
    if subject_side == "talent":
        found = current_decisions(session, FeedbackSide.TALENT, talent_ids=[subject_id])
        return {d.job_id: d.decision for d in found}
    found = current_decisions(session, FeedbackSide.COMPANY, job_ids=[subject_id])
    return {d.talent_id: d.decision for d in found}


def _note_missing_embedding(kind: str, table: TalentTable | JobTable) -> None:
    """Stored entities are embedded when written, never on the request path; say so if not."""
    if not bool(table.has_embedding[0]):
        log.warning("subject_without_embedding", kind=kind, id=str(table.ids[0]))


def _subject(
    session: Session, state: MatchingState, side: Side, subject_id: uuid.UUID
) -> TalentTable | JobTable:
    """The subject's row from its own side's index when built (as fresh as the index), else
    SQL (closed jobs, rows newer than the index)."""
    index = state.indexes[side].fresh()
    if index is not None and (row := index.row_of.get(subject_id)) is not None:
        return index.table.take([row])
    if side == "talent":
        return load_talent_table(session, state.vocab, [subject_id])
    return load_job_table(session, state.vocab, [subject_id])


def _resolved(
    session: Session, filters: MatchFilters | None, subject: TalentTable | JobTable
) -> MatchFilters | None:
    """The filters with skill names resolved to the stored ones, after checking what the
    subject must have for them: a radius needs the subject's coordinates, and every skill
    named must exist (a typo is an error, not an empty page)."""
    if filters is None or not filters.active:
        return None
    if filters.radius_km is not None and np.isnan(subject.xyz[0]).any():
        raise InvalidFilterError(
            "radius_km needs the subject's location, and it has none; set its latitude and "
            "longitude or drop radius_km",
            field="filters.radius_km",
        )
    if not filters.skills:
        return filters
    stored = skill_names(session, filters.skills)
    for i, name in enumerate(filters.skills):
        if name.casefold() not in stored:
            raise InvalidFilterError(f"no skill is named {name!r}", field=f"filters.skills.{i}")
    return replace(filters, skills=tuple(stored[name.casefold()] for name in filters.skills))


def _allowed(
    filters: MatchFilters | None,
    subject: TalentTable | JobTable,
    index: CandidateIndex,
    hidden: list[int],
) -> BoolArray | None:
    """The rows a request may return: those passing its filters, less the hidden ones."""
    allowed = allowed_rows(filters, subject, index)
    if hidden:
        if allowed is None:
            allowed = np.ones(len(index.table), dtype=np.bool_)
        allowed[hidden] = False
    return allowed


def _match(
    session: Session,
    subject_side: Side,
    subject_id: uuid.UUID,
    limit: int,
    min_score: float,
    *,
    request_id: str | None,
    persist: bool,
    state: MatchingState,
    include_dismissed: bool = True,
    filters: MatchFilters | None = None,
    cursor: str | None = None,
    view: View = "full",
) -> MatchOutcome:
    """Rank the other side for one subject, explain the page, persist it when asked.

    Each result carries the subject side's decision on it; jobs the talent dismissed are left
    out unless `include_dismissed` (the Undo view). `filters` constrain the candidates before
    stage 1 picks any; `cursor` (a previous page's `next_cursor`) asks for the page after it;
    the compact `view` returns no explanations."""
    _check_request(limit, min_score)
    model = state.model
    timer = _Timer()
    other: Side = "job" if subject_side == "talent" else "talent"
    with timer.stage("retrieval"):
        subject = _subject(session, state, subject_side, subject_id)
        if len(subject) == 0:
            raise NotFoundError(
                f"{subject_side} {subject_id} not found", field=f"{subject_side}_id"
            )
        _note_missing_embedding(subject_side, subject)
        resolved = _resolved(session, filters, subject)
        wanted = digest(
            {
                "side": subject_side,
                "subject": str(subject_id),
                "min_score": min_score,
                "include_dismissed": include_dismissed,
                "filters": resolved.fingerprint() if resolved else None,
            }
        )
        sizes = (state.prefilter_size, state.shortlist_size)
        ranking = digest({"model": model.version if model else None, "sizes": sizes})
        previous = decode(cursor, request=wanted, ranking=ranking) if cursor else None
        index = state.indexes[other].get(session)
        decisions = _decisions(session, subject_side, subject_id)
        hidden = [
            index.row_of[cid]
            for cid, decision in decisions.items()
            if decision == Decision.DISMISSED and not include_dismissed and cid in index.row_of
        ]
        allowed = _allowed(resolved, subject, index, hidden)
    offset = previous.offset if previous else 0
    ranked = _rank(
        subject,
        index,
        model,
        sizes,
        (limit, previous.key if previous else None),
        min_score,
        timer,
        allowed,
    )
    # The returned rows as their own small table: the sentences read a dozen fields per
    # pair, which is one vectorised gather here instead of scattered reads of the index.
    candidates = index.table.take(ranked.rows)
    ids = list(candidates.ids)
    if isinstance(subject, TalentTable) and isinstance(candidates, JobTable):
        pairs = [(subject, 0, candidates, r) for r in range(len(ids))]
    elif isinstance(subject, JobTable) and isinstance(candidates, TalentTable):
        pairs = [(candidates, r, subject, 0) for r in range(len(ids))]
    else:
        raise TypeError("a match needs one talent table and one job table")
    results = _results(
        ids,
        ranked.scores,
        ranked.features,
        ranked.source,
        ranked.model,
        pairs,
        timer,
        decisions,
        view,
    )
    if persist:
        with timer.stage("persist"):
            inference_log.sampler().flush(session)  # drift monitoring's sampled rows
            matched = [r.id for r in results]
            persist_matches(
                session,
                talent_ids=[subject_id] * len(results) if subject_side == "talent" else matched,
                job_ids=matched if subject_side == "talent" else [subject_id] * len(results),
                results=results,
                request_id=(request_id or uuid.uuid4().hex)[:REQUEST_ID_MAX],
                explanations=[explanation_json(r.explanation) for r in results],
                subject_side=subject_side,
                first_position=offset + 1,
            )
            bounds = state.match_log
            trim_subject_log(
                session,
                subject_side,
                subject_id,
                keep_requests=bounds.requests_per_subject,
                older_than=utcnow() - timedelta(days=bounds.retention_days),
            )
    next_cursor = None
    if ranked.more and ids:
        last = PageKey(float(ranked.scores[-1]), str(ids[-1]))
        next_cursor = Cursor(offset + len(ids), last, wanted, ranking).encode()
    return MatchOutcome(
        matches=results,
        model_version=ranked.model.version if ranked.model else None,
        source=ranked.source,
        timings=timer.finish(),
        next_cursor=next_cursor,
    )


def match_talent_to_jobs(
    session: Session,
    talent_id: uuid.UUID,
    limit: int = 20,
    min_score: float = 0.0,
    *,
    request_id: str | None = None,
    persist: bool = True,
    state: MatchingState,
    include_dismissed: bool = False,
    filters: MatchFilters | None = None,
    cursor: str | None = None,
    view: View = "full",
) -> MatchOutcome:
    """Best open jobs for a talent, explained, and written to `matches` when `persist`; jobs
    the talent dismissed only with `include_dismissed`; `filters` on the jobs, `cursor` for
    the next page, `view="compact"` without explanations."""
    return _match(
        session,
        "talent",
        talent_id,
        limit,
        min_score,
        request_id=request_id,
        persist=persist,
        state=state,
        include_dismissed=include_dismissed,
        filters=filters,
        cursor=cursor,
        view=view,
    )


def match_job_to_talents(
    session: Session,
    job_id: uuid.UUID,
    limit: int = 20,
    min_score: float = 0.0,
    *,
    request_id: str | None = None,
    persist: bool = True,
    state: MatchingState,
    filters: MatchFilters | None = None,
    cursor: str | None = None,
    view: View = "full",
) -> MatchOutcome:
    """Best talents for a job (open or closed), explained, and persisted when `persist`;
    `filters` on the talents, `cursor` for the next page, `view="compact"` without
    explanations."""
    return _match(
        session,
        "job",
        job_id,
        limit,
        min_score,
        request_id=request_id,
        persist=persist,
        state=state,
        filters=filters,
        cursor=cursor,
        view=view,
    )


def _with_embedding(profile: TalentProfile | JobProfile, embedder: TextEmbedder) -> None:
    if profile.embedding is None and profile.text.strip():
        profile.embedding = embedder.encode([profile.text])[0]


def score_pair(talent: TalentProfile, job: JobProfile, *, state: MatchingState) -> MatchResult:
    """Zero-shot score of one payload pair: nothing is read from or written to the database.

    Texts without a given embedding are embedded here (cached by content hash).
    """
    model = state.model
    for profile in (talent, job):
        if profile.embedding is not None and np.asarray(profile.embedding).size != EMBEDDING_DIM:
            raise FeatureExtractionError(
                f"embedding must have {EMBEDDING_DIM} values", field="embedding"
            )
        _with_embedding(profile, state.embedder)
    vocab = pair_vocab(talent, job)
    try:
        talents = talent_table([talent], vocab)
        jobs = job_table([job], vocab)
    except InvalidProfileError as exc:
        raise FeatureExtractionError(str(exc), field=exc.field) from exc
    timer = _Timer()
    features = one_to_many(talents, jobs, [0])
    scores, source, used = _scored(model, features)
    return _results([job.id], scores, features, source, used, [(talents, 0, jobs, 0)], timer)[0]
