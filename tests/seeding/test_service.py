"""seed_world against real databases (SQLite and Postgres) and the `app seed` command."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import main
from app.db.migrate import upgrade_head
from app.db.models import (
    Company,
    Embedding,
    Job,
    JobSkill,
    LabelledPair,
    Skill,
    Talent,
    TalentSkill,
)
from app.ml.embeddings import TextEmbedder, get_embedder
from app.seeding.errors import SeedConflictError
from app.seeding.service import seed_world

SMALL: dict[str, Any] = {"talents": 40, "jobs": 20, "pairs": 300, "seed": 42}


@pytest.fixture(scope="session")
def embedder() -> TextEmbedder:
    """The real model, loaded once for the session."""
    shared = get_embedder()
    assert shared.model is not None
    return shared


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Everything but timestamps and autoincrement ids, in a stable order."""
    return {
        "talents": sorted(
            (
                str(t.id),
                str(t.owner_user_id),
                t.full_name,
                t.headline,
                t.years_experience,
                t.seniority,
                t.salary_min,
                t.remote_preference,
                t.bio,
            )
            for t in session.scalars(select(Talent))
        ),
        "jobs": sorted(
            (
                str(j.id),
                str(j.company_id),
                j.title,
                j.seniority,
                j.salary_max,
                j.status,
                j.remote_policy,
                j.description,
            )
            for j in session.scalars(select(Job))
        ),
        "talent_skills": sorted(
            (str(talent_id), name, proficiency, years)
            for talent_id, name, proficiency, years in session.execute(
                select(
                    TalentSkill.talent_id, Skill.name, TalentSkill.proficiency, TalentSkill.years
                ).join(Skill, TalentSkill.skill_id == Skill.id)
            )
        ),
        "pairs": sorted(
            (str(p.talent_id), str(p.job_id), p.label, p.split)
            for p in session.scalars(select(LabelledPair))
        ),
    }


def test_seed_writes_the_requested_world(session: Session) -> None:
    report = seed_world(session, **SMALL, embed=False)
    assert report.counts["talents"] == _count(session, Talent) == 40
    assert report.counts["jobs"] == _count(session, Job) == 20
    assert report.counts["companies"] == _count(session, Company) == 4
    assert report.counts["labelled_pairs"] == _count(session, LabelledPair) == 300
    assert _count(session, TalentSkill) == report.counts["talent_skills"] > 40 * 4
    assert _count(session, JobSkill) == report.counts["job_skills"] >= 20 * 4
    assert _count(session, Skill) >= 300
    assert _count(session, Embedding) == 0
    sources = {*session.scalars(select(Job.occupation_source))}
    sources |= {*session.scalars(select(Talent.occupation_source))}
    assert sources == {"given"}
    train = session.scalar(
        select(func.count()).select_from(LabelledPair).where(LabelledPair.split == "train")
    )
    assert train == 240
    labels = session.scalars(select(LabelledPair.label)).all()
    assert all(0 <= label <= 100 for label in labels)
    assert report.rows_per_second > 0
    assert report.example_talents[0]["owner_user_id"]
    hot = session.scalar(select(func.count()).select_from(Skill).where(Skill.hot))
    assert hot
    industries = session.scalars(select(Talent.preferred_industries)).all()
    assert all(isinstance(value, list) for value in industries)
    assert any(value for value in industries)


def test_seeding_is_deterministic_across_runs(session: Session) -> None:
    seed_world(session, **SMALL, embed=False)
    first = _snapshot(session)
    seed_world(session, **SMALL, embed=False, reset=True)
    assert _snapshot(session) == first
    seed_world(session, **{**SMALL, "seed": 43}, embed=False, reset=True)
    assert _snapshot(session)["talents"] != first["talents"]


def test_same_seed_twice_is_refused_and_leaves_nothing_half_written(session: Session) -> None:
    seed_world(session, **SMALL, embed=False)
    before = _count(session, Talent), _count(session, TalentSkill), _count(session, LabelledPair)
    with pytest.raises(SeedConflictError, match="--seed 42"):
        seed_world(session, **SMALL, embed=False)
    after = _count(session, Talent), _count(session, TalentSkill), _count(session, LabelledPair)
    assert after == before


def test_if_empty_skips_a_populated_database(session: Session) -> None:
    seed_world(session, **SMALL, embed=False)
    report = seed_world(session, **{**SMALL, "seed": 99}, embed=False, if_empty=True)
    assert report.skipped
    assert _count(session, Talent) == 40


def test_seed_embeds_each_distinct_text_once_and_never_again(
    engine: Engine, embedder: TextEmbedder
) -> None:
    small: dict[str, Any] = {"talents": 12, "jobs": 6, "pairs": 40, "seed": 5, "text_variants": 1}
    first = seed_world(engine, **small)
    assert sum(first.texts_embedded.values()) <= sum(first.distinct_texts.values())
    with Session(engine) as session:
        assert _count(session, Embedding) == 12 + 6
    again = seed_world(engine, **small, reset=True)
    assert again.texts_embedded == {"job": 0, "talent": 0}
    with Session(engine) as session:
        assert _count(session, Embedding) == 12 + 6


def test_app_seed_command_reports_speed(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_head(url)
    args = ["seed", "--talents", "20", "--jobs", "10", "--pairs", "50", "--no-embed"]
    result = CliRunner().invoke(main, [*args, "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "rows/s" in result.output
    assert "peak RSS" in result.output
    again = CliRunner().invoke(main, [*args, "--database-url", url])
    assert again.exit_code == 1
    skipped = CliRunner().invoke(main, [*args, "--if-empty", "--database-url", url])
    assert skipped.exit_code == 0
    assert "nothing seeded" in skipped.output
