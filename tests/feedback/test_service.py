"""Feedback rules and idempotency, on SQLite and Postgres."""

from __future__ import annotations

import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.principal import Principal
from app.core.errors import NotFoundError
from app.db.models import Match, MatchFeedback
from app.db.session import session_scope
from app.feedback.service import record_feedback
from tests.factories import make_company, make_job, make_talent


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MatchFeedback)) or 0)


def shown(session: Session, talent_id: uuid.UUID, job_id: uuid.UUID) -> None:
    session.add(Match(talent_id=talent_id, job_id=job_id, ml_score=70.0, source="ml"))
    session.commit()


def test_same_triple_twice_is_one_row_and_both_succeed(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    session.commit()
    me = Principal(talent.owner_user_id, "talent")
    first = record_feedback(session, me, talent.id, job.id, "apply")
    second = record_feedback(session, me, talent.id, job.id, "apply")
    assert first.created
    assert not second.created
    assert first.id == second.id
    assert count(session) == 1
    row = session.scalars(select(MatchFeedback)).one()
    assert (row.actor_user_id, row.actor_role) == (talent.owner_user_id, "talent")


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["apply", "dismiss"]), min_size=1, max_size=8))
def test_any_sequence_of_posts_records_each_change_and_the_last_stands(
    session: Session, sequence: list[str]
) -> None:
    session.execute(MatchFeedback.__table__.delete())
    talent, job = make_talent(session), make_job(session)
    session.commit()
    me = Principal(talent.owner_user_id, "talent")
    created = [record_feedback(session, me, talent.id, job.id, t).created for t in sequence]  # type: ignore[arg-type]
    changes = [t for i, t in enumerate(sequence) if i == 0 or t != sequence[i - 1]]
    assert sum(created) == len(changes)
    rows = session.scalars(
        select(MatchFeedback)
        .where(MatchFeedback.talent_id == talent.id)
        .order_by(MatchFeedback.created_at, MatchFeedback.id)
    )
    assert [r.feedback_type for r in rows] == changes


@pytest.mark.parametrize("kind", ["apply", "dismiss"])
def test_talent_feedback_only_for_itself(session: Session, kind: str) -> None:
    mine, other, job = make_talent(session), make_talent(session), make_job(session)
    session.commit()
    me = Principal(mine.owner_user_id, "talent")
    with pytest.raises(PermissionDeniedError):
        record_feedback(session, me, other.id, job.id, kind)  # type: ignore[arg-type]
    assert count(session) == 0


@pytest.mark.parametrize("kind", ["contact", "reject"])
def test_talents_cannot_send_company_feedback(session: Session, kind: str) -> None:
    talent, job = make_talent(session), make_job(session)
    session.commit()
    with pytest.raises(PermissionDeniedError):
        record_feedback(session, Principal(talent.owner_user_id, "talent"), talent.id, job.id, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["apply", "dismiss"])
def test_companies_cannot_send_talent_feedback(session: Session, kind: str) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company)
    session.commit()
    shown(session, talent.id, job.id)
    with pytest.raises(PermissionDeniedError):
        record_feedback(
            session, Principal(company.owner_user_id, "company"), talent.id, job.id, kind
        )  # type: ignore[arg-type]


def test_company_contacts_a_talent_it_was_shown_for_its_own_job(session: Session) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company)
    session.commit()
    shown(session, talent.id, job.id)
    owner = Principal(company.owner_user_id, "company")
    assert record_feedback(session, owner, talent.id, job.id, "contact").created


def test_company_rejects_an_applicant(session: Session) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company)
    session.commit()
    record_feedback(session, Principal(talent.owner_user_id, "talent"), talent.id, job.id, "apply")
    owner = Principal(company.owner_user_id, "company")
    assert record_feedback(session, owner, talent.id, job.id, "reject").created


def test_company_cannot_act_on_talents_it_never_saw(session: Session) -> None:
    company = make_company(session)
    talent, job = make_talent(session), make_job(session, company=company)
    session.commit()
    with pytest.raises(PermissionDeniedError):
        record_feedback(
            session, Principal(company.owner_user_id, "company"), talent.id, job.id, "contact"
        )


def test_company_cannot_act_on_another_companys_job(session: Session) -> None:
    mine, theirs = make_company(session), make_company(session)
    talent, job = make_talent(session), make_job(session, company=theirs)
    session.commit()
    shown(session, talent.id, job.id)
    with pytest.raises(PermissionDeniedError):
        record_feedback(
            session, Principal(mine.owner_user_id, "company"), talent.id, job.id, "reject"
        )


def test_admin_records_anything_and_learns_about_missing_ids(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    session.commit()
    boss = Principal(uuid.uuid4(), "admin")
    for kind in ("apply", "dismiss", "contact", "reject"):
        assert record_feedback(session, boss, talent.id, job.id, kind).created  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        record_feedback(session, boss, uuid.uuid4(), job.id, "apply")
    with pytest.raises(NotFoundError):
        record_feedback(session, boss, talent.id, uuid.uuid4(), "apply")


def test_talent_applying_to_a_missing_job_is_not_found(session: Session) -> None:
    talent = make_talent(session)
    session.commit()
    with pytest.raises(NotFoundError):
        record_feedback(
            session, Principal(talent.owner_user_id, "talent"), talent.id, uuid.uuid4(), "apply"
        )


def test_concurrent_duplicates_on_postgres_leave_one_row(pg_engine: Engine) -> None:
    with Session(pg_engine) as setup:
        talent, job = make_talent(setup), make_job(setup)
        setup.commit()
        talent_id, job_id, user = talent.id, job.id, talent.owner_user_id
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        try:
            # Like a request: the caller owns the transaction and commits it.
            with session_scope(pg_engine) as s:
                barrier.wait()
                results.append(
                    record_feedback(
                        s, Principal(user, "talent"), talent_id, job_id, "apply"
                    ).created
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False] * 7 + [True]
    with Session(pg_engine) as check:
        assert count(check) == 1
