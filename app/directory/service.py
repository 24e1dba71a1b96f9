"""Read-only lookups a dashboard needs around matching: "who am I" and "what is this id".

Match results carry ids only; a person needs a job title or a talent's name next to a score.
The display columns come from app/directory/repository.py; this module shapes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.directory.repository import job_labels, own_jobs, own_talent, talent_labels

MAX_OWN_JOBS = 500

Side = Literal["job", "talent"]


@dataclass(frozen=True, slots=True)
class TalentSummary:
    id: uuid.UUID
    full_name: str
    headline: str
    location_name: str | None


@dataclass(frozen=True, slots=True)
class JobSummary:
    id: uuid.UUID
    title: str
    status: str
    company_name: str
    location_name: str | None


@dataclass(frozen=True, slots=True)
class Label:
    title: str
    subtitle: str


@dataclass(frozen=True, slots=True)
class Me:
    principal: Principal
    talent: TalentSummary | None
    jobs: list[JobSummary]


def _joined(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _years(value: float) -> str:
    return f"{value:g} year" + ("" if value == 1 else "s")


def whoami(session: Session, principal: Principal) -> Me:
    """A talent's own talent row, a company's own jobs (newest first, capped); admins own none."""
    talent: TalentSummary | None = None
    jobs: list[JobSummary] = []
    if principal.role == "talent":
        row = own_talent(session, principal.sub)
        talent = TalentSummary(*row) if row else None
    elif principal.role == "company":
        jobs = [JobSummary(*r) for r in own_jobs(session, principal.sub, MAX_OWN_JOBS)]
    return Me(principal=principal, talent=talent, jobs=jobs)


def labels(session: Session, side: Side, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Label]:
    """Title and subtitle per matched id: "Data Engineer" / "Acme · Berlin" for a job,
    "Ada Lovelace" / "Backend developer · London · 6 years" for a talent."""
    if not ids:
        return {}
    if side == "job":
        return {
            r.id: Label(r.title, _joined(r.name, r.location_name, r.remote_policy))
            for r in job_labels(session, ids)
        }
    return {
        r.id: Label(r.full_name, _joined(r.headline, r.location_name, _years(r.years_experience)))
        for r in talent_labels(session, ids)
    }
