from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ml.features import FEATURE_INDEX, UNKNOWN
from app.ml.profiles import occupation_codes
from app.training.serving_view import (
    SKILL_COLUMNS,
    UNSTATED_CONTEXT,
    ServingMix,
    extracted_skills,
    inferred_occupations,
    serving_view,
)

CODES = ["15-1252.00", "15-1253.00", "29-1141.00", "11-2021.00", "15-1252.00", "43-4051.00"]


def test_original_rows_come_first_and_every_copy_points_at_its_pair(world):
    mix = ServingMix(copies=2)
    stacked, source = serving_view(world.talents, world.t_idx, world.jobs, world.j_idx, mix)
    n = len(world.t_idx)
    assert stacked.shape == (3 * n, world.features.shape[1])
    np.testing.assert_array_equal(stacked[:n], world.features)
    np.testing.assert_array_equal(source, np.tile(np.arange(n), 3))


def _with_codes(table, rng):
    return replace(table, occupation=occupation_codes(rng.choice(CODES, len(table.ids))))


def test_copies_hide_context_and_occupations_in_the_stated_shares(world):
    rng = np.random.default_rng(3)
    talents, jobs = _with_codes(world.talents, rng), _with_codes(world.jobs, rng)
    mix = ServingMix(copies=1, missing_share=0.5, inferred_share=0.0, unstated_context_share=0.5)
    stacked, _ = serving_view(talents, world.t_idx, jobs, world.j_idx, mix)
    exact, copy = stacked[: len(world.t_idx)], stacked[len(world.t_idx) :]
    occupation = FEATURE_INDEX["occupation_match"]
    assert (exact[:, occupation] >= 0).all()
    hidden = copy[:, occupation] == UNKNOWN
    assert 0.4 < hidden.mean() < 0.6
    np.testing.assert_array_equal(copy[~hidden, occupation], exact[~hidden, occupation])
    unstated = np.all(
        [copy[:, FEATURE_INDEX[name]] == value for name, value in UNSTATED_CONTEXT.items()], axis=0
    )
    assert 0.4 < unstated.mean() < 0.6


def test_copies_change_only_what_serving_can_get_wrong(world):
    mix = ServingMix(copies=1, unstated_context_share=0.0, missing_share=0.0, inferred_share=0.0)
    stacked, _ = serving_view(world.talents, world.t_idx, world.jobs, world.j_idx, mix)
    copy = stacked[len(world.t_idx) :]
    kept = np.setdiff1d(np.arange(copy.shape[1]), SKILL_COLUMNS)
    np.testing.assert_array_equal(copy[:, kept], world.features[:, kept])
    assert not np.array_equal(copy[:, SKILL_COLUMNS], world.features[:, SKILL_COLUMNS])


def test_perfect_inference_keeps_every_code():
    codes = occupation_codes(CODES)
    out = inferred_occupations(codes, ServingMix(inferred_accuracy=1.0), np.random.default_rng(0))
    np.testing.assert_array_equal(out, codes)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), sibling=st.floats(0.0, 1.0))
def test_wrong_inference_swaps_in_another_known_code(seed, sibling):
    codes = occupation_codes([*CODES, None])
    mix = ServingMix(inferred_accuracy=0.0, sibling_share=sibling)
    out = inferred_occupations(codes, mix, np.random.default_rng(seed))
    assert out[0, -1] == -1  # an unknown code stays unknown
    for i in range(len(CODES)):
        assert not np.array_equal(out[:, i], codes[:, i]) or CODES.count(CODES[i]) > 1
        assert any(np.array_equal(out[:, i], codes[:, j]) for j in range(len(CODES)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), recall=st.floats(0.0, 1.0), generic=st.floats(0.0, 4.0))
def test_extracted_skills_are_found_skills_plus_generic_ones(world, seed, recall, generic):
    skills = world.talents.skills
    mix = ServingMix(skill_recall=recall, generic_skills=generic, generic_pool=5)
    out = extracted_skills(skills, mix, np.random.default_rng(seed))
    assert len(out.indptr) == len(skills.indptr)
    frequent = set(np.argsort(-np.bincount(skills.indices, minlength=skills.n_columns))[:5])
    for row in range(len(skills.indptr) - 1):
        held = set(skills.indices[skills.indptr[row] : skills.indptr[row + 1]].tolist())
        found = out.indices[out.indptr[row] : out.indptr[row + 1]].tolist()
        assert found == sorted(set(found))
        assert set(found) <= held | frequent
    assert (out.proficiency == 3.0).all()
    assert out.required.all()


def test_full_recall_without_generic_skills_keeps_the_skill_sets(world):
    skills = world.jobs.skills
    mix = ServingMix(skill_recall=1.0, generic_skills=0.0)
    out = extracted_skills(skills, mix, np.random.default_rng(0))
    np.testing.assert_array_equal(out.indptr, skills.indptr)
    np.testing.assert_array_equal(out.indices, skills.indices)
