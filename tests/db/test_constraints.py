"""The database itself refuses bad rows, on SQLite and Postgres alike."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.migrate import downgrade_base, upgrade_head
from app.db.models import MatchFeedback, MLModelVersion
from tests.factories import make_job, make_skill, make_talent


def _version(model_id: str, version: str, active: bool) -> MLModelVersion:
    return MLModelVersion(
        model_id=model_id,
        version=version,
        status="active" if active else "candidate",
        is_active=active,
        artifact_path=f"models/{version}/model.txt",
        artifact_sha256="0" * 64,
    )


def test_feedback_side_follows_the_type_and_must_be_known(session: Session) -> None:
    """Feedback is a history (a type may repeat: apply, undo, apply); each row says whose
    decision it is, derived from the type unless given."""
    talent, job = make_talent(session), make_job(session)
    rows = [
        MatchFeedback(talent_id=talent.id, job_id=job.id, feedback_type=kind)
        for kind in ("apply", "apply", "reject")
    ]
    session.add_all(rows)
    session.flush()
    assert [r.side for r in rows] == ["talent", "talent", "company"]
    session.add(MatchFeedback(talent_id=talent.id, job_id=job.id, feedback_type="undo", side="x"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_same_pair_may_hold_different_feedback_types(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    for kind in ("apply", "contact"):
        session.add(MatchFeedback(talent_id=talent.id, job_id=job.id, feedback_type=kind))
    session.flush()
    assert session.query(MatchFeedback).count() == 2


def test_unknown_feedback_type_is_refused(session: Session) -> None:
    talent, job = make_talent(session), make_job(session)
    session.add(MatchFeedback(talent_id=talent.id, job_id=job.id, feedback_type="like"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_feedback_for_missing_talent_is_refused(session: Session) -> None:
    job = make_job(session)
    session.add(MatchFeedback(talent_id=uuid.uuid4(), job_id=job.id, feedback_type="apply"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_two_active_versions_of_one_model_are_refused(session: Session) -> None:
    session.add(_version("matcher", "v1.0", active=True))
    session.flush()
    session.add(_version("matcher", "v1.1", active=True))
    with pytest.raises(IntegrityError):
        session.flush()


def test_active_versions_of_different_models_coexist(session: Session) -> None:
    session.add_all([_version("matcher", "v1.0", True), _version("ranker", "v1.0-r", True)])
    session.flush()
    assert session.query(MLModelVersion).filter_by(is_active=True).count() == 2


def test_is_active_must_agree_with_status(session: Session) -> None:
    row = _version("matcher", "v2.0", active=False)
    row.is_active = True
    session.add(row)
    with pytest.raises(IntegrityError):
        session.flush()


def test_duplicate_version_string_is_refused(session: Session) -> None:
    session.add(_version("matcher", "v3.0", active=False))
    session.flush()
    session.add(_version("matcher", "v3.0", active=False))
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seniority", "wizard"),
        ("years_experience", -1.0),
        ("latitude", 123.0),
        ("remote_preference", "moon"),
    ],
)
def test_talent_field_constraints(session: Session, field: str, value: object) -> None:
    with pytest.raises(IntegrityError):
        make_talent(session, **{field: value})


def test_salary_range_must_be_ordered(session: Session) -> None:
    with pytest.raises(IntegrityError):
        make_job(session, salary_min=100_000, salary_max=50_000)


def test_proficiency_outside_one_to_five_is_refused(session: Session) -> None:
    skill = make_skill(session)
    with pytest.raises(IntegrityError):
        make_talent(session, skills=[(skill, 6, 1.0)])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_then_downgrade_round_trip(
    backend: str, request: pytest.FixtureRequest, tmp_path: object
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/roundtrip.db"
    else:
        url = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/"
        url += _fresh_pg_database(request)
    upgrade_head(url)
    engine = _engine(url)
    assert "match_feedback" in inspect(engine).get_table_names()
    engine.dispose()
    downgrade_base(url)
    engine = _engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def _engine(url: str) -> Engine:
    from app.db.session import make_engine

    return make_engine(url)


def _fresh_pg_database(request: pytest.FixtureRequest) -> str:
    from sqlalchemy import create_engine, text

    from tests.conftest import _admin_pg_url

    name = f"tm_rt_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_pg_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def _drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(_drop)
    return name
