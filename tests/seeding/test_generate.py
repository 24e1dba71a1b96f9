"""The generator: one seed names one world; rows respect the schema's rules."""

from __future__ import annotations

import numpy as np
import pytest

from app.seeding.generate import World, generate_world
from app.seeding.vocab import load_vocab


def _fingerprint(world: World) -> tuple[object, ...]:
    t, j, c = world.talents, world.jobs, world.companies
    return (
        t.ids,
        t.owner_ids,
        t.names,
        t.occupation.tolist(),
        t.years.tolist(),
        t.salary_min.tolist(),
        t.skills.skill.tolist(),
        t.skills.level.tolist(),
        j.ids,
        j.occupation.tolist(),
        j.salary_max.tolist(),
        j.skills.skill.tolist(),
        j.skills.required.tolist(),
        c.ids,
        c.names,
    )


def test_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    a = generate_world(talents=40, jobs=20, seed=7)
    b = generate_world(talents=40, jobs=20, seed=7)
    c = generate_world(talents=40, jobs=20, seed=8)
    assert _fingerprint(a) == _fingerprint(b)
    assert a.talents.ids != c.talents.ids
    assert a.talents.skills.skill.tolist() != c.talents.skills.skill.tolist()


@pytest.mark.parametrize(("talents", "jobs", "companies"), [(40, 20, None), (7, 3, 2), (0, 0, 1)])
def test_sizes_are_honoured(talents: int, jobs: int, companies: int | None) -> None:
    world = generate_world(talents=talents, jobs=jobs, companies=companies, seed=1)
    assert len(world.talents.ids) == talents
    assert len(world.jobs.ids) == jobs
    assert len(world.companies.ids) == (companies or max(1, jobs // 5))
    assert len(set(world.talents.owner_ids)) == talents


def test_rows_respect_the_schema_rules() -> None:
    world = generate_world(talents=400, jobs=200, seed=3)
    t, j = world.talents, world.jobs
    assert ((t.years >= 0) & (t.years <= 70)).all()
    assert (t.salary_min <= t.salary_max).all()
    assert (t.salary_min >= 0).all()
    assert (j.salary_min <= j.salary_max).all()
    assert (j.salary_min >= 0).all()
    assert (j.min_years >= 0).all()
    open_ended = np.isnan(j.max_years)
    assert (j.max_years[~open_ended] >= j.min_years[~open_ended]).all()
    for lat, lon in ((t.lat, t.lon), (j.lat, j.lon)):
        assert ((lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180)).all()
    assert ((t.skills.level >= 1) & (t.skills.level <= 5)).all()
    assert ((j.skills.level >= 1) & (j.skills.level <= 5)).all()
    assert (t.skills.years <= t.years[t.skills.owner] + 1e-9).all()
    for rows in (t.skills, j.skills):
        keys = rows.owner * 10_000 + rows.skill
        assert np.unique(keys).size == keys.size
        assert (np.diff(rows.owner) >= 0).all()
    assert j.skills.required.any()
    assert np.bincount(j.skills.owner, minlength=len(j.ids)).min() >= 4
    assert 0.8 < j.is_open.mean() < 0.97


def test_seniority_follows_experience() -> None:
    world = generate_world(talents=3000, jobs=0, seed=5)
    means = [world.talents.years[world.talents.seniority == level].mean() for level in range(6)]
    assert means == sorted(means)


def test_texts_are_bounded_whatever_the_size() -> None:
    vocab = load_vocab()
    world = generate_world(talents=5000, jobs=5000, seed=2, text_variants=2)
    limit = len(vocab.occupations) * 2
    text_ids = world.jobs.occupation * 2 + world.jobs.variant
    assert np.unique(text_ids).size <= limit
    assert len(set(world.texts.job_descriptions)) <= limit
    assert len(world.texts.bios) == limit


def test_jobs_skills_come_from_their_occupation() -> None:
    world = generate_world(talents=0, jobs=100, seed=4)
    vocab = world.vocab
    for row in range(len(world.jobs.skills)):
        occ = vocab.occupations[world.jobs.occupation[world.jobs.skills.owner[row]]]
        assert world.jobs.skills.skill[row] in occ.skills
