"""Applications on SQLite and Postgres: the inbox and its scores, stage moves and their
decisions, idempotency, refused moves that write nothing, withdrawal, the talent's view."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.applications.errors import ApplicationNotFoundError, StageNotAllowedError
from app.applications.service import (
    applications_of_talent,
    contacts_of_talent,
    get_applicant,
    list_applicants,
    move_stage,
)
from app.applications.stages import ALLOWED_MOVES
from app.auth.errors import PermissionDeniedError
from app.auth.principal import Principal
from app.core.enums import (
    ApplicationStage,
    Decision,
    FeedbackSide,
    FeedbackType,
    Role,
)
from app.db.models import ApplicationStageChange, Company, Job, MatchFeedback, Talent
from app.db.session import session_scope
from app.decisions.service import decision_of_pair
from app.feedback.errors import JobClosedError
from app.feedback.service import record_feedback
from app.matching.service import MatchingState, match_job_to_talents
from tests.factories import make_company, make_job, make_skill, make_talent

S = ApplicationStage


@dataclass
class Pair:
    talent: Talent
    job: Job
    me: Principal
    company: Principal


def as_talent(talent: Talent) -> Principal:
    assert talent.owner_user_id is not None
    return Principal(talent.owner_user_id, Role.TALENT)


def as_company(company: Company) -> Principal:
    assert company.owner_user_id is not None
    return Principal(company.owner_user_id, Role.COMPANY)


@pytest.fixture
def state() -> MatchingState:
    return MatchingState(refresh_seconds=0)


@pytest.fixture
def pair(session: Session) -> Pair:
    python = make_skill(session, f"Python {uuid.uuid4().hex[:6]}")
    company = make_company(session)
    job = make_job(session, company=company, skills=[(python, True, 3)])
    talent = make_talent(session, skills=[(python, 4, 5.0)])
    session.commit()
    return Pair(talent, job, as_talent(talent), as_company(company))


def apply(session: Session, pair: Pair) -> None:
    record_feedback(session, pair.me, pair.talent.id, pair.job.id, FeedbackType.APPLY)


def rows(session: Session) -> tuple[int, int]:
    """(stage changes, feedback rows)."""
    changes = session.scalar(select(func.count()).select_from(ApplicationStageChange))
    feedback = session.scalar(select(func.count()).select_from(MatchFeedback))
    return int(changes or 0), int(feedback or 0)


def test_an_applicant_the_ranking_never_showed_is_scored_like_a_match(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    apply(session, pair)
    page = list_applicants(session, pair.company, pair.job.id, limit=20, offset=0, state=state).page
    assert page.total == 1
    (applicant,) = page.items
    assert applicant.application.stage == S.NEW
    assert applicant.label is not None
    assert applicant.label.title == pair.talent.full_name
    assert applicant.match is not None
    assert applicant.match.explanation is not None
    assert 0 <= applicant.match.score <= 100
    assert applicant.match.explanation.top_factors
    served = match_job_to_talents(session, pair.job.id, 20, persist=False, state=state)
    same = [m for m in served.matches if m.id == pair.talent.id]
    assert same
    assert same[0].score == applicant.match.score
    assert session.scalar(select(func.count()).select_from(ApplicationStageChange)) == 0


def test_moves_record_history_and_the_decision_they_stand_for(session: Session, pair: Pair) -> None:
    apply(session, pair)
    seen = []
    for stage in (S.CONTACTED, S.INTERVIEWING, S.HIRED):
        moved = move_stage(session, pair.company, pair.job.id, pair.talent.id, stage)
        assert moved.created
        assert moved.application.stage == stage
        decision = decision_of_pair(session, FeedbackSide.COMPANY, pair.talent.id, pair.job.id)
        seen.append(decision.decision if decision else None)
    assert seen == [Decision.CONTACTED] * 3  # interviewing and hired keep the contact
    history = moved.application.history
    assert [h.stage for h in history] == [S.CONTACTED, S.INTERVIEWING, S.HIRED]
    assert {(h.actor_user_id, h.actor_role) for h in history} == {(pair.company.sub, "company")}
    assert [h.changed_at for h in history] == sorted(h.changed_at for h in history)


def test_the_same_stage_again_writes_nothing(session: Session, pair: Pair) -> None:
    apply(session, pair)
    first = move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    before = rows(session)
    again = move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    assert first.created
    assert not again.created
    assert again.application == first.application
    assert rows(session) == before
    new = move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    assert not new.created


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.HIRED),
        ([], S.INTERVIEWING),
        ([S.CONTACTED], S.HIRED),
        ([S.CONTACTED], S.NEW),
        ([S.CONTACTED, S.INTERVIEWING, S.HIRED], S.REJECTED),
        ([S.REJECTED], S.CONTACTED),
    ],
)
def test_a_refused_move_is_named_and_writes_nothing(
    session: Session, pair: Pair, path: list[S], refused: S
) -> None:
    apply(session, pair)
    for stage in path:
        move_stage(session, pair.company, pair.job.id, pair.talent.id, stage)
    before = rows(session)
    with pytest.raises(StageNotAllowedError) as caught:
        move_stage(session, pair.company, pair.job.id, pair.talent.id, refused)
    assert caught.value.field == "stage"
    assert caught.value.status_code == 409
    assert rows(session) == before


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list(S)), max_size=8))
def test_any_sequence_of_moves_leaves_a_consistent_history(
    session: Session, sequence: list[S]
) -> None:
    """Allowed moves are recorded in order, refused ones leave no trace, and the current stage
    and the company's decision follow the last allowed move."""
    company = make_company(session)
    job, talent = make_job(session, company=company), make_talent(session)
    session.commit()
    me, owner = as_talent(talent), as_company(company)
    record_feedback(session, me, talent.id, job.id, FeedbackType.APPLY)
    expected, stage = [], S.NEW
    for target in sequence:
        if target == stage:
            assert not move_stage(session, owner, job.id, talent.id, target).created
        elif target in ALLOWED_MOVES[stage]:
            assert move_stage(session, owner, job.id, talent.id, target).created
            expected.append(target)
            stage = target
        else:
            with pytest.raises(StageNotAllowedError):
                move_stage(session, owner, job.id, talent.id, target)
    recorded = session.scalars(
        select(ApplicationStageChange.stage)
        .where(ApplicationStageChange.job_id == job.id)
        .order_by(ApplicationStageChange.created_at, ApplicationStageChange.id)
    ).all()
    assert list(recorded) == expected
    found = get_applicant(session, owner, job.id, talent.id, state=MatchingState())
    assert found.application.stage == stage
    decision = decision_of_pair(session, FeedbackSide.COMPANY, talent.id, job.id)
    if stage == S.REJECTED:
        assert decision is not None
        assert decision.decision == Decision.REJECTED
    elif stage == S.NEW:
        assert decision is None
    else:
        assert decision is not None
        assert decision.decision == Decision.CONTACTED


def test_a_closed_job_takes_no_stage_moves(session: Session, pair: Pair) -> None:
    apply(session, pair)
    pair.job.status = "closed"
    session.commit()
    before = rows(session)
    with pytest.raises(JobClosedError) as caught:
        move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    assert caught.value.field == "job_id"
    assert rows(session) == before


def test_no_application_no_move(session: Session, pair: Pair) -> None:
    with pytest.raises(ApplicationNotFoundError) as caught:
        move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    assert caught.value.field == "talent_id"
    assert rows(session) == (0, 0)


def test_withdrawing_ends_the_application_and_applying_again_starts_a_new_one(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    apply(session, pair)
    first = move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    # The company undoes its contact too, so nothing but the new application speaks.
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.UNDO)
    record_feedback(session, pair.me, pair.talent.id, pair.job.id, FeedbackType.UNDO)
    listed = list_applicants(
        session, pair.company, pair.job.id, limit=20, offset=0, state=state
    ).page
    assert (listed.total, listed.items) == (0, [])
    assert applications_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0).total == 0
    with pytest.raises(ApplicationNotFoundError):
        move_stage(session, pair.company, pair.job.id, pair.talent.id, S.INTERVIEWING)
    apply(session, pair)
    again = get_applicant(session, pair.company, pair.job.id, pair.talent.id, state=state)
    assert again.application.id != first.application.id
    assert (again.application.stage, again.application.history) == (S.NEW, [])


def test_a_reject_sent_through_feedback_shows_in_the_inbox_and_to_the_talent(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    apply(session, pair)
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.REJECT)
    found = get_applicant(session, pair.company, pair.job.id, pair.talent.id, state=state)
    assert (found.application.stage, found.application.history) == (S.REJECTED, [])
    mine = applications_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0)
    assert [a.application.stage for a in mine.items] == [S.REJECTED]
    with pytest.raises(StageNotAllowedError):
        move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)


def test_the_talent_sees_its_applications_with_job_and_company(
    session: Session, pair: Pair
) -> None:
    apply(session, pair)
    other = make_job(session, title="Data Engineer")
    record_feedback(session, pair.me, pair.talent.id, other.id, FeedbackType.APPLY)
    record_feedback(session, pair.me, pair.talent.id, make_job(session).id, FeedbackType.DISMISS)
    other.status = "closed"
    session.commit()
    move_stage(session, pair.company, pair.job.id, pair.talent.id, S.REJECTED)
    mine = applications_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0)
    assert mine.total == 2
    newest, oldest = mine.items
    assert (newest.job_title, newest.job_status, newest.application.stage) == (
        "Data Engineer",
        "closed",
        S.NEW,
    )
    assert (oldest.application.job_id, oldest.application.stage) == (pair.job.id, S.REJECTED)
    assert oldest.company_name == pair.job.company.name


def test_pages_are_newest_first(session: Session, state: MatchingState) -> None:
    company = make_company(session)
    job = make_job(session, company=company)
    talents = [make_talent(session) for _ in range(3)]
    session.commit()
    for talent in talents:
        record_feedback(session, as_talent(talent), talent.id, job.id, FeedbackType.APPLY)
    owner = as_company(company)
    first = list_applicants(session, owner, job.id, limit=2, offset=0, state=state).page
    rest = list_applicants(session, owner, job.id, limit=2, offset=2, state=state).page
    assert (first.total, rest.total) == (3, 3)
    ids = [a.application.talent_id for a in first.items + rest.items]
    assert ids == [t.id for t in reversed(talents)]


def test_the_inbox_filters_by_stage_and_counts_every_stage(
    session: Session, state: MatchingState
) -> None:
    company = make_company(session)
    job = make_job(session, company=company)
    talents = [make_talent(session) for _ in range(4)]
    session.commit()
    for talent in talents:
        record_feedback(session, as_talent(talent), talent.id, job.id, FeedbackType.APPLY)
    owner = as_company(company)
    move_stage(session, owner, job.id, talents[0].id, S.CONTACTED)
    move_stage(session, owner, job.id, talents[0].id, S.INTERVIEWING)
    move_stage(session, owner, job.id, talents[1].id, S.CONTACTED)
    record_feedback(session, owner, talents[2].id, job.id, FeedbackType.REJECT)  # via the list
    everyone = list_applicants(session, owner, job.id, limit=20, offset=0, state=state)
    assert everyone.stage_counts == {
        S.NEW: 1,
        S.CONTACTED: 1,
        S.INTERVIEWING: 1,
        S.HIRED: 0,
        S.REJECTED: 1,
    }
    assert everyone.page.total == 4
    for stage, talent in [
        (S.NEW, talents[3]),
        (S.CONTACTED, talents[1]),
        (S.INTERVIEWING, talents[0]),
        (S.REJECTED, talents[2]),
    ]:
        only = list_applicants(session, owner, job.id, stage=stage, limit=20, offset=0, state=state)
        assert [a.application.talent_id for a in only.page.items] == [talent.id]
        assert only.page.total == 1
        assert only.stage_counts == everyone.stage_counts
    hired = list_applicants(session, owner, job.id, stage=S.HIRED, limit=20, offset=0, state=state)
    assert (hired.page.total, hired.page.items) == (0, [])


def test_only_the_jobs_company_or_an_admin_sees_and_moves(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    apply(session, pair)
    stranger = as_company(make_company(session))
    for who in (stranger, pair.me):
        with pytest.raises(PermissionDeniedError):
            list_applicants(session, who, pair.job.id, limit=20, offset=0, state=state)
        with pytest.raises(PermissionDeniedError):
            move_stage(session, who, pair.job.id, pair.talent.id, S.CONTACTED)
    admin = Principal(uuid.uuid4(), Role.ADMIN)
    assert move_stage(session, admin, pair.job.id, pair.talent.id, S.CONTACTED).created
    with pytest.raises(PermissionDeniedError):
        applications_of_talent(session, stranger, pair.talent.id, limit=20, offset=0)


def test_concurrent_identical_moves_on_postgres_record_one(pg_engine: Engine) -> None:
    """Eight companies' tabs press "contacted" at once: one move, one decision, seven no-ops."""
    with Session(pg_engine) as setup:
        company = make_company(setup)
        job, talent = make_job(setup, company=company), make_talent(setup)
        setup.commit()
        record_feedback(setup, as_talent(talent), talent.id, job.id, FeedbackType.APPLY)
        setup.commit()
        owner, talent_id, job_id = as_company(company), talent.id, job.id
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        try:
            with session_scope(pg_engine) as s:  # like a request: the caller commits
                barrier.wait()
                results.append(move_stage(s, owner, job_id, talent_id, S.CONTACTED).created)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False] * 7 + [True]
    with Session(pg_engine) as check:
        assert rows(check) == (1, 2)  # one stage row; the apply and one contact


def rank(session: Session, job: Job, state: MatchingState) -> None:
    """The company's match list for the job: what it may contact from."""
    match_job_to_talents(session, job.id, 20, state=state)


def test_a_contact_reaches_the_talent_whether_or_not_it_applied(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    """Contacts from the match list and from the inbox both show, newest first, each with the
    talent's own answer; the status of an application is the one its own list shows."""
    other = make_job(session, title="Analytics Engineer", location_name="Lisbon")
    session.commit()
    other_company = as_company(other.company)
    rank(session, other, state)
    record_feedback(session, other_company, pair.talent.id, other.id, FeedbackType.CONTACT)
    apply(session, pair)
    move_stage(session, pair.company, pair.job.id, pair.talent.id, S.CONTACTED)
    contacts = contacts_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0)
    assert contacts.total == 2
    newest, oldest = contacts.items
    assert (newest.job_id, newest.decision) == (pair.job.id, Decision.APPLIED)
    assert newest.application is not None
    assert newest.application.stage == S.CONTACTED
    assert newest.company_name == pair.job.company.name
    assert (oldest.job_id, oldest.decision, oldest.application) == (other.id, None, None)
    assert (oldest.job_title, oldest.location_name) == ("Analytics Engineer", "Lisbon")
    assert newest.contacted_at >= oldest.contacted_at
    record_feedback(session, pair.me, pair.talent.id, other.id, FeedbackType.DISMISS)
    page = contacts_of_talent(session, pair.me, pair.talent.id, limit=1, offset=1)
    assert (page.total, [c.decision for c in page.items]) == (2, [Decision.DISMISSED])


def test_an_undone_contact_and_a_reject_do_not_show(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    rank(session, pair.job, state)
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.CONTACT)
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.UNDO)
    assert contacts_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0).total == 0
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.CONTACT)
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.REJECT)
    empty = contacts_of_talent(session, pair.me, pair.talent.id, limit=20, offset=0)
    assert (empty.total, empty.items) == (0, [])


def test_only_the_talent_itself_or_an_admin_sees_its_contacts(
    session: Session, pair: Pair, state: MatchingState
) -> None:
    rank(session, pair.job, state)
    record_feedback(session, pair.company, pair.talent.id, pair.job.id, FeedbackType.CONTACT)
    stranger = as_talent(make_talent(session))
    for who in (stranger, pair.company):
        with pytest.raises(PermissionDeniedError):
            contacts_of_talent(session, who, pair.talent.id, limit=20, offset=0)
    admin = Principal(uuid.uuid4(), Role.ADMIN)
    seen = contacts_of_talent(session, admin, pair.talent.id, limit=20, offset=0)
    assert [c.job_id for c in seen.items] == [pair.job.id]
