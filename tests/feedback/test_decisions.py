"""One current decision per side of a (talent, job) pair, with its history, on SQLite and
Postgres: replace, undo, closed jobs, who may undo what, and the read used by matching."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.principal import Principal
from app.core.enums import Decision, FeedbackSide
from app.db.models import Match, MatchFeedback, Talent
from app.decisions.service import current_decisions, decision_of_pair
from app.feedback.errors import DecisionQueryError, JobClosedError, NothingToUndoError
from app.feedback.service import list_decisions, record_feedback
from tests.factories import make_company, make_job, make_talent


def history(session: Session, talent: Talent) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(MatchFeedback)
        .where(MatchFeedback.talent_id == talent.id)
        .order_by(MatchFeedback.created_at, MatchFeedback.id)
    )
    return [(r.feedback_type, r.side) for r in rows]


def rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MatchFeedback)) or 0)


def test_apply_after_dismiss_replaces_it_and_keeps_the_history(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    me = Principal(talent.owner_user_id, "talent")
    record_feedback(session, me, talent.id, job.id, "dismiss")
    recorded = record_feedback(session, me, talent.id, job.id, "apply")
    assert (recorded.created, recorded.decision, recorded.side) == (True, "applied", "talent")
    standing = current_decisions(session, FeedbackSide.TALENT, talent_ids=[talent.id])
    assert [(d.job_id, d.decision) for d in standing] == [(job.id, Decision.APPLIED)]
    assert history(session, talent) == [("dismiss", "talent"), ("apply", "talent")]


def test_undo_clears_the_decision_and_a_second_undo_is_refused(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    me = Principal(talent.owner_user_id, "talent")
    record_feedback(session, me, talent.id, job.id, "apply")
    undone = record_feedback(session, me, talent.id, job.id, "undo")
    assert (undone.created, undone.decision, undone.side) == (True, None, "talent")
    assert decision_of_pair(session, FeedbackSide.TALENT, talent.id, job.id) is None
    with pytest.raises(NothingToUndoError) as refused:
        record_feedback(session, me, talent.id, job.id, "undo")
    assert (refused.value.status_code, refused.value.field) == (409, "type")
    assert history(session, talent) == [("apply", "talent"), ("undo", "talent")]
    again = record_feedback(session, me, talent.id, job.id, "apply")
    assert again.created
    assert decision_of_pair(session, FeedbackSide.TALENT, talent.id, job.id) is not None


def test_undo_of_nothing_writes_nothing(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    with pytest.raises(NothingToUndoError):
        record_feedback(
            session, Principal(talent.owner_user_id, "talent"), talent.id, job.id, "undo"
        )
    assert rows(session) == 0


@pytest.mark.parametrize(("who", "kind"), [("talent", "apply"), ("company", "contact")])
def test_feedback_on_a_closed_job_is_refused_naming_the_job(
    session: Session, who: str, kind: str
) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company, status="closed")
    session.add(Match(talent_id=talent.id, job_id=job.id, ml_score=60.0, source="ml"))
    session.flush()
    sender = talent.owner_user_id if who == "talent" else company.owner_user_id
    with pytest.raises(JobClosedError) as refused:
        record_feedback(session, Principal(sender, who), talent.id, job.id, kind)  # type: ignore[arg-type]
    assert (refused.value.status_code, refused.value.field) == (409, "job_id")
    assert rows(session) == 0


def test_each_side_undoes_only_its_own_decision(session: Session) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company)
    me, owner = (
        Principal(talent.owner_user_id, "talent"),
        Principal(company.owner_user_id, "company"),
    )
    record_feedback(session, me, talent.id, job.id, "apply")
    record_feedback(session, owner, talent.id, job.id, "contact")
    record_feedback(session, owner, talent.id, job.id, "undo")
    talent_side = decision_of_pair(session, FeedbackSide.TALENT, talent.id, job.id)
    assert talent_side is not None
    assert talent_side.decision == Decision.APPLIED
    assert decision_of_pair(session, FeedbackSide.COMPANY, talent.id, job.id) is None
    with pytest.raises(NothingToUndoError):  # the company has nothing left; the apply is not its
        record_feedback(session, owner, talent.id, job.id, "undo")


def test_another_talent_cannot_undo_yours(session: Session) -> None:
    mine, other, job = make_talent(session), make_talent(session), make_job(session)
    record_feedback(session, Principal(mine.owner_user_id, "talent"), mine.id, job.id, "dismiss")
    with pytest.raises(PermissionDeniedError):
        record_feedback(session, Principal(other.owner_user_id, "talent"), mine.id, job.id, "undo")
    with pytest.raises(PermissionDeniedError):
        list_decisions(
            session, Principal(other.owner_user_id, "talent"), talent_id=mine.id, job_id=None
        )
    assert decision_of_pair(session, FeedbackSide.TALENT, mine.id, job.id) is not None


def test_admin_undo_takes_back_the_most_recent_decision(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    boss = Principal(uuid.uuid4(), "admin")
    record_feedback(session, boss, talent.id, job.id, "apply")
    record_feedback(session, boss, talent.id, job.id, "reject")
    undone = record_feedback(session, boss, talent.id, job.id, "undo")
    assert undone.side == FeedbackSide.COMPANY
    assert decision_of_pair(session, FeedbackSide.TALENT, talent.id, job.id) is not None


def test_decision_lists_are_per_side_and_newest_first(session: Session) -> None:
    company = make_company(session)
    talent = make_talent(session)
    jobs = [make_job(session, company=company) for _ in range(3)]
    me = Principal(talent.owner_user_id, "talent")
    record_feedback(session, me, talent.id, jobs[0].id, "apply")
    record_feedback(session, me, talent.id, jobs[1].id, "dismiss")
    record_feedback(session, me, talent.id, jobs[2].id, "apply")
    record_feedback(session, me, talent.id, jobs[2].id, "undo")
    owner = Principal(company.owner_user_id, "company")
    record_feedback(session, owner, talent.id, jobs[0].id, "reject")
    mine = list_decisions(session, me, talent_id=talent.id, job_id=None)
    assert [(d.job_id, d.decision) for d in mine] == [
        (jobs[1].id, Decision.DISMISSED),
        (jobs[0].id, Decision.APPLIED),
    ]
    theirs = list_decisions(session, owner, talent_id=None, job_id=jobs[0].id)
    assert [(d.talent_id, d.decision) for d in theirs] == [(talent.id, Decision.REJECTED)]
    with pytest.raises(DecisionQueryError):
        list_decisions(session, me, talent_id=talent.id, job_id=jobs[0].id)
