"""Training labels from what users did, computed in SQL.

Grades (integers, so they can feed LambdaRank as they are, and order like the business value):

    contact 4  >  apply 3  >  no action 2  >  dismiss 1  >  reject 0

- apply and contact are positive (`relevant`), dismiss and reject negative; "no action" is an
  impression that drew no feedback, the unlabelled negative of the ranking.
- A pair may hold several feedback rows (one per type); the most recent one wins, ties going to
  the stronger grade.
- Position bias: an impression counts as "no action" only if it was shown at or above the
  deepest position anyone interacted with in the same request (Metarank's rule: items below
  the last interaction were probably never seen). Requests with no interaction at all give
  no negatives; impressions without a request id are kept.
- `event_at` is when the label became known (feedback time, or the last showing), which is
  what the time-based split and "new samples since the last training" use.

Everything heavy (latest-per-pair, the anti-join, the depth rule, counting) runs in the
database; Python only receives the finished label rows.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Case

from app.db.models import Match, MatchFeedback

GRADES: dict[str, int] = {"contact": 4, "apply": 3, "no_action": 2, "dismiss": 1, "reject": 0}
POSITIVE_MIN_GRADE = 3
MAX_GRADE = max(GRADES.values())


@dataclass(frozen=True, slots=True)
class LabelledInteraction:
    talent_id: uuid.UUID
    job_id: uuid.UUID
    grade: int
    action: str
    event_at: datetime
    position: int | None

    @property
    def relevant(self) -> bool:
        return self.grade >= POSITIVE_MIN_GRADE

    @property
    def score(self) -> float:
        """The grade on the 0-100 scale the product shows (seed 003, 9.1)."""
        return 100.0 * self.grade / MAX_GRADE


def _grade_case() -> Case[int]:
    return case(
        *((MatchFeedback.feedback_type == kind, grade) for kind, grade in GRADES.items()),
        else_=literal(GRADES["no_action"]),
    )


def _labels_query() -> Select[tuple[uuid.UUID, uuid.UUID, int, str, datetime, int | None]]:
    grade = _grade_case()
    ranked = select(
        MatchFeedback.talent_id,
        MatchFeedback.job_id,
        MatchFeedback.feedback_type.label("action"),
        grade.label("grade"),
        MatchFeedback.created_at.label("event_at"),
        func.row_number()
        .over(
            partition_by=(MatchFeedback.talent_id, MatchFeedback.job_id),
            order_by=(MatchFeedback.created_at.desc(), grade.desc()),
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

    has_feedback = exists().where(
        MatchFeedback.talent_id == Match.talent_id, MatchFeedback.job_id == Match.job_id
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
            ~has_feedback,
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


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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


def data_hash(labels: list[LabelledInteraction]) -> str:
    """Digest of the exact training data, stored with the version that was trained on it."""
    digest = hashlib.sha256()
    for row in labels:
        digest.update(
            f"{row.talent_id}|{row.job_id}|{row.grade}|{row.event_at.isoformat()}\n".encode()
        )
    return digest.hexdigest()
