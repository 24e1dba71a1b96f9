"""The impression log stays bounded (per subject, by age) without losing a label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Match, MatchFeedback
from app.matching.repository import (
    count_expired,
    prune_expired,
    subjects_over_cap,
    trim_subject_log,
)
from app.training.repository import fetch_labels
from tests.factories import make_job, make_talent, show_matches

NOW = datetime(2026, 6, 1, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=3650)


def _rows(session: Session) -> list[tuple[datetime, int | None]]:
    stmt = select(Match.created_at, Match.position).order_by(Match.created_at, Match.position)
    return [(r[0].replace(tzinfo=UTC), r[1]) for r in session.execute(stmt)]


def _labels(session: Session) -> list[tuple[object, ...]]:
    return [(r.talent_id, r.job_id, r.grade, r.position) for r in fetch_labels(session)]


def test_a_subject_keeps_only_its_newest_requests(session: Session) -> None:
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(3)]
    times = [NOW - timedelta(minutes=m) for m in (5, 4, 3, 2, 1)]
    for i, at in enumerate(times):
        show_matches(session, talent, jobs, at=at, request_id=f"req-{i}")
    assert subjects_over_cap(session, "talent", 2) == [talent.id]
    deleted = trim_subject_log(session, "talent", talent.id, keep_requests=2, older_than=LONG_AGO)
    assert deleted == 9
    assert sorted({at for at, _ in _rows(session)}) == times[-2:]
    assert subjects_over_cap(session, "talent", 2) == []


def test_trimming_keeps_every_labelled_impression(session: Session) -> None:
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(4)]
    old, middle, new = (NOW - timedelta(minutes=m) for m in (30, 20, 10))
    show_matches(session, talent, jobs, at=old, request_id="req-old")  # drew feedback at position 3
    show_matches(session, talent, jobs[:2], at=middle, request_id="req-middle")
    show_matches(session, talent, jobs[:1], at=new, request_id="req-new")
    session.add(MatchFeedback(talent_id=talent.id, job_id=jobs[2].id, feedback_type="apply"))
    session.flush()
    before = _labels(session)
    assert before  # the old showing gives negatives above position 3 and the apply
    trim_subject_log(session, "talent", talent.id, keep_requests=1, older_than=LONG_AGO)
    assert _labels(session) == before
    kept = _rows(session)
    assert [p for at, p in kept if at == old] == [1, 2, 3, 4]  # the interacted showing, whole
    assert [at for at, _ in kept].count(middle) == 0  # no feedback in it: gone
    assert [at for at, _ in kept].count(new) == 1


def test_another_subjects_showings_are_not_trimmed(session: Session) -> None:
    """A talent shown in many companies' job-to-talents results keeps those rows: the cap
    counts only requests the talent made (`subject_side`)."""
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(3)]
    for minute, job in enumerate(jobs):
        show_matches(session, talent, [job], at=NOW - timedelta(minutes=minute), side="job")
    trim_subject_log(session, "talent", talent.id, keep_requests=1, older_than=LONG_AGO)
    assert len(_rows(session)) == 3


def test_retention_deletes_old_unlabelled_rows_in_batches(session: Session) -> None:
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(3)]
    cutoff = NOW - timedelta(days=90)
    for day in range(4):
        show_matches(
            session, talent, jobs, at=cutoff - timedelta(days=day + 1), request_id=f"old-{day}"
        )
    show_matches(
        session, talent, jobs, at=cutoff - timedelta(days=9), request_id=None
    )  # each a label
    show_matches(session, talent, jobs, at=NOW, request_id="recent")
    before = _labels(session)
    assert count_expired(session, cutoff) == 12
    assert prune_expired(session, cutoff, batch_size=5) == 5
    assert prune_expired(session, cutoff, batch_size=5) == 5
    assert prune_expired(session, cutoff, batch_size=5) == 2
    assert prune_expired(session, cutoff, batch_size=5) == 0
    assert session.scalar(select(func.count()).select_from(Match)) == 6
    assert _labels(session) == before
