"""Write a generated world into the database, then embed its (bounded) texts.

Rows go in as bulk inserts in chunks (`app.seeding.repository`: COPY on Postgres), inside one
unit of work: a failed seed leaves nothing half-written. Embedding runs afterwards, in a second
unit of work, through `ensure_embeddings`. Given an engine, `seed_world` opens a
`session_scope` per unit and commits each embedded chunk (so an interrupted run resumes);
given a session, everything joins the caller's transaction and the caller commits.
"""

from __future__ import annotations

import resource
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.core.enums import CompanySize, RemotePolicy, RemotePreference, Seniority, WorkStyle
from app.db.base import Base, utcnow
from app.db.models import (
    Company,
    Job,
    JobSkill,
    LabelledPair,
    Talent,
    TalentSkill,
)
from app.db.session import session_scope
from app.logging import get_logger
from app.seeding import repository
from app.seeding.errors import SeedConflictError
from app.seeding.generate import World, generate_world
from app.seeding.pairs import Pairs, label_pairs

if TYPE_CHECKING:
    from rich.progress import Progress

log = get_logger(__name__)
# Stored values by the integer codes the world is drawn with (a code is the value's position).
_LEVELS = tuple(m.value for m in Seniority)
_PREFERENCES = tuple(m.value for m in RemotePreference)
_POLICIES = tuple(m.value for m in RemotePolicy)
_SIZES = tuple(m.value for m in CompanySize)
_STYLES = tuple(m.value for m in WorkStyle)

CHUNK_ROWS = 10_000


@dataclass
class SeedReport:
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    distinct_texts: dict[str, int] = field(default_factory=dict)
    texts_embedded: dict[str, int] = field(default_factory=dict)
    label_mean: float = 0.0
    train_share: float = 0.0
    peak_rss_mb: float = 0.0
    example_talents: list[dict[str, str]] = field(default_factory=list)
    example_companies: list[dict[str, str]] = field(default_factory=list)
    skipped: bool = False

    @property
    def rows_written(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        seconds = self.seconds.get("write", 0.0)
        return self.rows_written / seconds if seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rows_written"] = self.rows_written
        out["rows_per_second"] = round(self.rows_per_second, 1)
        return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _chunks(rows: Sequence[Any], size: int = CHUNK_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _progress(enabled: bool) -> Progress | nullcontext[None]:
    if not enabled:
        return nullcontext()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[progress.description]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def _timestamps(now: datetime, age_days: np.ndarray[Any, Any]) -> list[datetime]:
    return [now - timedelta(days=float(d)) for d in age_days]


def _skill_ids(session: Session, world: World) -> tuple[np.ndarray[Any, Any], int]:
    """Database id per vocabulary skill, inserting the ones the table lacks."""
    names = [s.name for s in world.vocab.skills]
    existing = repository.skill_ids(session, names)
    missing = [
        {"name": s.name, "aliases": [], "category": s.category, "hot": s.hot}
        for s in world.vocab.skills
        if s.name not in existing
    ]
    if missing:
        repository.insert_skills(session, missing)
        existing = repository.skill_ids(session, names)
    return np.array([existing[n] for n in names], dtype=np.int64), len(missing)


def _company_rows(world: World, now: datetime) -> list[dict[str, Any]]:
    c = world.companies
    created = _timestamps(now, c.age_days)
    return [
        {
            "id": c.ids[i],
            "owner_user_id": c.owner_ids[i],
            "name": c.names[i],
            "industry": c.industry[i],
            "size": _SIZES[c.size[i]],
            "work_style": _STYLES[c.work_style[i]],
            "created_at": created[i],
        }
        for i in range(len(c.ids))
    ]


def _job_rows(world: World, now: datetime) -> Callable[[int, int], list[dict[str, Any]]]:
    j, texts, cities = world.jobs, world.texts, world.vocab.cities
    codes = [o.code for o in world.vocab.occupations]
    created = _timestamps(now, j.age_days)
    text_index = (j.occupation * texts.variants + j.variant).tolist()
    max_years = [None if np.isnan(v) else float(v) for v in j.max_years]
    company_ids = world.companies.ids

    def rows(start: int, stop: int) -> list[dict[str, Any]]:
        return [
            {
                "id": j.ids[i],
                "company_id": company_ids[j.company[i]],
                "title": texts.job_titles[text_index[i]],
                "description": texts.job_descriptions[text_index[i]],
                "occupation_code": codes[j.occupation[i]],
                "occupation_source": "given",
                "seniority": _LEVELS[j.seniority[i]],
                "min_years": float(j.min_years[i]),
                "max_years": max_years[i],
                "location_name": f"{cities[j.city[i]].name}, {cities[j.city[i]].country}",
                "latitude": float(j.lat[i]),
                "longitude": float(j.lon[i]),
                "timezone": cities[j.city[i]].timezone,
                "remote_policy": _POLICIES[j.remote[i]],
                "salary_min": int(j.salary_min[i]),
                "salary_max": int(j.salary_max[i]),
                "currency": "USD",
                "status": "open" if j.is_open[i] else "closed",
                "created_at": created[i],
                "updated_at": created[i],
            }
            for i in range(start, stop)
        ]

    return rows


def _talent_rows(world: World, now: datetime) -> Callable[[int, int], list[dict[str, Any]]]:
    t, texts, cities = world.talents, world.texts, world.vocab.cities
    codes = [o.code for o in world.vocab.occupations]
    created = _timestamps(now, t.age_days)
    text_index = (t.occupation * texts.variants + t.variant).tolist()

    def rows(start: int, stop: int) -> list[dict[str, Any]]:
        return [
            {
                "id": t.ids[i],
                "owner_user_id": t.owner_ids[i],
                "full_name": t.names[i],
                "headline": texts.headlines[text_index[i]],
                "occupation_code": codes[t.occupation[i]],
                "occupation_source": "given",
                "years_experience": float(t.years[i]),
                "seniority": _LEVELS[t.seniority[i]],
                "location_name": f"{cities[t.city[i]].name}, {cities[t.city[i]].country}",
                "latitude": float(t.lat[i]),
                "longitude": float(t.lon[i]),
                "timezone": cities[t.city[i]].timezone,
                "remote_preference": _PREFERENCES[t.remote[i]],
                "salary_min": int(t.salary_min[i]),
                "salary_max": int(t.salary_max[i]),
                "currency": "USD",
                "preferred_company_size": (_SIZES[t.pref_size[i]] if t.pref_size[i] >= 0 else None),
                "preferred_industries": t.pref_industries[i],
                "preferred_work_style": (
                    _STYLES[t.pref_style[i]] if t.pref_style[i] >= 0 else None
                ),
                "bio": texts.bios[text_index[i]],
                "resume_text": texts.resumes[text_index[i]],
                "created_at": created[i],
                "updated_at": created[i],
            }
            for i in range(start, stop)
        ]

    return rows


def _skill_link_rows(
    owners: list[uuid.UUID], world_rows: Any, skill_ids: np.ndarray[Any, Any], kind: str
) -> Callable[[int, int], list[dict[str, Any]]]:
    owner = world_rows.owner.tolist()
    skill = skill_ids[world_rows.skill].tolist()
    level = world_rows.level.tolist()
    years = world_rows.years.tolist()
    required = world_rows.required.tolist()

    def talent_rows(start: int, stop: int) -> list[dict[str, Any]]:
        return [
            {
                "talent_id": owners[owner[i]],
                "skill_id": skill[i],
                "proficiency": level[i],
                "years": years[i],
            }
            for i in range(start, stop)
        ]

    def job_rows(start: int, stop: int) -> list[dict[str, Any]]:
        return [
            {
                "job_id": owners[owner[i]],
                "skill_id": skill[i],
                "required": required[i],
                "min_proficiency": level[i],
            }
            for i in range(start, stop)
        ]

    return talent_rows if kind == "talent" else job_rows


def _pair_rows(world: World, pairs: Pairs, now: datetime) -> list[dict[str, Any]]:
    t_ids, j_ids = world.talents.ids, world.jobs.ids
    return [
        {
            "talent_id": t_ids[t],
            "job_id": j_ids[j],
            "label": float(label),
            "split": "train" if train else "valid",
            "created_at": now,
        }
        for t, j, label, train in zip(
            pairs.talent.tolist(),
            pairs.job.tolist(),
            pairs.label.tolist(),
            pairs.train.tolist(),
            strict=True,
        )
    ]


def _write(
    session: Session,
    model: type[Base],
    total: int,
    make_rows: Callable[[int, int], list[dict[str, Any]]],
    bar: Progress | None,
    label: str,
) -> int:
    task = bar.add_task(label, total=total) if bar is not None else None
    for start in range(0, total, CHUNK_ROWS):
        stop = min(total, start + CHUNK_ROWS)
        repository.insert_rows(session, model, make_rows(start, stop))
        if bar is not None and task is not None:
            bar.advance(task, stop - start)
    return total


def _refuse_conflicts(session: Session, world: World) -> None:
    if repository.world_exists(session, world.talents.ids[:50], world.companies.ids[:50]):
        raise SeedConflictError(
            f"the database already holds the world of --seed {world.seed}; "
            "use --reset to replace it, --if-empty to skip, or another --seed"
        )


def _examples(world: World) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    talents = [
        {"talent_id": str(world.talents.ids[i]), "owner_user_id": str(world.talents.owner_ids[i])}
        for i in range(min(2, len(world.talents.ids)))
    ]
    companies = [
        {
            "company_id": str(world.companies.ids[i]),
            "owner_user_id": str(world.companies.owner_ids[i]),
        }
        for i in range(min(2, len(world.companies.ids)))
    ]
    return talents, companies


def _unit_of_work(target: Session | Engine) -> AbstractContextManager[Session]:
    """A `session_scope` of our own for an engine; the caller's session, left to the caller
    to commit, otherwise."""
    return session_scope(target) if isinstance(target, Engine) else nullcontext(target)


def _write_world(
    session: Session,
    world: World,
    labelled: Pairs,
    report: SeedReport,
    *,
    reset: bool,
    progress: bool,
) -> None:
    """Every row of the world (after deleting the current one when `reset`); flushes only."""
    now = utcnow()
    if reset:
        repository.reset_world(session)
    _refuse_conflicts(session, world)
    skill_ids, new_skills = _skill_ids(session, world)
    report.counts["skills"] = new_skills
    with _progress(progress) as bar:
        company_rows = _company_rows(world, now)
        report.counts["companies"] = _write(
            session,
            Company,
            len(company_rows),
            lambda a, b: company_rows[a:b],
            bar,
            "companies",
        )
        report.counts["jobs"] = _write(
            session, Job, len(world.jobs.ids), _job_rows(world, now), bar, "jobs"
        )
        report.counts["job_skills"] = _write(
            session,
            JobSkill,
            len(world.jobs.skills),
            _skill_link_rows(world.jobs.ids, world.jobs.skills, skill_ids, "job"),
            bar,
            "job skills",
        )
        report.counts["talents"] = _write(
            session,
            Talent,
            len(world.talents.ids),
            _talent_rows(world, now),
            bar,
            "talents",
        )
        report.counts["talent_skills"] = _write(
            session,
            TalentSkill,
            len(world.talents.skills),
            _skill_link_rows(world.talents.ids, world.talents.skills, skill_ids, "talent"),
            bar,
            "talent skills",
        )
        pair_rows = _pair_rows(world, labelled, now)
        report.counts["labelled_pairs"] = _write(
            session,
            LabelledPair,
            len(pair_rows),
            lambda a, b: pair_rows[a:b],
            bar,
            "pairs",
        )


def seed_world(
    target: Session | Engine,
    *,
    talents: int = 1500,
    jobs: int = 300,
    companies: int | None = None,
    pairs: int = 6000,
    seed: int = 42,
    text_variants: int = 3,
    embed: bool = True,
    reset: bool = False,
    if_empty: bool = False,
    progress: bool = False,
) -> SeedReport:
    """Generate and store a world; embed its texts unless `embed=False`.

    `if_empty` skips everything when any talent exists; `reset` deletes the current world
    first. Seeding the same seed twice without either raises SeedConflictError.
    """
    report = SeedReport(seed=seed)
    with _unit_of_work(target) as session:
        if if_empty and repository.has_talents(session):
            report.skipped = True
            return report

    started = time.perf_counter()
    world = generate_world(
        talents=talents, jobs=jobs, companies=companies, seed=seed, text_variants=text_variants
    )
    labelled = label_pairs(world, pairs)
    report.seconds["generate"] = round(time.perf_counter() - started, 3)

    started = time.perf_counter()
    with _unit_of_work(target) as session:
        _write_world(session, world, labelled, report, reset=reset, progress=progress)
    report.seconds["write"] = round(time.perf_counter() - started, 3)
    report.label_mean = round(float(labelled.label.mean()), 2) if len(labelled) else 0.0
    report.train_share = round(float(labelled.train.mean()), 4) if len(labelled) else 0.0

    texts = world.texts
    report.distinct_texts = {
        "talent": int(
            np.unique(world.talents.occupation * texts.variants + world.talents.variant).size
        ),
        "job": int(np.unique(world.jobs.occupation * texts.variants + world.jobs.variant).size),
    }
    if embed:
        from app.ml.embeddings import ensure_embeddings

        started = time.perf_counter()
        with _unit_of_work(target) as session:
            # Only a unit of work of our own is committed chunk by chunk.
            checkpoint = session.commit if isinstance(target, Engine) else None
            report.texts_embedded = {
                "job": ensure_embeddings(
                    session, "job", world.jobs.ids, progress=progress, checkpoint=checkpoint
                ),
                "talent": ensure_embeddings(
                    session, "talent", world.talents.ids, progress=progress, checkpoint=checkpoint
                ),
            }
            if reset:
                repository.prune_orphan_embeddings(session)
        report.seconds["embed"] = round(time.perf_counter() - started, 3)
    report.example_talents, report.example_companies = _examples(world)
    report.peak_rss_mb = round(peak_rss_mb(), 1)
    log.info(
        "seeded",
        counts=report.counts,
        seconds=report.seconds,
        texts_embedded=report.texts_embedded,
    )
    return report
