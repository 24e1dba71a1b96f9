"""Labels from feedback and impressions: grades, latest action wins, position depth rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.db.models import MatchFeedback
from app.training.labels import GRADES, data_hash
from app.training.repository import count_labels, fetch_labels
from tests.factories import make_job, make_talent, show_matches

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _feedback(session: Session, talent, job, kind: str, at: datetime) -> None:
    session.add(
        MatchFeedback(talent_id=talent.id, job_id=job.id, feedback_type=kind, created_at=at)
    )
    session.flush()


def test_grades_are_ordered_as_documented() -> None:
    order = ["contact", "apply", "no_action", "dismiss", "reject"]
    assert [GRADES[k] for k in order] == sorted(GRADES.values(), reverse=True)


def test_latest_action_per_pair_wins(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    _feedback(session, talent, job, "apply", T0)
    _feedback(session, talent, job, "dismiss", T0 + timedelta(hours=1))
    labels = fetch_labels(session)
    assert [(r.action, r.grade, r.relevant) for r in labels] == [("dismiss", 1, False)]


def test_impressions_above_the_last_interaction_are_negatives(session: Session) -> None:
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(5)]
    show_matches(session, talent, jobs, at=T0, request_id="req-1", side=None)
    _feedback(session, talent, jobs[2], "apply", T0 + timedelta(minutes=5))
    labels = {r.job_id: r for r in fetch_labels(session)}
    # positions 1, 2 seen and skipped; 3 applied; 4, 5 below the last interaction: ignored
    assert set(labels) == {jobs[0].id, jobs[1].id, jobs[2].id}
    assert labels[jobs[0].id].action == "no_action"
    assert labels[jobs[2].id].grade == GRADES["apply"]
    assert labels[jobs[2].id].position == 3
    assert labels[jobs[2].id].score == 75.0


def test_request_without_interaction_gives_no_negatives(session: Session) -> None:
    talent = make_talent(session)
    show_matches(
        session,
        talent,
        [make_job(session) for _ in range(3)],
        at=T0,
        request_id="req-quiet",
        side=None,
    )
    assert fetch_labels(session) == []


def test_counts_and_windows_use_event_time(session: Session) -> None:
    talent = make_talent(session)
    jobs = [make_job(session) for _ in range(4)]
    for i, job in enumerate(jobs):
        _feedback(session, talent, job, "apply" if i % 2 else "reject", T0 + timedelta(days=i))
    assert count_labels(session) == 4
    assert count_labels(session, since=T0 + timedelta(days=1)) == 2
    window = fetch_labels(session, since=T0, until=T0 + timedelta(days=2))
    assert [r.event_at for r in window] == [T0 + timedelta(days=1), T0 + timedelta(days=2)]


def test_data_hash_changes_with_the_data(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    _feedback(session, talent, job, "apply", T0)
    before = data_hash(fetch_labels(session))
    _feedback(session, talent, job, "contact", T0 + timedelta(seconds=1))
    assert data_hash(fetch_labels(session)) != before


def _undo(session: Session, talent, job, side: str, at: datetime) -> None:
    session.add(
        MatchFeedback(
            talent_id=talent.id, job_id=job.id, feedback_type="undo", side=side, created_at=at
        )
    )
    session.flush()


def test_an_undone_apply_is_not_a_positive(session: Session) -> None:
    talent = make_talent(session)
    shown, unseen = make_job(session), make_job(session)
    show_matches(session, talent, [shown], at=T0, request_id="req-undo", side=None)
    for job in (shown, unseen):
        _feedback(session, talent, job, "apply", T0 + timedelta(minutes=1))
        _undo(session, talent, job, "talent", T0 + timedelta(minutes=2))
    labels = fetch_labels(session)
    # the shown job is back to "no decision" (a no-action impression); the unseen one has no label
    assert [(r.job_id, r.action, r.relevant) for r in labels] == [(shown.id, "no_action", False)]


def test_undoing_one_side_leaves_the_other_sides_decision(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    _feedback(session, talent, job, "apply", T0)
    _feedback(session, talent, job, "reject", T0 + timedelta(hours=1))
    assert [r.action for r in fetch_labels(session)] == ["reject"]
    _undo(session, talent, job, "company", T0 + timedelta(hours=2))
    assert [(r.action, r.grade) for r in fetch_labels(session)] == [("apply", GRADES["apply"])]


def test_apply_again_after_undo_is_positive_again(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    _feedback(session, talent, job, "apply", T0)
    _undo(session, talent, job, "talent", T0 + timedelta(hours=1))
    _feedback(session, talent, job, "apply", T0 + timedelta(hours=2))
    labels = fetch_labels(session)
    assert [(r.action, r.relevant, r.event_at) for r in labels] == [
        ("apply", True, T0 + timedelta(hours=2))
    ]
