"""SQL that reads talents and jobs as profiles and feature tables (serving and training).

Profiles are read column-wise in a handful of queries (rows, skills, embeddings), never one
ORM object graph per talent, so building a 100k-row candidate table stays a bulk read.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.enums import EMBEDDING_DIM
from app.db.models import Company, Job, JobSkill, Skill, Talent, TalentSkill
from app.ml.embeddings import load_embedding_matrix
from app.ml.profiles import JobTable, SkillVocab, TalentTable, job_table, talent_table
from app.ml.types import JobProfile, SkillLevel, TalentProfile

IN_CHUNK = 2000


def _chunks(items: Sequence[uuid.UUID], size: int = IN_CHUNK) -> list[Sequence[uuid.UUID]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _talent_skills(
    session: Session, ids: Sequence[uuid.UUID] | None
) -> dict[uuid.UUID, list[SkillLevel]]:
    stmt = select(
        TalentSkill.talent_id, Skill.name, TalentSkill.proficiency, TalentSkill.years
    ).join(Skill, Skill.id == TalentSkill.skill_id)
    out: dict[uuid.UUID, list[SkillLevel]] = defaultdict(list)
    parts = [None] if ids is None else _chunks(ids)
    for part in parts:
        query = stmt if part is None else stmt.where(TalentSkill.talent_id.in_(part))
        for owner, name, proficiency, years in session.execute(query):
            out[owner].append(SkillLevel(name, int(proficiency), float(years or 0.0), False))
    return out


def _job_skills(
    session: Session, ids: Sequence[uuid.UUID] | None
) -> dict[uuid.UUID, list[SkillLevel]]:
    stmt = select(JobSkill.job_id, Skill.name, JobSkill.min_proficiency, JobSkill.required).join(
        Skill, Skill.id == JobSkill.skill_id
    )
    out: dict[uuid.UUID, list[SkillLevel]] = defaultdict(list)
    parts = [None] if ids is None else _chunks(ids)
    for part in parts:
        query = stmt if part is None else stmt.where(JobSkill.job_id.in_(part))
        for owner, name, min_proficiency, required in session.execute(query):
            out[owner].append(SkillLevel(name, int(min_proficiency), 0.0, bool(required)))
    return out


_TALENT_COLUMNS: tuple[Any, ...] = (
    Talent.id,
    Talent.years_experience,
    Talent.seniority,
    Talent.latitude,
    Talent.longitude,
    Talent.timezone,
    Talent.remote_preference,
    Talent.salary_min,
    Talent.salary_max,
    Talent.currency,
    Talent.preferred_company_size,
    Talent.preferred_industries,
    Talent.preferred_work_style,
    Talent.occupation_code,
)
_JOB_COLUMNS: tuple[Any, ...] = (
    Job.id,
    Job.company_id,
    Job.seniority,
    Job.min_years,
    Job.max_years,
    Job.latitude,
    Job.longitude,
    Job.timezone,
    Job.remote_policy,
    Job.salary_min,
    Job.salary_max,
    Job.currency,
    Company.size,
    Company.industry,
    Company.work_style,
    Job.occupation_code,
)


def load_talent_profiles(
    session: Session, ids: Sequence[uuid.UUID] | None = None
) -> list[TalentProfile]:
    """Talents (all, or the given ids in that order; unknown ids are left out)."""
    stmt = select(*_TALENT_COLUMNS)
    rows: list[Any] = []
    if ids is None:
        rows = list(session.execute(stmt.order_by(Talent.created_at, Talent.id)))
    else:
        found = {}
        for part in _chunks(ids):
            for row in session.execute(stmt.where(Talent.id.in_(part))):
                found[row[0]] = row
        rows = [found[i] for i in ids if i in found]
    skills = _talent_skills(session, None if ids is None else [r[0] for r in rows])
    return [
        TalentProfile(
            skills=skills.get(r[0], []),
            years_experience=float(r[1]),
            seniority=r[2],
            id=r[0],
            latitude=r[3],
            longitude=r[4],
            timezone=r[5],
            remote_preference=r[6],
            salary_min=r[7],
            salary_max=r[8],
            currency=r[9] or "USD",
            preferred_company_size=r[10],
            preferred_industries=list(r[11] or []),
            preferred_work_style=r[12],
            occupation_code=r[13],
        )
        for r in rows
    ]


def load_job_profiles(
    session: Session, ids: Sequence[uuid.UUID] | None = None, *, open_only: bool = False
) -> list[JobProfile]:
    """Jobs with their company's culture fields (all, or the given ids in that order)."""
    stmt = select(*_JOB_COLUMNS).join(Company, Company.id == Job.company_id)
    if open_only:
        stmt = stmt.where(Job.status == "open")
    rows: list[Any] = []
    if ids is None:
        rows = list(session.execute(stmt.order_by(Job.created_at, Job.id)))
    else:
        found = {}
        for part in _chunks(ids):
            for row in session.execute(stmt.where(Job.id.in_(part))):
                found[row[0]] = row
        rows = [found[i] for i in ids if i in found]
    skills = _job_skills(session, None if ids is None else [r[0] for r in rows])
    return [
        JobProfile(
            skills=skills.get(r[0], []),
            seniority=r[2],
            min_years=float(r[3] or 0.0),
            max_years=r[4],
            id=r[0],
            company_id=r[1],
            latitude=r[5],
            longitude=r[6],
            timezone=r[7],
            remote_policy=r[8],
            salary_min=r[9],
            salary_max=r[10],
            currency=r[11] or "USD",
            company_size=r[12],
            company_industry=r[13],
            company_work_style=r[14],
            occupation_code=r[15],
        )
        for r in rows
    ]


def _aligned_embeddings(
    session: Session, kind: str, ids: Sequence[uuid.UUID]
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """(n, 384) in `ids` order; rows without a stored vector stay zero (= no embedding)."""
    matrix = np.zeros((len(ids), EMBEDDING_DIM), dtype=np.float32)
    if not ids:
        return matrix
    found_ids, vectors = load_embedding_matrix(session, kind, list(ids))  # type: ignore[arg-type]
    position = {owner: i for i, owner in enumerate(ids)}
    if found_ids:
        matrix[[position[o] for o in found_ids]] = vectors
    return matrix


def load_talent_table(
    session: Session, vocab: SkillVocab, ids: Sequence[uuid.UUID] | None = None
) -> TalentTable:
    profiles = load_talent_profiles(session, ids)
    embeddings = _aligned_embeddings(session, "talent", [p.id for p in profiles if p.id])
    return talent_table(profiles, vocab, embeddings)


def load_job_table(
    session: Session,
    vocab: SkillVocab,
    ids: Sequence[uuid.UUID] | None = None,
    *,
    open_only: bool = False,
) -> JobTable:
    profiles = load_job_profiles(session, ids, open_only=open_only)
    embeddings = _aligned_embeddings(session, "job", [p.id for p in profiles if p.id])
    return job_table(profiles, vocab, embeddings)
