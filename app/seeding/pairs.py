"""Sample labelled talent-job pairs and label them with the hidden preference model.

Pairs are drawn the way a recruiter's shortlist looks, not uniformly: 55 % share the
talent's occupation, 25 % its major group, 20 % are random. Uniform pairs would be almost
all poor matches and teach a model little. The split is exactly 80/20 at pair level
(shuffled), so every talent may appear in both; group by talent for ranking metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.seeding.generate import BoolArray, FloatArray, IntArray, World, group_buckets
from app.seeding.preference import (
    Components,
    culture_fit,
    haversine_km,
    location_fit,
    occupation_fit,
    salary_fit,
    seniority_fit,
    skill_coverage,
)

SAME_OCCUPATION = 0.55
SAME_GROUP = 0.25
TRAIN_SHARE = 0.8


@dataclass(frozen=True)
class Pairs:
    talent: IntArray
    job: IntArray
    label: FloatArray
    train: BoolArray
    components: Components

    def __len__(self) -> int:
        return int(self.talent.shape[0])


def _draw(
    rng: np.random.Generator, world: World, m: int, occ_group: IntArray
) -> tuple[IntArray, IntArray]:
    n_talents, n_jobs = len(world.talents.ids), len(world.jobs.ids)
    talent = rng.integers(0, n_talents, size=m)
    t_occ = world.talents.occupation[talent]
    by_occ = group_buckets(world.jobs.occupation, len(world.vocab.occupations))
    by_group = group_buckets(occ_group[world.jobs.occupation], int(occ_group.max()) + 1)

    def within(key: IntArray, buckets: tuple[IntArray, IntArray, IntArray]) -> IntArray:
        order, starts, counts = buckets
        count = counts[key]
        offset = np.floor(rng.random(m) * np.maximum(count, 1)).astype(np.int64)
        picked = order[np.minimum(starts[key] + offset, n_jobs - 1)]
        return np.where(count > 0, picked, rng.integers(0, n_jobs, size=m))

    same_occ = within(t_occ, by_occ)
    same_group = within(occ_group[t_occ], by_group)
    anyone = rng.integers(0, n_jobs, size=m)
    kind = rng.random(m)
    job = np.select(
        [kind < SAME_OCCUPATION, kind < SAME_OCCUPATION + SAME_GROUP],
        [same_occ, same_group],
        anyone,
    )
    return talent.astype(np.int64), job.astype(np.int64)


def sample_pairs(rng: np.random.Generator, world: World, n: int) -> tuple[IntArray, IntArray]:
    """n distinct (talent, job) index pairs (fewer only if the world has fewer)."""
    n_talents, n_jobs = len(world.talents.ids), len(world.jobs.ids)
    n = min(n, n_talents * n_jobs)
    if n <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if n > n_talents * n_jobs // 2:
        # A small world: take a shuffled share of all pairs instead of rejection sampling.
        keys = rng.permutation(n_talents * n_jobs)[:n]
    else:
        groups = sorted(world.vocab.group_labels)
        occ_group = np.array([groups.index(o.group) for o in world.vocab.occupations])
        keys = np.zeros(0, dtype=np.int64)
        while keys.size < n:
            t, j = _draw(rng, world, int((n - keys.size) * 1.3) + 16, occ_group)
            merged = np.concatenate([keys, t * n_jobs + j])
            _, first = np.unique(merged, return_index=True)
            keys = merged[np.sort(first)]
        keys = keys[:n]
    return (keys // n_jobs).astype(np.int64), (keys % n_jobs).astype(np.int64)


def pair_components(world: World, talent: IntArray, job: IntArray) -> Components:
    """The preference model's inputs for each pair, computed from the world's columns."""
    talents, jobs, vocab = world.talents, world.jobs, world.vocab
    n = talent.shape[0]

    js = jobs.skills
    starts = np.searchsorted(js.owner, np.arange(len(jobs.ids)))
    counts = np.bincount(js.owner, minlength=len(jobs.ids))
    per_pair = counts[job]
    pair_index = np.repeat(np.arange(n), per_pair)
    offsets = np.arange(pair_index.size) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    rows = np.repeat(starts[job], per_pair) + offsets
    n_skills = len(vocab.skills)
    ts = talents.skills
    keys = ts.owner * n_skills + ts.skill
    wanted = talent[pair_index] * n_skills + js.skill[rows]
    held = np.zeros(wanted.size, dtype=np.float64)
    if keys.size:
        # Talent skill rows are sorted by (owner, skill), so their keys are sorted too.
        pos = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        held = np.where(keys[pos] == wanted, ts.level[pos], 0).astype(np.float64)
    skills = skill_coverage(
        pair_index, n, held, js.level[rows].astype(np.float64), js.required[rows]
    )

    codes = [o.code for o in vocab.occupations]
    occupation = occupation_fit(
        [codes[i] for i in talents.occupation[talent]], [codes[i] for i in jobs.occupation[job]]
    )
    seniority = seniority_fit(
        talents.seniority[talent], jobs.seniority[job], talents.years[talent], jobs.min_years[job]
    )
    offsets_h = np.array([c.utc_offset for c in vocab.cities])
    tz = np.abs(offsets_h[talents.city[talent]] - offsets_h[jobs.city[job]])
    location = location_fit(
        haversine_km(talents.lat[talent], talents.lon[talent], jobs.lat[job], jobs.lon[job]),
        np.minimum(tz, 24.0 - tz),
        jobs.remote[job],
        talents.remote[talent],
    )
    salary = salary_fit(
        talents.salary_min[talent].astype(np.float64), jobs.salary_max[job].astype(np.float64)
    )
    company = jobs.company[job]
    industries = world.companies.industry
    listed = np.array(
        [industries[c] in talents.pref_industries[t] for t, c in zip(talent, company, strict=True)],
        dtype=bool,
    )
    open_ = np.array([not talents.pref_industries[t] for t in talent], dtype=bool)
    culture = culture_fit(
        talents.pref_size[talent],
        world.companies.size[company],
        talents.pref_style[talent],
        world.companies.work_style[company],
        listed,
        open_,
    )
    return Components(skills, occupation, seniority, location, salary, culture)


def label_pairs(world: World, n: int) -> Pairs:
    """Sample and label n pairs; its own generator, so pairs never shift the world's rows."""
    rng = np.random.default_rng([world.seed, 1])
    talent, job = sample_pairs(rng, world, n)
    components = pair_components(world, talent, job)
    labels = components.label(rng)
    train = np.zeros(talent.shape[0], dtype=bool)
    train[rng.permutation(talent.shape[0])[: round(TRAIN_SHARE * talent.shape[0])]] = True
    return Pairs(talent=talent, job=job, label=labels, train=train, components=components)
