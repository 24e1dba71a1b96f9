"""Registry: one active version per model, pointer moves with history, rollback walks back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import ModelEvent
from app.ml import errors, registry


def _register(session: Session, version: str, *, activate: bool, model_id: str = "matcher"):
    return registry.register_version(
        session,
        model_id=model_id,
        version=version,
        metrics={"ndcg_at_10": 0.5},
        params={"num_leaves": 7},
        feature_list=["skill_overlap"],
        artifact_path=f"models/{model_id}/{version}/model.txt",
        artifact_sha256="a" * 64,
        train_rows=10,
        valid_rows=5,
        data_hash="b" * 64,
        training_window_start=None,
        training_window_end=None,
        created_by="test",
        activate=activate,
    )


def test_register_without_activation_is_candidate(session: Session) -> None:
    row = _register(session, "v1.0", activate=False)
    assert row.status == "candidate"
    assert not row.is_active
    assert registry.active_version(session, "matcher") is None


def test_activation_retires_previous_and_logs_events(session: Session) -> None:
    _register(session, "v1.0", activate=True)
    _register(session, "v1.1", activate=True)
    session.commit()
    statuses = {r.version: r.status for r in registry.list_versions(session, "matcher")}
    assert statuses == {"v1.0": "retired", "v1.1": "active"}
    active = registry.active_version(session, "matcher")
    assert active is not None
    assert active.version == "v1.1"
    events = session.execute(select(ModelEvent.version, ModelEvent.event).order_by(ModelEvent.id))
    assert ("v1.0", "retired") in list(events)


def test_rollback_walks_back_through_history(session: Session) -> None:
    for v in ("v1.0", "v1.1", "v1.2"):
        _register(session, v, activate=True)
    assert registry.rollback(session, "matcher", actor="admin").version == "v1.1"
    assert registry.rollback(session, "matcher", actor="admin").version == "v1.0"
    with pytest.raises(errors.NothingToRollBackError):
        registry.rollback(session, "matcher", actor="admin")
    session.commit()
    assert registry.active_version(session, "matcher").version == "v1.0"  # type: ignore[union-attr]


def test_roll_forward_then_rollback_returns_to_the_one_before(session: Session) -> None:
    for v in ("v1.0", "v1.1"):
        _register(session, v, activate=True)
    registry.activate_version(session, "v1.0", actor="admin")
    assert registry.rollback(session, "matcher", actor="admin").version == "v1.1"


def test_rejected_version_cannot_be_activated(session: Session) -> None:
    _register(session, "v1.0", activate=True)
    _register(session, "v1.1", activate=False)
    registry.reject_version(session, "v1.1", actor="pipeline", reason="worse")
    with pytest.raises(errors.ActivationRefusedError):
        registry.activate_version(session, "v1.1", actor="admin")
    assert registry.active_version(session, "matcher").version == "v1.0"  # type: ignore[union-attr]


def test_database_refuses_a_second_active_row_even_behind_the_registry(session: Session) -> None:
    _register(session, "v1.0", activate=True)
    row = _register(session, "v1.1", activate=False)
    row.is_active, row.status = True, "active"
    with pytest.raises(IntegrityError):
        session.flush()


def test_next_version_counts_up_and_skips_taken_numbers(session: Session) -> None:
    assert registry.next_version(session, "matcher") == "v1.0"
    _register(session, "v1.0", activate=True)
    _register(session, "v1.1", activate=False, model_id="ranker")
    assert registry.next_version(session, "matcher") == "v1.2"


def test_duplicate_version_is_refused(session: Session) -> None:
    _register(session, "v1.0", activate=False)
    with pytest.raises(errors.VersionExistsError):
        _register(session, "v1.0", activate=False)


def test_unknown_version_is_a_clear_error(session: Session) -> None:
    with pytest.raises(errors.VersionNotFoundError, match=r"v9\.9"):
        registry.activate_version(session, "v9.9", actor="admin")


@given(st.text(max_size=20))
def test_model_id_validation_matches_the_seed_pattern(text: str) -> None:
    ok = bool(text) and all("a" <= c <= "z" or c == "_" for c in text)
    if ok:
        assert registry.validate_model_id(text) == text
    else:
        with pytest.raises(errors.InvalidModelIdError, match="model_id"):
            registry.validate_model_id(text)


@pytest.mark.parametrize("version", ["v1.0", "v12.3", "v4.0-unified-config-enhanced", "v1.1-a1"])
def test_valid_versions(version: str) -> None:
    assert registry.validate_version(version) == version


@pytest.mark.parametrize("version", ["1.0", "v1", "v1.0-", "v1.0-UP", "v1.0_x", "v1.0\n", ""])
def test_invalid_versions_name_the_field(version: str) -> None:
    with pytest.raises(errors.InvalidVersionError, match="version"):
        registry.validate_version(version)
