"""`whoami` and `labels` on both databases: what each role owns, and display labels."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.directory.service import labels, whoami
from tests.factories import make_company, make_job, make_talent


def test_talent_gets_its_own_row_only(session: Session) -> None:
    user = uuid.uuid4()
    mine = make_talent(session, owner_user_id=user, full_name="Ada Lovelace")
    make_talent(session, owner_user_id=uuid.uuid4())
    me = whoami(session, Principal(sub=user, role="talent"))
    assert me.talent is not None
    assert me.talent.id == mine.id
    assert me.talent.full_name == "Ada Lovelace"
    assert me.jobs == []


def test_company_gets_jobs_of_every_company_it_owns_newest_first(session: Session) -> None:
    user = uuid.uuid4()
    first, second = (
        make_company(session, owner_user_id=user),
        make_company(session, owner_user_id=user),
    )
    mine = [make_job(session, company=c) for c in (first, second, first)]
    make_job(session)  # someone else's
    me = whoami(session, Principal(sub=user, role="company"))
    assert {j.id for j in me.jobs} == {j.id for j in mine}
    created = [next(m.created_at for m in mine if m.id == j.id) for j in me.jobs]
    assert created == sorted(created, reverse=True)
    assert me.talent is None


@pytest.mark.parametrize("role", ["admin", None])
def test_other_roles_own_nothing(session: Session, role: str | None) -> None:
    user = uuid.uuid4()
    make_talent(session, owner_user_id=user)
    make_job(session, company=make_company(session, owner_user_id=user))
    me = whoami(session, Principal(sub=user, role=role))  # type: ignore[arg-type]
    assert me.talent is None
    assert me.jobs == []


def test_labels_name_jobs_and_talents(session: Session) -> None:
    company = make_company(session, name="Acme")
    job = make_job(session, company=company, title="Data Engineer", location_name="Berlin")
    talent = make_talent(
        session, full_name="Ada", headline="Analyst", location_name=None, years_experience=1
    )
    assert labels(session, "job", [job.id])[job.id].title == "Data Engineer"
    assert labels(session, "job", [job.id])[job.id].subtitle.startswith("Acme · Berlin")
    found = labels(session, "talent", [talent.id, uuid.uuid4()])
    assert list(found) == [talent.id]
    assert found[talent.id].subtitle == "Analyst · 1 year"
    assert labels(session, "talent", []) == {}
