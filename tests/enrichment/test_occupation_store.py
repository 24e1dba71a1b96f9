"""Occupation backfill against a real database (SQLite and Postgres) with the real inferrer."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import cast

import pytest
from alembic import command
from sqlalchemy import Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.migrate import alembic_config
from app.db.models import Company, Job, Talent
from app.enrichment.occupation import occupation_model_version
from app.enrichment.occupation_store import (
    infer_stale_occupations,
    min_confidence,
    stale_occupation_ids,
)
from tests.conftest import scratch_postgres_database
from tests.factories import make_job, make_talent

NEXT_VERSION = "occupation_inference_v9.0-test"
COMPANIES = cast(Table, Company.__table__)
JOBS = cast(Table, Job.__table__)


def test_the_confidence_floor_is_a_probability() -> None:
    assert 0 < min_confidence() < 1


def test_missing_codes_are_inferred_once_and_given_codes_never_change(session: Session) -> None:
    nurse = make_job(
        session, title="Registered Nurse", description="Care for patients on a hospital ward."
    )
    given = make_job(
        session,
        title="Registered Nurse",
        description="Care for patients.",
        occupation_code="15-1252.00",
        occupation_source="given",
    )
    legacy = make_job(session, title="Registered Nurse", occupation_code="15-1252.00")
    developer = make_talent(
        session, headline="Senior Python Developer", bio="I build Django web services."
    )
    session.commit()

    assert stale_occupation_ids(session, "job") == [nurse.id]
    assert stale_occupation_ids(session, "talent") == [developer.id]
    ids = [nurse.id, given.id, legacy.id]
    assert infer_stale_occupations(session, "job", ids, batch_size=2) == 1
    assert infer_stale_occupations(session, "talent", [developer.id]) == 1

    session.expire_all()
    row = session.get(Job, nurse.id)
    assert row is not None
    assert row.occupation_code == "29-1141.00"
    assert row.occupation_source == "inferred"
    assert row.occupation_model_version == occupation_model_version()
    assert row.occupation_candidates is not None
    assert row.occupation_candidates[0]["code"] == "29-1141.00"
    assert len(row.occupation_candidates) == 3
    for other in (given, legacy):
        kept = session.get(Job, other.id)
        assert kept is not None
        assert kept.occupation_code == "15-1252.00"
        assert kept.occupation_candidates is None
    assert session.get(Job, given.id).occupation_source == "given"  # type: ignore[union-attr]
    assert session.get(Job, legacy.id).occupation_source is None  # type: ignore[union-attr]
    person = session.get(Talent, developer.id)
    assert person is not None
    assert (person.occupation_code or "").startswith("15-12")

    assert stale_occupation_ids(session, "job") == []
    assert stale_occupation_ids(session, "talent") == []
    assert infer_stale_occupations(session, "job", ids) == 0


def test_a_new_model_version_makes_only_inferred_rows_stale(session: Session) -> None:
    inferred = make_job(session, title="Accountant", description="Prepare tax returns.")
    given = make_job(
        session, title="Accountant", occupation_code="13-2011.00", occupation_source="given"
    )
    session.commit()
    infer_stale_occupations(session, "job", [inferred.id, given.id])
    assert stale_occupation_ids(session, "job") == []

    assert stale_occupation_ids(session, "job", NEXT_VERSION) == [inferred.id]
    written = infer_stale_occupations(session, "job", [inferred.id, given.id], version=NEXT_VERSION)
    assert written == 1
    session.expire_all()
    again = session.get(Job, inferred.id)
    assert again is not None
    assert again.occupation_model_version == NEXT_VERSION
    kept = session.get(Job, given.id)
    assert kept is not None
    assert kept.occupation_model_version is None
    assert kept.occupation_source == "given"
    assert stale_occupation_ids(session, "job", NEXT_VERSION) == []


def test_low_confidence_keeps_the_code_unknown_but_is_not_stale(session: Session) -> None:
    noise = make_job(session, title="qwerty", description="asdf zxcv uiop")
    session.commit()
    assert infer_stale_occupations(session, "job", [noise.id]) == 1
    session.expire_all()
    row = session.get(Job, noise.id)
    assert row is not None
    assert row.occupation_code is None
    assert row.occupation_source == "inferred"
    assert row.occupation_candidates is not None
    assert row.occupation_candidates[0]["confidence"] < min_confidence()
    assert stale_occupation_ids(session, "job") == []


def test_an_unknown_occupation_source_is_refused(session: Session) -> None:
    job = make_job(session)
    session.commit()
    job.occupation_source = "guessed"
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_unknown_kind_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="kind"):
        stale_occupation_ids(session, "company")  # type: ignore[arg-type]
    assert session.scalars(select(Job.id)).all() == []


def _upgrade_marks_existing_codes_given(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = create_engine(url)
    try:
        company = uuid.uuid4()
        with_code, without = uuid.uuid4(), uuid.uuid4()
        job: dict[str, object] = {
            "company_id": company,
            "title": "Nurse",
            "description": "Care.",
            "seniority": "mid",
            "min_years": 0.0,
            "remote_policy": "onsite",
            "currency": "USD",
            "status": "open",
        }
        with engine.begin() as conn:
            conn.execute(
                insert(COMPANIES).values(
                    id=company, name="Acme", industry="Health", size="small", work_style="async"
                )
            )
            conn.execute(insert(JOBS).values(id=with_code, occupation_code="29-1141.00", **job))
            conn.execute(insert(JOBS).values(id=without, **job))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = {r[0]: r[1] for r in conn.execute(select(Job.id, Job.occupation_source))}
        assert rows == {with_code: "given", without: None}
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
    finally:
        engine.dispose()


def test_migration_marks_existing_codes_given_on_sqlite(tmp_path: Path) -> None:
    _upgrade_marks_existing_codes_given(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_migration_marks_existing_codes_given_on_postgres() -> None:
    with scratch_postgres_database("tm_occ_mig") as url:
        _upgrade_marks_existing_codes_given(url)
