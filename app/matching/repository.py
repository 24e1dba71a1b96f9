"""SQL of matching: change stamps of the candidate tables and the persistence of shown matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from app.db.base import utcnow, uuid7
from app.db.models import Embedding, Job, JobSkill, Match, Talent, TalentSkill
from app.ml.types import MatchResult

_INSERT_MATCHES = insert(cast(Table, Match.__table__))


def change_stamp(session: Session, kind: str) -> tuple[Any, ...]:
    """Cheap fingerprint of everything a candidate table is built from.

    Row count and newest update of the entity, row count of its skill links, and count and
    newest id of its stored embeddings: any insert, delete, update or re-embedding moves it.
    """
    if kind == "job":
        entity = session.execute(
            select(func.count(), func.max(Job.updated_at)).where(Job.status == "open")
        ).one()
        links = session.scalar(select(func.count()).select_from(JobSkill))
    else:
        entity = session.execute(select(func.count(), func.max(Talent.updated_at))).one()
        links = session.scalar(select(func.count()).select_from(TalentSkill))
    vectors = session.execute(
        select(func.count(), func.max(Embedding.id)).where(Embedding.owner_kind == kind)
    ).one()
    return (*entity, links, *vectors)


def persist_matches(
    session: Session,
    *,
    talent_ids: Sequence[Any],
    job_ids: Sequence[Any],
    results: Sequence[MatchResult],
    request_id: str,
    explanations: Sequence[dict[str, Any]],
) -> None:
    """Write the shown matches (the impression log the feedback loop learns from).

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
        }
        for position, (t, j, r, e) in enumerate(
            zip(talent_ids, job_ids, results, explanations, strict=True), start=1
        )
    ]
    if rows:
        # The table, not the entity, on the session's connection: a plain executemany,
        # without the ORM's bulk machinery (a third of the write's cost for a page of
        # matches) or its execute path; one statement object, so its cache key is reused.
        session.connection().execute(_INSERT_MATCHES, rows)
