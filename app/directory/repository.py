"""SQL of the directory: the display columns of a caller's own rows and of matched ids.

Only the columns a dashboard shows, one statement each, so labelling 20 results costs one
indexed lookup and no ORM object graph.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.db.models import Company, Job, Talent


def own_talent(
    session: Session, owner_user_id: uuid.UUID
) -> Row[uuid.UUID, str, str, str | None] | None:
    """(id, full_name, headline, location_name) of the talent the user owns, if any."""
    return session.execute(
        select(Talent.id, Talent.full_name, Talent.headline, Talent.location_name).where(
            Talent.owner_user_id == owner_user_id
        )
    ).first()


def own_jobs(
    session: Session, owner_user_id: uuid.UUID, limit: int
) -> list[Row[uuid.UUID, str, str, str, str | None]]:
    """(id, title, status, company name, location_name) of the jobs of companies the user
    owns, newest first, at most `limit`."""
    return list(
        session.execute(
            select(Job.id, Job.title, Job.status, Company.name, Job.location_name)
            .join(Company, Company.id == Job.company_id)
            .where(Company.owner_user_id == owner_user_id)
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
        )
    )


def job_labels(session: Session, ids: Sequence[uuid.UUID]) -> list[Row[Any]]:
    """(id, title, name, location_name, remote_policy) per job id; `name` is the company's."""
    return list(
        session.execute(
            select(Job.id, Job.title, Company.name, Job.location_name, Job.remote_policy)
            .join(Company, Company.id == Job.company_id)
            .where(Job.id.in_(ids))
        )
    )


def talent_labels(session: Session, ids: Sequence[uuid.UUID]) -> list[Row[Any]]:
    """(id, full_name, headline, location_name, years_experience) per talent id."""
    return list(
        session.execute(
            select(
                Talent.id,
                Talent.full_name,
                Talent.headline,
                Talent.location_name,
                Talent.years_experience,
            ).where(Talent.id.in_(ids))
        )
    )
