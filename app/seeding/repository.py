"""SQL of seeding: bulk inserts (Postgres COPY, executemany elsewhere), the world's reset, and
the checks that keep a seed from writing over another one.

Functions execute and never commit: `seed_world` gives each phase one unit of work.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, delete, func, insert, select
from sqlalchemy.orm import Session

from app.db.base import Base
from app.db.models import (
    Company,
    Embedding,
    Job,
    JobSkill,
    LabelledPair,
    Match,
    MatchFeedback,
    Skill,
    Talent,
    TalentSkill,
)

# Children before parents, so deleting in this order never trips a foreign key.
WORLD_TABLES: tuple[type[Base], ...] = (
    LabelledPair,
    MatchFeedback,
    Match,
    JobSkill,
    TalentSkill,
    Job,
    Talent,
    Company,
)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def has_talents(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Talent)))


def world_exists(
    session: Session, talent_ids: Sequence[uuid.UUID], company_ids: Sequence[uuid.UUID]
) -> bool:
    """Whether any of these talents or companies is already stored."""
    return bool(
        session.scalar(select(func.count()).select_from(Talent).where(Talent.id.in_(talent_ids)))
        or session.scalar(
            select(func.count()).select_from(Company).where(Company.id.in_(company_ids))
        )
    )


def skill_ids(session: Session, names: Sequence[str]) -> dict[str, int]:
    """Id of each stored skill among `names`."""
    query = select(Skill.name, Skill.id).where(Skill.name.in_(names))
    return {name: skill_id for name, skill_id in session.execute(query)}


def insert_skills(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(_table(Skill)), list(rows))


def _copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Postgres COPY in the session's own transaction: ~5-10x executemany at 100k rows."""
    from psycopg import sql

    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Bulk-insert plain row dicts into `model`'s table (COPY on Postgres)."""
    if not rows:
        return
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
    else:
        session.execute(insert(table), rows)


def reset_world(session: Session) -> None:
    """Delete every talent, job, company and what hangs off them (skills and vectors stay).

    Kept embeddings are what makes a re-seed of unchanged texts embed nothing.
    """
    for model in WORLD_TABLES:
        session.execute(delete(_table(model)))


def prune_orphan_embeddings(session: Session) -> int:
    """Drop stored vectors whose owner no longer exists; returns how many."""
    removed = 0
    for kind, model in (("talent", Talent), ("job", Job)):
        result = session.execute(
            delete(Embedding).where(
                Embedding.owner_kind == kind,
                Embedding.owner_id.not_in(select(model.id)),
            )
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
