"""SQL of the embedding store: owners' texts, stored hashes and vectors, and their upsert.

Vectors are keyed by (owner kind, owner id, model id) and carry the content hash of the text
they were computed from, so a vector is reused for any owner with the same text. Nothing here
commits: the caller's transaction owns the writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.models import Embedding, Job, Talent

# Rows per IN (...) list: well under SQLite's bound-parameter limit.
IN_CHUNK = 2000
# Rows per upsert executemany.
WRITE_CHUNK = 5000


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def owner_text_rows(
    session: Session, owner_kind: str, owner_ids: Sequence[uuid.UUID] | None
) -> Iterator[tuple[Any, ...]]:
    """(id, *text columns) of each owner: talents (headline, bio, resume_text), jobs (title,
    description); every owner of the kind when `owner_ids` is None."""
    if owner_kind == "talent":
        columns: tuple[Any, ...] = (Talent.id, Talent.headline, Talent.bio, Talent.resume_text)
        id_column: Any = Talent.id
    else:
        columns = (Job.id, Job.title, Job.description)
        id_column = Job.id
    if owner_ids is None:
        for row in session.execute(select(*columns)):
            yield tuple(row)
        return
    for part in chunks(list(dict.fromkeys(owner_ids)), IN_CHUNK):
        for row in session.execute(select(*columns).where(id_column.in_(part))):
            yield tuple(row)


def stored_hashes(
    session: Session, owner_kind: str, model_id: str, owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Content hash of the stored vector of each owner that has one under `model_id`."""
    stored: dict[uuid.UUID, str] = {}
    base = select(Embedding.owner_id, Embedding.content_hash).where(
        Embedding.owner_kind == owner_kind, Embedding.model_id == model_id
    )
    if len(owner_ids) > IN_CHUNK:
        # Cheaper to read every row of this kind than to send dozens of IN lists.
        wanted = set(owner_ids)
        for owner_id, digest in session.execute(base):
            if owner_id in wanted:
                stored[owner_id] = digest
        return stored
    for owner_id, digest in session.execute(base.where(Embedding.owner_id.in_(owner_ids))):
        stored[owner_id] = digest
    return stored


def stored_vectors(session: Session, model_id: str, hashes: Sequence[str]) -> dict[str, bytes]:
    """A stored vector (of any owner) per content hash that has one."""
    found: dict[str, bytes] = {}
    for part in chunks(hashes, IN_CHUNK):
        rows = session.execute(
            select(Embedding.content_hash, Embedding.vector).where(
                Embedding.model_id == model_id, Embedding.content_hash.in_(part)
            )
        )
        for digest, blob in rows:
            found.setdefault(digest, blob)
    return found


def _upsert(session: Session) -> Any:
    """INSERT ... ON CONFLICT (owner, model) DO UPDATE, on SQLite and Postgres alike.

    Two writers embedding the same owner at once (a seed and an API save) then both
    succeed, and the last vector wins, instead of one failing on the unique constraint.
    """
    table = cast(Table, Embedding.__table__)
    is_postgres = session.get_bind().dialect.name == "postgresql"
    stmt: Any = postgresql.insert(table) if is_postgres else sqlite.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["owner_kind", "owner_id", "model_id"],
        set_={
            "content_hash": stmt.excluded.content_hash,
            "dim": stmt.excluded.dim,
            "vector": stmt.excluded.vector,
            "created_at": stmt.excluded.created_at,
        },
    )


def write_vectors(
    session: Session,
    owner_kind: str,
    model_id: str,
    owners: Sequence[tuple[uuid.UUID, str]],
    blobs: dict[str, bytes],
    *,
    dim: int,
    now: datetime,
) -> None:
    """Store (or replace) the vector row of each (owner, content hash)."""
    rows = [
        {
            "owner_kind": owner_kind,
            "owner_id": owner_id,
            "content_hash": digest,
            "model_id": model_id,
            "dim": dim,
            "vector": blobs[digest],
            "created_at": now,
        }
        for owner_id, digest in owners
    ]
    statement = _upsert(session)
    for part in chunks(rows, WRITE_CHUNK):
        session.execute(statement, list(part))


def vector_blobs(
    session: Session, owner_kind: str, model_id: str, owner_ids: Sequence[uuid.UUID] | None
) -> list[tuple[uuid.UUID, bytes]]:
    """(owner id, vector bytes) of stored vectors: every one of the kind in insertion order
    when `owner_ids` is None, else those of `owner_ids` (any order, missing ones left out)."""
    base = select(Embedding.owner_id, Embedding.vector).where(
        Embedding.owner_kind == owner_kind, Embedding.model_id == model_id
    )
    if owner_ids is None:
        return [(r[0], r[1]) for r in session.execute(base.order_by(Embedding.id))]
    if len(owner_ids) > IN_CHUNK:
        wanted = set(owner_ids)
        return [(o, b) for o, b in session.execute(base) if o in wanted]
    return [(o, b) for o, b in session.execute(base.where(Embedding.owner_id.in_(owner_ids)))]


def open_job_vectors(session: Session, model_id: str, limit: int) -> list[tuple[str, bytes]]:
    """(content hash, vector bytes) of open jobs, most recently updated first, at most `limit`."""
    rows = session.execute(
        select(Embedding.content_hash, Embedding.vector)
        .join(Job, Job.id == Embedding.owner_id)
        .where(
            Embedding.owner_kind == "job",
            Embedding.model_id == model_id,
            Job.status == "open",
        )
        .order_by(Job.updated_at.desc())
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]
