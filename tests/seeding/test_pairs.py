"""Labelled pairs: distinct, labelled 0-100, split 80/20, and informative."""

from __future__ import annotations

import numpy as np

from app.seeding.generate import generate_world
from app.seeding.pairs import label_pairs


def test_pairs_are_distinct_labelled_and_split() -> None:
    world = generate_world(talents=300, jobs=120, seed=11)
    pairs = label_pairs(world, 2000)
    assert len(pairs) == 2000
    keys = pairs.talent * 1000 + pairs.job
    assert np.unique(keys).size == keys.size
    assert ((pairs.label >= 0) & (pairs.label <= 100)).all()
    assert pairs.train.mean() == 0.8
    assert 20 < pairs.label.mean() < 80
    assert pairs.label.std() > 8


def test_pairs_are_deterministic() -> None:
    world = generate_world(talents=60, jobs=30, seed=12)
    a, b = label_pairs(world, 300), label_pairs(world, 300)
    assert a.talent.tolist() == b.talent.tolist()
    assert a.label.tolist() == b.label.tolist()
    assert a.train.tolist() == b.train.tolist()


def test_small_worlds_cap_pairs_at_every_combination() -> None:
    world = generate_world(talents=10, jobs=5, seed=13)
    pairs = label_pairs(world, 6000)
    assert len(pairs) == 50


def test_same_occupation_pairs_score_higher_than_strangers() -> None:
    world = generate_world(talents=500, jobs=200, seed=14)
    pairs = label_pairs(world, 4000)
    same = world.talents.occupation[pairs.talent] == world.jobs.occupation[pairs.job]
    assert same.mean() > 0.2
    assert pairs.label[same].mean() > pairs.label[~same].mean() + 10
    assert pairs.components.skills[same].mean() > pairs.components.skills[~same].mean()
