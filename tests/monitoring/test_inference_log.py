"""The inference log's sampler and its hook in the match write path (SQLite and Postgres)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.enums import MatchSource
from app.db.monitoring_models import InferenceLogRow
from app.matching.service import MatchingState, match_talent_to_jobs
from app.ml.features import FEATURE_NAMES
from app.monitoring import inference_log
from app.monitoring.inference_log import BUFFER_ROWS, InferenceSampler
from tests.factories import make_company, make_job, make_skill, make_talent

WIDTH = len(FEATURE_NAMES)


def test_an_unsampled_request_keeps_nothing() -> None:
    sampler = InferenceSampler(0.0, 5, seed=1)
    for _ in range(100):
        sampler.offer(np.ones((50, WIDTH)), np.ones(50), MatchSource.ML, "v1")
    assert sampler.drain() == []


def test_a_sampled_request_keeps_a_few_distinct_rows_of_its_short_list() -> None:
    sampler = InferenceSampler(1.0, 5, seed=1)
    features = np.arange(50 * WIDTH, dtype=np.float64).reshape(50, WIDTH)
    sampler.offer(features, np.arange(50.0), MatchSource.FALLBACK, None)
    rows = sampler.drain()
    assert len(rows) == 5
    assert len({r.score for r in rows}) == 5
    for row in rows:
        assert row.features == features[int(row.score)].tolist()
        assert row.source == "fallback"
        assert row.model_version is None
    assert sampler.drain() == []


def test_the_share_of_sampled_requests_follows_the_rate() -> None:
    sampler = InferenceSampler(0.1, 1, seed=2)
    for _ in range(2000):
        sampler.offer(np.ones((3, WIDTH)), np.ones(3), MatchSource.ML, "v1")
    assert 140 <= len(sampler.drain()) <= 260


def test_the_buffer_is_bounded_when_nothing_flushes_it() -> None:
    sampler = InferenceSampler(1.0, 10, seed=3)
    for _ in range(BUFFER_ROWS):
        sampler.offer(np.ones((10, WIDTH)), np.ones(10), MatchSource.ML, "v1")
    assert len(sampler.drain()) == BUFFER_ROWS


def test_a_match_request_writes_sampled_rows_of_its_short_list(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inference_log, "_sampler", InferenceSampler(1.0, 3, seed=4))
    python = make_skill(session, "Python")
    company = make_company(session)
    talent = make_talent(session, skills=[(python, 4, 5.0)])
    for _ in range(6):
        make_job(session, company, skills=[(python, True, 3)])
    session.commit()
    state = MatchingState(shortlist_size=5, refresh_seconds=0)
    out = match_talent_to_jobs(session, talent.id, limit=2, state=state)
    assert len(out.matches) == 2
    rows = list(session.scalars(select(InferenceLogRow)))
    assert len(rows) == 3
    for row in rows:
        assert len(row.features) == WIDTH
        assert row.source == "fallback"
        assert 0.0 <= row.score <= 100.0
