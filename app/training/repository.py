"""SQL of training: run rows, the label query, the seeded labelled pairs, and the artifact
columns the model watcher polls.

Functions read, add and flush; none commits. Runs are recorded from background threads, so
each phase of a run is its own `session_scope` (`app.training.pipeline`); requests commit
through the session dependency; CLIs through `session_scope`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Integer,
    Row,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Case, ColumnElement

from app.db.models import LabelledPair, Match, MatchFeedback, MLModelVersion, TrainingRun
from app.decisions.repository import standing_decisions
from app.training.labels import GRADES, LabelledInteraction, as_utc

# Training runs


def get_run(session: Session, run_id: uuid.UUID) -> TrainingRun | None:
    return session.get(TrainingRun, run_id)


def running_run_id(session: Session) -> uuid.UUID | None:
    """The newest run still marked `running`, if any."""
    return session.scalar(
        select(TrainingRun.id)
        .where(TrainingRun.status == "running")
        .order_by(TrainingRun.started_at.desc())
        .limit(1)
    )


def fail_running_runs(session: Session, *, message: str, finished_at: datetime) -> None:
    """Close every run still marked `running` as failed (their process is gone)."""
    session.execute(
        update(TrainingRun)
        .where(TrainingRun.status == "running")
        .values(status="failed", message=message, finished_at=finished_at)
    )


def add_run(session: Session, run: TrainingRun) -> TrainingRun:
    """Add a run and flush, so its id is known before the transaction commits."""
    session.add(run)
    session.flush()
    return run


# Model versions, as training and the watcher need them


def latest_trained_version(session: Session, model_id: str) -> MLModelVersion | None:
    """The most recently trained version of `model_id`, whatever its status."""
    return session.scalar(
        select(MLModelVersion)
        .where(MLModelVersion.model_id == model_id)
        .order_by(MLModelVersion.trained_at.desc())
        .limit(1)
    )


def active_artifact(session: Session, model_id: str) -> Row[str, str, str] | None:
    """(version, artifact_path, artifact_sha256) of the active version: one indexed row,
    without the metrics JSON, because every worker polls it every few seconds."""
    return session.execute(
        select(
            MLModelVersion.version,
            MLModelVersion.artifact_path,
            MLModelVersion.artifact_sha256,
        ).where(MLModelVersion.model_id == model_id, MLModelVersion.is_active.is_(True))
    ).first()


def version_artifact(session: Session, version: str) -> Row[str, str, str] | None:
    """(version, artifact_path, artifact_sha256) of one version, None when unknown."""
    return session.execute(
        select(
            MLModelVersion.version,
            MLModelVersion.artifact_path,
            MLModelVersion.artifact_sha256,
        ).where(MLModelVersion.version == version)
    ).first()


# Seeded labelled pairs


def has_labelled_pairs(session: Session) -> bool:
    return session.scalar(select(LabelledPair.id).limit(1)) is not None


def count_labelled_pairs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(LabelledPair)) or 0)


def labelled_pair_rows(
    session: Session,
) -> Sequence[Row[uuid.UUID, uuid.UUID, float, str, datetime]]:
    """(talent_id, job_id, label, split, created_at) of every seeded pair, by id."""
    return session.execute(
        select(
            LabelledPair.talent_id,
            LabelledPair.job_id,
            LabelledPair.label,
            LabelledPair.split,
            LabelledPair.created_at,
        ).order_by(LabelledPair.id)
    ).all()


def labelled_pair_key_ranges(
    session: Session, *, split: str, size: int, limit: int | None = None
) -> list[tuple[int, int, int]]:
    """(first id, last id, rows) of consecutive key ranges of `size` pairs of one split, in id
    order; with `limit`, only the first `limit` pairs. One pass over the primary key (a row
    number per id), so partitions are exact however sparse the ids are after deletes."""
    numbered = (
        select(
            LabelledPair.id.label("id"),
            (func.row_number().over(order_by=LabelledPair.id) - 1).label("rn"),
        )
        .where(LabelledPair.split == split)
        .subquery("numbered")
    )
    bucket = (numbered.c.rn // size).label("bucket")
    stmt = select(func.min(numbered.c.id), func.max(numbered.c.id), func.count()).group_by(bucket)
    if limit is not None:
        stmt = stmt.where(numbered.c.rn < limit)
    rows = session.execute(stmt.order_by(bucket)).all()
    return [(int(first), int(last), int(count)) for first, last, count in rows]


def labelled_pairs_in_range(
    session: Session, *, split: str, first_id: int, last_id: int
) -> Sequence[Row[int, uuid.UUID, uuid.UUID, float, datetime]]:
    """(id, talent_id, job_id, label, created_at) of one split's pairs with ids in
    [first_id, last_id], by id: one partition of the distributed training read."""
    return session.execute(
        select(
            LabelledPair.id,
            LabelledPair.talent_id,
            LabelledPair.job_id,
            LabelledPair.label,
            LabelledPair.created_at,
        )
        .where(
            LabelledPair.split == split,
            LabelledPair.id >= first_id,
            LabelledPair.id <= last_id,
        )
        .order_by(LabelledPair.id)
    ).all()


# Labels from what users did (the rules are in `app.training.labels`)


def _grade_case(feedback_type: ColumnElement[str]) -> Case[int]:
    return case(
        *((feedback_type == kind, grade) for kind, grade in GRADES.items()),
        else_=literal(GRADES["no_action"]),
    )


def _labels_query() -> Select[tuple[uuid.UUID, uuid.UUID, int, str, datetime, int | None]]:
    # Standing decisions only: each side's latest feedback, none where it was undone.
    standing = standing_decisions()
    grade = _grade_case(standing.c.feedback_type)
    ranked = select(
        standing.c.talent_id,
        standing.c.job_id,
        standing.c.feedback_type.label("action"),
        grade.label("grade"),
        standing.c.created_at.label("event_at"),
        func.row_number()
        .over(
            partition_by=(standing.c.talent_id, standing.c.job_id),
            order_by=(standing.c.created_at.desc(), grade.desc()),
        )
        .label("rn"),
    ).subquery("ranked")

    best_position = (
        select(
            Match.talent_id,
            Match.job_id,
            func.min(Match.position).label("position"),
        )
        .group_by(Match.talent_id, Match.job_id)
        .subquery("best_position")
    )

    feedback_rows = select(
        ranked.c.talent_id,
        ranked.c.job_id,
        ranked.c.grade,
        ranked.c.action,
        ranked.c.event_at,
        best_position.c.position,
    ).select_from(
        ranked.outerjoin(
            best_position,
            and_(
                best_position.c.talent_id == ranked.c.talent_id,
                best_position.c.job_id == ranked.c.job_id,
            ),
        )
    )
    feedback_rows = feedback_rows.where(ranked.c.rn == 1)

    # A pair whose decisions were all undone is back to "no decision": an impression again.
    has_decision = exists().where(
        standing.c.talent_id == Match.talent_id, standing.c.job_id == Match.job_id
    )
    interacted = Match.__table__.alias("interacted")
    depth = (
        select(
            interacted.c.request_id,
            func.max(interacted.c.position).label("depth"),
        )
        .where(
            interacted.c.request_id.is_not(None),
            exists().where(
                MatchFeedback.talent_id == interacted.c.talent_id,
                MatchFeedback.job_id == interacted.c.job_id,
            ),
        )
        .group_by(interacted.c.request_id)
        .subquery("depth")
    )
    seen_not_acted = (
        select(
            Match.talent_id,
            Match.job_id,
            func.max(Match.created_at).label("event_at"),
            func.min(Match.position).label("position"),
        )
        .select_from(Match.__table__.outerjoin(depth, depth.c.request_id == Match.request_id))
        .where(
            ~has_decision,
            or_(
                Match.request_id.is_(None),
                and_(depth.c.depth.is_not(None), func.coalesce(Match.position, 0) <= depth.c.depth),
            ),
        )
        .group_by(Match.talent_id, Match.job_id)
        .subquery("seen_not_acted")
    )
    impression_rows = select(
        seen_not_acted.c.talent_id,
        seen_not_acted.c.job_id,
        literal(GRADES["no_action"], Integer).label("grade"),
        literal("no_action").label("action"),
        seen_not_acted.c.event_at,
        seen_not_acted.c.position,
    )
    combined = union_all(feedback_rows, impression_rows).subquery("labels")
    return select(
        combined.c.talent_id,
        combined.c.job_id,
        combined.c.grade,
        combined.c.action,
        combined.c.event_at,
        combined.c.position,
    )


def _window(
    stmt: Select[tuple[uuid.UUID, uuid.UUID, int, str, datetime, int | None]],
    since: datetime | None,
    until: datetime | None,
) -> Select[tuple[uuid.UUID, uuid.UUID, int, str, datetime, int | None]]:
    labels = stmt.subquery("windowed")
    out = select(
        labels.c.talent_id,
        labels.c.job_id,
        labels.c.grade,
        labels.c.action,
        labels.c.event_at,
        labels.c.position,
    )
    if since is not None:
        out = out.where(labels.c.event_at > since)
    if until is not None:
        out = out.where(labels.c.event_at <= until)
    return out


def fetch_labels(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[LabelledInteraction]:
    """Label rows with `since < event_at <= until`, oldest first (the split relies on it)."""
    stmt = _window(_labels_query(), since, until)
    labels = stmt.subquery("ordered")
    ordered = select(*labels.c).order_by(labels.c.event_at, labels.c.talent_id, labels.c.job_id)
    return [
        LabelledInteraction(
            talent_id=row.talent_id,
            job_id=row.job_id,
            grade=int(row.grade),
            action=str(row.action),
            event_at=as_utc(row.event_at),
            position=None if row.position is None else int(row.position),
        )
        for row in session.execute(ordered)
    ]


def count_labels(session: Session, *, since: datetime | None = None) -> int:
    """How many label rows arrived after `since` — the "enough new feedback?" gate, in SQL."""
    labels = _window(_labels_query(), since, None).subquery("counted")
    return int(session.scalar(select(func.count()).select_from(labels)) or 0)
