"""SQL of matching: change stamps of the candidate tables, the persistence of shown matches, and
the bounds of that impression log.

The log is bounded two ways (`app.settings`: `match_log_requests_per_subject`,
`match_log_retention_days`): per subject, only the impressions of its newest N match requests
stay; and impressions older than the retention window go. Neither removes a row the learning
loop labels (`app.training.repository._labels_query`): rows whose pair drew feedback, rows of a
showing (same request id and time) in which any pair drew feedback (the "no action" negatives
above the deepest interaction), and rows without a request id (each is a label). Every other
impression yields no label at all, so pruning it changes no training data; what it costs is a
label that feedback arriving after the window would have created.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Table, delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from app.db.base import utcnow, uuid7
from app.db.models import (
    Embedding,
    Job,
    JobSkill,
    Match,
    MatchFeedback,
    Skill,
    Talent,
    TalentSkill,
)
from app.ml.types import MatchResult

_INSERT_MATCHES = insert(cast(Table, Match.__table__))
Side = Literal["talent", "job"]


def change_stamp(session: Session, kind: str) -> tuple[Any, ...]:
    """Cheap fingerprint of everything a candidate table is built from.

    Count of candidates and newest update of the entity (of every job, so that closing one
    moves it), row count of its skill links, and count and newest write of its stored
    embeddings (a re-embedding rewrites `created_at`): any insert, delete, update or
    re-embedding moves it. Every part is an indexed aggregate (migration 0008): about 0.3 s
    on SQLite at a million rows.
    """
    if kind == "job":
        count = session.scalar(select(func.count()).select_from(Job).where(Job.status == "open"))
        newest = session.scalar(select(func.max(Job.updated_at)))
        links = session.scalar(select(func.count()).select_from(JobSkill))
    else:
        count = session.scalar(select(func.count()).select_from(Talent))
        newest = session.scalar(select(func.max(Talent.updated_at)))
        links = session.scalar(select(func.count()).select_from(TalentSkill))
    # Separate aggregates: each one is answered from an index, together they scan the table.
    kind_rows = Embedding.owner_kind == kind
    vectors = session.scalar(select(func.count()).select_from(Embedding).where(kind_rows))
    written = session.scalar(select(func.max(Embedding.created_at)).where(kind_rows))
    return (count, newest, links, vectors, written)


def candidate_count(stamp: tuple[Any, ...]) -> int:
    return int(stamp[0] or 0)


def link_count(stamp: tuple[Any, ...]) -> int:
    return int(stamp[2] or 0)


@dataclass(frozen=True, slots=True)
class RowVersion:
    """When a candidate row and its embedding were last written, and whether it is a
    candidate at all (an open job; every talent)."""

    id: uuid.UUID
    updated_at: datetime
    embedded_at: datetime | None
    live: bool


def row_versions(
    session: Session, kind: str, *, since: datetime | None = None, model_id: str
) -> list[RowVersion]:
    """Versions of every candidate (no bound), or of the rows whose entity or embedding was
    written at or after `since` (closed jobs included: they are what a delta removes).

    Two queries, one per index (`ix_<kind>s_updated_at`, `ix_embeddings_kind_created`): a
    single OR across the join scans every row, about 20 s at a million."""
    entity: Any = Job if kind == "job" else Talent
    columns: list[Any] = [entity.id, entity.updated_at, Embedding.created_at]
    if kind == "job":
        columns.append(Job.status == "open")
    stmt = select(*columns).outerjoin(
        Embedding,
        (Embedding.owner_kind == kind)
        & (Embedding.owner_id == entity.id)
        & (Embedding.model_id == model_id),
    )
    if since is None:
        queries = [stmt.where(Job.status == "open") if kind == "job" else stmt]
    else:
        re_embedded = select(Embedding.owner_id).where(
            Embedding.owner_kind == kind,
            Embedding.created_at >= since,
            Embedding.model_id == model_id,
        )
        queries = [stmt.where(entity.updated_at >= since), stmt.where(entity.id.in_(re_embedded))]
    found: dict[uuid.UUID, RowVersion] = {}
    for query in queries:
        for row in session.execute(query):
            found[row[0]] = RowVersion(
                row[0], row[1], row[2], bool(row[3]) if kind == "job" else True
            )
    return list(found.values())


def skill_names_by_id(session: Session) -> list[str]:
    """Every skill's name in id order: the order in which each process numbers skill
    columns, so that indexes written by one process read the same in another."""
    return list(session.scalars(select(Skill.name).order_by(Skill.id)))


def candidate_ids(session: Session, kind: str) -> list[uuid.UUID]:
    """Every current candidate's id: what a delta compares against when the count says a row
    disappeared without a trace (a hard delete)."""
    if kind == "job":
        return list(session.scalars(select(Job.id).where(Job.status == "open")))
    return list(session.scalars(select(Talent.id)))


def skill_names(session: Session, names: Sequence[str]) -> dict[str, str]:
    """The stored name of each of `names` that is a skill, by its case-folded spelling
    (what a skills filter may name; the candidate tables know skills by these names)."""
    wanted = {name.lower() for name in names}
    if not wanted:
        return {}
    rows = session.scalars(select(Skill.name).where(func.lower(Skill.name).in_(wanted)))
    return {name.casefold(): name for name in rows}


def persist_matches(
    session: Session,
    *,
    talent_ids: Sequence[Any],
    job_ids: Sequence[Any],
    results: Sequence[MatchResult],
    request_id: str,
    explanations: Sequence[dict[str, Any]],
    subject_side: Side | None = None,
    first_position: int = 1,
) -> None:
    """Write the shown matches (the impression log the feedback loop learns from), at
    positions `first_position, first_position + 1, ...` (a later page continues the count
    of the pages before it).

    Executed on the session's connection, so they are in the caller's transaction: the
    request commits them with everything else it wrote, or rolls them back."""
    now = utcnow()
    rows = [
        {
            "id": uuid7(),
            "created_at": now,
            "talent_id": t,
            "job_id": j,
            "ml_score": r.score,
            "ml_version": r.model_version,
            "explanation": e,
            "source": r.source,
            "position": position,
            "request_id": request_id,
            "subject_side": subject_side,
        }
        for position, (t, j, r, e) in enumerate(
            zip(talent_ids, job_ids, results, explanations, strict=True), start=first_position
        )
    ]
    if rows:
        # The table, not the entity, on the session's connection: a plain executemany,
        # without the ORM's bulk machinery (a third of the write's cost for a page of
        # matches) or its execute path; one statement object, so its cache key is reused.
        session.connection().execute(_INSERT_MATCHES, rows)


def _labelled() -> ColumnElement[bool]:
    """Rows of `matches` that the label query reads (see the module docstring)."""
    pair_feedback = exists().where(
        MatchFeedback.talent_id == Match.talent_id, MatchFeedback.job_id == Match.job_id
    )
    sibling = aliased(Match)
    interacted_showing = exists().where(
        sibling.request_id == Match.request_id,
        sibling.created_at == Match.created_at,
        exists().where(
            MatchFeedback.talent_id == sibling.talent_id, MatchFeedback.job_id == sibling.job_id
        ),
    )
    return or_(Match.request_id.is_(None), pair_feedback, interacted_showing)


def _subject_column(side: Side) -> Any:
    return Match.talent_id if side == "talent" else Match.job_id


def trim_subject_log(
    session: Session,
    side: Side,
    subject_id: uuid.UUID,
    *,
    keep_requests: int,
    older_than: datetime,
) -> int:
    """Delete the subject's unlabelled impressions beyond its newest `keep_requests` requests
    or older than `older_than`; returns the rows deleted.

    Cheap enough for the write path: it reads only the subject's own rows, through the
    (subject, created_at) index, and the log keeps that set bounded. A showing is identified
    by its time, which the server sets (request ids may be chosen by the client)."""
    column = _subject_column(side)
    mine = (column == subject_id, Match.subject_side == side)
    cutoff = (
        select(Match.created_at)
        .where(*mine)
        .group_by(Match.created_at)
        .order_by(Match.created_at.desc())
        .offset(keep_requests)
        .limit(1)
        .scalar_subquery()
    )
    result = session.execute(
        delete(Match)
        .where(
            *mine,
            or_(Match.created_at <= cutoff, Match.created_at < older_than),
            ~_labelled(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def subjects_over_cap(session: Session, side: Side, keep_requests: int) -> list[uuid.UUID]:
    """Subjects with more than `keep_requests` requests in the log."""
    column = _subject_column(side)
    return list(
        session.scalars(
            select(column)
            .where(Match.subject_side == side)
            .group_by(column)
            .having(func.count(func.distinct(Match.created_at)) > keep_requests)
        )
    )


def count_expired(session: Session, older_than: datetime) -> int:
    """Unlabelled impressions older than `older_than` (what `prune_expired` would delete)."""
    stmt = (
        select(func.count()).select_from(Match).where(Match.created_at < older_than, ~_labelled())
    )
    return int(session.scalar(stmt) or 0)


def prune_expired(session: Session, older_than: datetime, batch_size: int) -> int:
    """Delete one batch of unlabelled impressions older than `older_than`; returns its size
    (0: none left). Batches keep each transaction and its locks short on a large table."""
    ids = select(Match.id).where(Match.created_at < older_than, ~_labelled()).limit(batch_size)
    batch = list(session.scalars(ids))
    if not batch:
        return 0
    session.execute(
        delete(Match).where(Match.id.in_(batch)).execution_options(synchronize_session=False)
    )
    return len(batch)


def match_log_rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Match)) or 0)
