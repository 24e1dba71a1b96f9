"""Model registry: versions of each model and the one pointer that says which is live.

Promotion and rollback are pointer moves (MLflow's champion alias idea), and every move is
written to the append-only `model_events` table, so "which version served on Tuesday" and
"what do we roll back to" are both answered from history rather than from guesses.

These functions flush but never commit: the caller's session owns the transaction, so a
pointer move and its event row are committed (or rolled back) together. The database keeps
the invariant "at most one active version per model id" through a partial unique index.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import MLModelVersion, ModelEvent
from app.logging import get_logger
from app.ml.errors import (
    ActivationRefusedError,
    InvalidModelIdError,
    InvalidVersionError,
    NothingToRollBackError,
    VersionExistsError,
    VersionNotFoundError,
)

MODEL_ID_PATTERN = re.compile(r"^[a-z_]+$")
VERSION_PATTERN = re.compile(r"^v(\d+)\.(\d+)(-[a-z0-9-]+)?$")

EVENT_REGISTERED = "registered"
EVENT_ACTIVATED = "activated"
EVENT_RETIRED = "retired"
EVENT_REJECTED = "rejected"
EVENT_ROLLED_BACK = "rolled_back"

log = get_logger(__name__)


def validate_model_id(model_id: str) -> str:
    if not isinstance(model_id, str) or not MODEL_ID_PATTERN.fullmatch(model_id):
        raise InvalidModelIdError(
            f"model_id {model_id!r} is invalid: use lowercase letters and underscores "
            "(pattern ^[a-z_]+$), e.g. 'matcher'"
        )
    return model_id


def validate_version(version: str) -> str:
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version) or len(version) > 64:
        raise InvalidVersionError(
            f"version {version!r} is invalid: use v<major>.<minor> with an optional "
            "lowercase suffix (pattern ^v\\d+\\.\\d+(-[a-z0-9-]+)?$), e.g. 'v1.2' or 'v1.2-hotfix'"
        )
    return version


def _event(
    session: Session,
    model_id: str,
    version: str,
    event: str,
    actor: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        ModelEvent(
            model_id=model_id, version=version, event=event, actor=actor, details=details or {}
        )
    )


def get_version(session: Session, version: str) -> MLModelVersion:
    validate_version(version)
    row = session.scalar(select(MLModelVersion).where(MLModelVersion.version == version))
    if row is None:
        raise VersionNotFoundError(f"version {version!r} is not registered")
    return row


def active_version(session: Session, model_id: str) -> MLModelVersion | None:
    validate_model_id(model_id)
    return session.scalar(
        select(MLModelVersion).where(
            MLModelVersion.model_id == model_id, MLModelVersion.is_active.is_(True)
        )
    )


def list_versions(session: Session, model_id: str | None = None) -> list[MLModelVersion]:
    """Newest first, so the first rows of a listing are the ones an admin acts on."""
    stmt = select(MLModelVersion).order_by(MLModelVersion.id.desc())
    if model_id is not None:
        stmt = stmt.where(MLModelVersion.model_id == validate_model_id(model_id))
    return list(session.scalars(stmt))


def next_version(session: Session, model_id: str) -> str:
    """v1.0 for a new model id, then v1.1, v1.2 ... after the highest existing v1.x.

    Version strings are unique across all model ids, so a number another model already uses
    is skipped rather than colliding on insert.
    """
    validate_model_id(model_id)
    own = session.scalars(
        select(MLModelVersion.version).where(MLModelVersion.model_id == model_id)
    ).all()
    numbers = [
        (int(m.group(1)), int(m.group(2)))
        for m in (VERSION_PATTERN.fullmatch(v) for v in own)
        if m is not None
    ]
    major, minor = max(numbers, default=(1, -1))
    taken = set(session.scalars(select(MLModelVersion.version)).all())
    minor += 1
    while f"v{major}.{minor}" in taken:
        minor += 1
    return f"v{major}.{minor}"


def register_version(
    session: Session,
    *,
    model_id: str,
    version: str,
    metrics: dict[str, Any],
    params: dict[str, Any],
    feature_list: list[str],
    artifact_path: str,
    artifact_sha256: str,
    train_rows: int,
    valid_rows: int,
    data_hash: str | None,
    training_window_start: datetime | None,
    training_window_end: datetime | None,
    created_by: str | None,
    parent_version: str | None = None,
    activate: bool,
) -> MLModelVersion:
    """Record a trained artifact as a candidate, and make it live at once when `activate`."""
    validate_model_id(model_id)
    validate_version(version)
    if parent_version is not None:
        validate_version(parent_version)
    if not re.fullmatch(r"[0-9a-f]{64}", artifact_sha256 or ""):
        raise InvalidVersionError("artifact_sha256 must be 64 lowercase hex characters")
    if train_rows < 0 or valid_rows < 0:
        raise InvalidVersionError("train_rows and valid_rows must be >= 0")
    existing = session.scalar(select(MLModelVersion.id).where(MLModelVersion.version == version))
    if existing is not None:
        raise VersionExistsError(f"version {version!r} is already registered")
    row = MLModelVersion(
        model_id=model_id,
        version=version,
        status="candidate",
        is_active=False,
        metrics=metrics,
        params=params,
        feature_list=list(feature_list),
        artifact_path=artifact_path,
        artifact_sha256=artifact_sha256,
        train_rows=train_rows,
        valid_rows=valid_rows,
        data_hash=data_hash,
        training_window_start=training_window_start,
        training_window_end=training_window_end,
        created_by=created_by,
        parent_version=parent_version,
    )
    session.add(row)
    session.flush()
    _event(session, model_id, version, EVENT_REGISTERED, created_by, {"metrics": metrics})
    log.info("model_registered", model_id=model_id, version=version, activate=activate)
    if activate:
        return activate_version(session, version, actor=created_by or "system")
    session.flush()
    return row


def reject_version(
    session: Session,
    version: str,
    *,
    actor: str,
    reason: str,
    details: dict[str, Any] | None = None,
) -> MLModelVersion:
    """Mark a candidate that lost its promotion gate; its metrics stay for the record."""
    row = get_version(session, version)
    if row.is_active:
        raise ActivationRefusedError(f"version {version!r} is active; activate another first")
    row.status = "rejected"
    _event(
        session, row.model_id, version, EVENT_REJECTED, actor, {"reason": reason, **(details or {})}
    )
    session.flush()
    log.info("model_rejected", model_id=row.model_id, version=version, reason=reason)
    return row


def _lock_model_rows(session: Session, model_id: str) -> list[MLModelVersion]:
    """Row-lock every version of the model, so two concurrent pointer moves serialise (Postgres);
    SQLite serialises writers on its own."""
    return list(
        session.scalars(
            select(MLModelVersion).where(MLModelVersion.model_id == model_id).with_for_update()
        )
    )


def activation_refusal(row: MLModelVersion) -> str | None:
    """Why the registry refuses to make `row` live, or None when it accepts: the one rule
    that both activation and the model list (its `activatable` flag) apply."""
    if row.status == "rejected":
        return f"version {row.version!r} was rejected by its promotion gate and cannot be activated"
    return None


def _move_pointer(
    session: Session, target: MLModelVersion, *, actor: str, event: str, reason: str
) -> MLModelVersion:
    if (refusal := activation_refusal(target)) is not None:
        raise ActivationRefusedError(refusal)
    rows = _lock_model_rows(session, target.model_id)
    previous = next((r for r in rows if r.is_active), None)
    if previous is not None and previous.id == target.id:
        return target
    if previous is not None:
        # Retire first and flush, so the partial unique index never sees two active rows.
        previous.is_active = False
        previous.status = "retired"
        session.flush()
        _event(
            session,
            previous.model_id,
            previous.version,
            EVENT_RETIRED,
            actor,
            {"replaced_by": target.version},
        )
    target.is_active = True
    target.status = "active"
    session.flush()
    _event(
        session,
        target.model_id,
        target.version,
        event,
        actor,
        {"previous": previous.version if previous else None, "reason": reason},
    )
    session.flush()
    log.info(
        "model_activated",
        model_id=target.model_id,
        version=target.version,
        previous=previous.version if previous else None,
        change=event,
        actor=actor,
    )
    return target


def activate_version(session: Session, version: str, *, actor: str) -> MLModelVersion:
    """Make `version` the live one for its model id (promotion, roll-forward or rollback)."""
    target = get_version(session, version)
    return _move_pointer(session, target, actor=actor, event=EVENT_ACTIVATED, reason="activate")


def activation_history(session: Session, model_id: str) -> list[str]:
    """The stack of versions that were live, oldest first, as replayed from model_events.

    An activation pushes; a rollback pops the version it left. So repeated rollbacks walk
    back through history instead of toggling between the last two versions.
    """
    validate_model_id(model_id)
    events = session.execute(
        select(ModelEvent.event, ModelEvent.version)
        .where(
            ModelEvent.model_id == model_id,
            ModelEvent.event.in_((EVENT_ACTIVATED, EVENT_ROLLED_BACK)),
        )
        .order_by(ModelEvent.id)
    ).all()
    stack: list[str] = []
    for event, version in events:
        if event == EVENT_ROLLED_BACK and stack:
            stack.pop()
            while stack and stack[-1] != version and version in stack:
                stack.pop()
        if not stack or stack[-1] != version:
            stack.append(version)
    return stack


def rollback(session: Session, model_id: str, *, actor: str) -> MLModelVersion:
    """Re-activate the version that was live before the current one."""
    current = active_version(session, model_id)
    if current is None:
        raise NothingToRollBackError(f"model {model_id!r} has no active version to roll back")
    stack = activation_history(session, model_id)
    if stack and stack[-1] == current.version:
        stack.pop()
    while stack:
        candidate = session.scalar(
            select(MLModelVersion).where(MLModelVersion.version == stack[-1])
        )
        if candidate is not None and candidate.status != "rejected":
            return _move_pointer(
                session, candidate, actor=actor, event=EVENT_ROLLED_BACK, reason="rollback"
            )
        stack.pop()
    raise NothingToRollBackError(
        f"model {model_id!r} has no earlier active version than {current.version!r}"
    )
