"""Filters, cursor paging and the compact view of the match service, on SQLite and Postgres.

The oracle is independent of the serving path: each filter's documented rule is checked in
plain Python on the stored rows (haversine from latitude/longitude), and "exact" means the
returned list is a top k of *every* filtered candidate scored with the pair features and the
model (`one_to_many` + predict), not of the short list.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Job, Match, MatchFeedback, Talent
from app.matching.errors import InvalidCursorError, InvalidFilterError, StaleCursorError
from app.matching.filters import MatchFilters
from app.matching.retrieval import PageKey, rank_page
from app.matching.service import MatchingState, match_job_to_talents, match_talent_to_jobs
from app.ml.features import EARTH_RADIUS_KM, one_to_many
from app.ml.matcher import MatchingModel, ModelMetadata
from app.ml.repository import load_job_table, load_talent_table
from tests.factories import make_company, make_job, make_skill, make_talent

SKILLS = ["Python", "SQL", "Go", "Docker", "Kubernetes", "Rust"]
LEVELS = ["junior", "mid", "senior", "lead"]
PLACES = [(52.52, 13.40), (48.14, 11.58), (52.37, 4.90), (40.71, -74.0), (None, None)]
SMALL_SHORTLIST = 12
N_JOBS = 60
N_TALENTS = 40


@dataclass
class Market:
    talent: Talent
    job: Job
    jobs: list[Job]
    talents: list[Talent]
    skills: dict[str, Any]


def _build(session: Session) -> Market:
    rng = np.random.default_rng(7)
    skills = {n: make_skill(session, n) for n in SKILLS}
    company = make_company(session)

    def pick(k: int) -> list[str]:
        return [str(s) for s in rng.choice(SKILLS, size=k, replace=False)]

    jobs = []
    for _ in range(N_JOBS):
        lat, lon = PLACES[rng.integers(len(PLACES))]
        low = None if rng.random() < 0.15 else int(rng.integers(40, 120)) * 1000
        jobs.append(
            make_job(
                session,
                company,
                skills=[(skills[n], bool(rng.random() < 0.7), 3) for n in pick(rng.integers(1, 4))],
                seniority=str(rng.choice(LEVELS)),
                min_years=float(rng.integers(0, 8)),
                latitude=lat,
                longitude=lon,
                remote_policy=str(rng.choice(["remote", "hybrid", "onsite"])),
                salary_min=low,
                salary_max=None if low is None or rng.random() < 0.2 else low + 20_000,
                currency="EUR" if rng.random() < 0.1 else "USD",
            )
        )
    talents = []
    for _ in range(N_TALENTS):
        lat, lon = PLACES[rng.integers(len(PLACES))]
        low = None if rng.random() < 0.15 else int(rng.integers(40, 120)) * 1000
        talents.append(
            make_talent(
                session,
                skills=[(skills[n], 3, 2.0) for n in pick(rng.integers(1, 5))],
                seniority=str(rng.choice(LEVELS)),
                years_experience=float(rng.integers(0, 15)),
                latitude=lat,
                longitude=lon,
                remote_preference=str(rng.choice(["remote", "hybrid", "onsite", "any"])),
                salary_min=low,
                salary_max=None if low is None else low + 15_000,
                currency="EUR" if rng.random() < 0.1 else "USD",
            )
        )
    subject_job = jobs[0]
    subject_job.latitude, subject_job.longitude = PLACES[0]
    talent = talents[0]
    talent.latitude, talent.longitude, talent.currency = PLACES[0][0], PLACES[0][1], "USD"
    subject_job.currency = "USD"
    session.commit()
    return Market(talent, subject_job, jobs, talents, skills)


@pytest.fixture
def market(session: Session) -> Market:
    return _build(session)


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _skill_names(row: Job | Talent) -> set[str]:
    return {link.skill.name.casefold() for link in row.skills}


def passes(f: MatchFilters, subject: Job | Talent, row: Job | Talent) -> bool:
    """The documented rule of every filter, for one stored candidate row."""
    is_job = isinstance(row, Job)
    remote = row.remote_policy if isinstance(row, Job) else row.remote_preference
    if f.remote is not None and remote not in f.remote:
        return False
    if f.seniority is not None and row.seniority not in f.seniority:
        return False
    if f.radius_km is not None:
        remote_ok = is_job and remote == "remote" and (f.remote is None or "remote" in f.remote)
        located = row.latitude is not None and row.longitude is not None
        near = located and (
            _haversine((subject.latitude, subject.longitude), (row.latitude, row.longitude))
            <= f.radius_km
        )
        if not (remote_ok or near):
            return False
    if f.salary_min is not None or f.salary_max is not None:
        if row.currency != subject.currency:
            return False
        top = row.salary_max if row.salary_max is not None else row.salary_min
        bottom = row.salary_min if row.salary_min is not None else row.salary_max
        if f.salary_min is not None and (top is None or top < f.salary_min):
            return False
        if f.salary_max is not None and (bottom is None or bottom > f.salary_max):
            return False
    if f.min_years is not None and isinstance(row, Talent) and row.years_experience < f.min_years:
        return False
    return {s.casefold() for s in f.skills} <= _skill_names(row)


def _reference(
    session: Session,
    state: MatchingState,
    side: str,
    subject_id: uuid.UUID,
    eligible: set[uuid.UUID],
) -> dict[uuid.UUID, float]:
    """Exhaustive scores of the eligible candidates: pair features + the model, no stages."""
    other = "job" if side == "talent" else "talent"
    index = state.indexes[other].get(session)  # type: ignore[index]
    loader = load_talent_table if side == "talent" else load_job_table
    subject = loader(session, state.vocab, [subject_id])
    rows = [index.row_of[i] for i in eligible]
    if not rows:
        return {}
    assert state.model is not None
    scores = state.model.predict(one_to_many(subject, index.table, np.asarray(rows)))
    return {index.table.ids[r]: float(s) for r, s in zip(rows, scores, strict=True)}  # type: ignore[misc]


def assert_top_k(returned: list[uuid.UUID], reference: dict[uuid.UUID, float], k: int) -> None:
    """`returned` is a top k of `reference`, best first (equal scores may come in any of
    their orders; pair features and stage features agree to 1e-9, not to the last bit)."""
    assert len(returned) == min(k, len(reference))
    got = [reference[i] for i in returned]
    best = sorted(reference.values(), reverse=True)[:k]
    np.testing.assert_allclose(got, best, atol=1e-6)


def _filters_strategy(side: str) -> st.SearchStrategy[MatchFilters]:
    remote_values = ["remote", "hybrid", "onsite"] + ([] if side == "talent" else ["any"])
    sets = lambda values: st.none() | st.frozensets(st.sampled_from(values), min_size=1)  # noqa: E731
    return st.builds(
        MatchFilters,
        remote=sets(remote_values),
        radius_km=st.none() | st.sampled_from([1.0, 300.0, 700.0, 20_000.0]),
        salary_min=st.none() | st.integers(40_000, 150_000).map(float)
        if side == "talent"
        else st.none(),
        salary_max=st.none() | st.integers(40_000, 150_000).map(float)
        if side == "job"
        else st.none(),
        seniority=sets(LEVELS),
        skills=st.lists(st.sampled_from(SKILLS), max_size=2, unique=True).map(tuple),
        min_years=st.none() | st.integers(0, 12).map(float) if side == "job" else st.none(),
    )


@pytest.fixture
def states(tiny_model: MatchingModel) -> tuple[MatchingState, MatchingState]:
    """A short list smaller than the world (so stage 1 must keep the filtered rows), and one
    that scores everything (so its result must be exhaustive whatever the filter)."""
    small = MatchingState(
        tiny_model, shortlist_size=SMALL_SHORTLIST, prefilter_size=20, refresh_seconds=3600
    )
    full = MatchingState(tiny_model, shortlist_size=1000, refresh_seconds=3600)
    return small, full


@pytest.mark.parametrize("side", ["talent", "job"])
def test_random_filters_hold_and_equal_exhaustive_scoring(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState], side: str
) -> None:
    small, full = states
    subject: Job | Talent = market.talent if side == "talent" else market.job
    candidates: list[Job | Talent] = list(market.jobs if side == "talent" else market.talents)
    call = match_talent_to_jobs if side == "talent" else match_job_to_talents
    by_id = {c.id: c for c in candidates}

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(filters=_filters_strategy(side), limit=st.integers(1, 15))
    def check(filters: MatchFilters, limit: int) -> None:
        eligible = {c.id for c in candidates if passes(filters, subject, c)}
        reference = _reference(session, full, side, subject.id, eligible)
        for state in (small, full):
            out = call(session, subject.id, limit, state=state, filters=filters, persist=False)
            ids = [m.id for m in out.matches]
            assert all(passes(filters, subject, by_id[i]) for i in ids), filters
            if state is full or len(eligible) <= SMALL_SHORTLIST:
                assert_top_k(ids, reference, limit)
            else:
                assert len(ids) == min(limit, SMALL_SHORTLIST)  # the ranking's depth

    check()


def test_pages_concatenate_to_one_large_request_and_log_their_positions(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState]
) -> None:
    small, _ = states
    filters = MatchFilters(remote=frozenset({"remote", "hybrid"}))
    one = match_talent_to_jobs(
        session, market.talent.id, 10, state=small, filters=filters, persist=False
    )
    pages, cursor = [], None
    for size in (4, 3, 100):
        out = match_talent_to_jobs(
            session, market.talent.id, size, state=small, filters=filters, cursor=cursor
        )
        pages.extend(m.id for m in out.matches)
        cursor = out.next_cursor
        if cursor is None:
            break
    assert cursor is None  # the ranking ended: it is the short list, SMALL_SHORTLIST deep
    assert len(pages) == SMALL_SHORTLIST == len(set(pages))
    assert pages[:10] == [m.id for m in one.matches]
    rows = session.scalars(select(Match).order_by(Match.position)).all()
    assert [r.position for r in rows] == list(range(1, SMALL_SHORTLIST + 1))
    assert [r.job_id for r in rows] == pages


def test_a_dismissal_between_pages_neither_repeats_nor_skips(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState]
) -> None:
    """The next page starts after the last key shown, not at an offset that the dismissed
    job's disappearance would shift (with every candidate scored, so that the freed place
    in a short list cannot admit a newcomer)."""
    _, full = states
    whole = match_talent_to_jobs(session, market.talent.id, 9, state=full, persist=False)
    first = match_talent_to_jobs(session, market.talent.id, 3, state=full)
    session.add(
        MatchFeedback(
            talent_id=market.talent.id, job_id=first.matches[0].id, feedback_type="dismiss"
        )
    )
    session.commit()
    second = match_talent_to_jobs(
        session, market.talent.id, 6, state=full, cursor=first.next_cursor
    )
    assert [m.id for m in first.matches + second.matches] == [m.id for m in whole.matches]


def test_compact_view_ranks_the_same_without_explanations(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState]
) -> None:
    small, _ = states
    full = match_job_to_talents(session, market.job.id, 5, state=small, persist=False)
    compact = match_job_to_talents(session, market.job.id, 5, state=small, view="compact")
    assert [(m.id, m.score) for m in compact.matches] == [(m.id, m.score) for m in full.matches]
    assert all(m.explanation is None for m in compact.matches)
    assert all(m.explanation is not None for m in full.matches)
    assert "explanation" not in compact.timings
    assert {r.explanation == {} for r in session.scalars(select(Match))} == {True}
    nxt = match_job_to_talents(
        session, market.job.id, 5, state=small, cursor=compact.next_cursor, view="full"
    )
    assert not {m.id for m in nxt.matches} & {m.id for m in compact.matches}


def test_filters_the_subject_cannot_use_name_the_field(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState]
) -> None:
    small, _ = states
    market.talent.latitude = market.talent.longitude = None
    session.commit()
    small.invalidate()
    with pytest.raises(InvalidFilterError) as err:
        match_talent_to_jobs(
            session, market.talent.id, state=small, filters=MatchFilters(radius_km=10.0)
        )
    assert err.value.field == "filters.radius_km"
    with pytest.raises(InvalidFilterError) as err:
        match_talent_to_jobs(
            session, market.talent.id, state=small, filters=MatchFilters(skills=("sql", "Cobol"))
        )
    assert err.value.field == "filters.skills.1"
    # Any case names a stored skill; a stored skill nobody lists is an empty page, not an error.
    make_skill(session, "Fortran")
    found = match_talent_to_jobs(
        session, market.talent.id, state=small, filters=MatchFilters(skills=("pYTHON",))
    )
    assert found.matches
    none = match_talent_to_jobs(
        session, market.talent.id, state=small, filters=MatchFilters(skills=("Fortran",))
    )
    assert none.matches == []
    assert none.next_cursor is None


def test_cursors_are_checked_against_the_request_and_the_ranking(
    session: Session, market: Market, states: tuple[MatchingState, MatchingState]
) -> None:
    small, _ = states
    first = match_talent_to_jobs(session, market.talent.id, 3, state=small, persist=False)
    cursor = first.next_cursor
    assert cursor is not None
    head, tail = cursor.split(".")
    edited = ("A" if head[0] != "A" else "B") + head[1:] + "." + tail
    for bad in (edited, head + "." + tail[::-1], "x.yyyyyyyyyyyyyyyy", head):
        with pytest.raises(InvalidCursorError) as err:
            match_talent_to_jobs(session, market.talent.id, 3, state=small, cursor=bad)
        assert err.value.field == "cursor"
    for other in (
        {"min_score": 1.0},
        {"filters": MatchFilters(seniority=frozenset({"mid"}))},
        {"include_dismissed": True},
    ):
        with pytest.raises(InvalidCursorError):
            match_talent_to_jobs(session, market.talent.id, 3, state=small, cursor=cursor, **other)
    with pytest.raises(InvalidCursorError):
        match_talent_to_jobs(session, market.talents[1].id, 3, state=small, cursor=cursor)
    assert small.model is not None
    small.swap_model(MatchingModel(small.model.booster_, ModelMetadata(version="v0.2-test")))
    with pytest.raises(StaleCursorError) as stale:
        match_talent_to_jobs(session, market.talent.id, 3, state=small, cursor=cursor)
    assert stale.value.field == "cursor"


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.sampled_from([10.0, 20.5, 20.5, 33.0, 50.0]), min_size=0, max_size=60),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=12),
    min_score=st.sampled_from([0.0, 20.5, 40.0]),
)
def test_pages_of_tied_scores_walk_the_order_without_repeats_or_gaps(
    scores: list[float], sizes: list[int], min_score: float
) -> None:
    """Many equal scores, cut anywhere by the page size: the pages are exactly the rank order
    (score descending, id ascending) of the eligible rows, in slices."""
    values = np.asarray(scores)
    ids = [uuid.UUID(int=int(i) * 7919 % 1000 + 1).hex for i in range(len(values))]
    eligible = values >= min_score
    expected = sorted(np.flatnonzero(eligible).tolist(), key=lambda i: (-values[i], ids[i]))
    walked: list[int] = []
    after = None
    for size in sizes:
        page, more = rank_page(values, ids.__getitem__, eligible, size, after)
        walked.extend(page.tolist())
        assert more == (len(walked) < len(expected))
        if not more:
            break
        after = PageKey(float(values[page[-1]]), ids[page[-1]])
    assert walked == expected[: len(walked)]
    assert len(walked) == min(len(expected), sum(sizes))
