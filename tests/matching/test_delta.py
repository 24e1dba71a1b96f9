"""Deltas applied to a candidate index give the index a fresh build of the same rows would.

Every check compares by candidate id: the delta-applied index (dead rows, rows appended in the
free room, a skill tail) against `CandidateIndex.build` of the final profiles.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.delta import apply_rows, compacted
from app.matching.filters import MatchFilters, allowed_rows
from app.matching.retrieval import CandidateIndex, shortlist, stage_one
from app.matching.rows import NoRoom
from app.ml.features import FEATURE_NAMES
from app.ml.profiles import SkillVocab, job_table, talent_table
from tests.matching.conftest import SKILLS, random_job, random_talent

OCCUPATIONS = ["15-1252.00", "15-1253.00", "13-2011.00", "29-1141.00", None]
EXACT_TEXT = 384  # full-dimension basis: stage 1's text column is then the exact cosine


def _profile(rng: np.random.Generator, side: str):
    make = random_job if side == "job" else random_talent
    return replace(make(rng), occupation_code=OCCUPATIONS[rng.integers(len(OCCUPATIONS))])


def _table(side: str, profiles, vocab: SkillVocab):
    return (job_table if side == "job" else talent_table)(profiles, vocab)


def _by_id(index: CandidateIndex, subject, weights=None) -> dict:
    """Every live candidate's stage-1 feature row (all candidates kept), by id."""
    stage = stage_one(subject, index, weights)
    return {
        index.table.ids[row]: tuple(np.round(stage.features[i], 9))
        for i, row in enumerate(stage.rows.tolist())
    }


def _edited(rng: np.random.Generator, side: str, profiles: dict, rounds: int):
    """Random removals, replacements (same id, new content) and additions, per round."""
    for _ in range(rounds):
        ids = list(profiles)
        removed = [ids[i] for i in rng.choice(len(ids), size=rng.integers(0, 4), replace=False)]
        changed = {}
        for cid in ids:
            if cid not in removed and rng.random() < 0.1:
                changed[cid] = replace(_profile(rng, side), id=cid)
        for _ in range(rng.integers(0, 5)):
            p = _profile(rng, side)
            changed[p.id] = p
        for cid in removed:
            del profiles[cid]
        profiles.update(changed)
        yield removed, list(changed.values())


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), side=st.sampled_from(["job", "talent"]))
def test_deltas_give_what_a_fresh_build_gives(seed, side):
    rng = np.random.default_rng(seed)
    vocab = SkillVocab.of(SKILLS[:10])  # later skills first appear in deltas (a wider tail)
    profiles = {p.id: p for p in (_profile(rng, side) for _ in range(30))}
    index = CandidateIndex.build(
        side, _table(side, list(profiles.values()), vocab), (), EXACT_TEXT, room=40
    )
    other = "talent" if side == "job" else "job"
    subjects = [_table(other, [_profile(rng, other)], vocab) for _ in range(3)]
    for removed, changed in _edited(rng, side, profiles, rounds=4):
        new = _table(side, changed, vocab)
        versions = np.zeros((len(new), 2))
        try:
            index = apply_rows(index, new, versions, removed, ())
        except NoRoom:
            index = apply_rows(compacted(index, room=40), new, versions, removed, ())
        fresh = CandidateIndex.build(
            side, _table(side, list(profiles.values()), vocab), (), EXACT_TEXT
        )
        assert len(index) == len(profiles)
        assert {index.table.ids[r] for r in np.flatnonzero(index.live)} == set(profiles)
        for subject in subjects:
            assert _by_id(index, subject) == _by_id(fresh, subject)
            top = shortlist(subject, index, 10, None)
            assert index.live[top].all()
        for cid in profiles:
            assert index.table.ids[index.row_of[cid]] == cid
        for cid in removed:
            assert cid not in index.row_of


def test_skill_filter_and_prefilter_see_appended_rows_and_not_dead_ones():
    rng = np.random.default_rng(3)
    vocab = SkillVocab.of(SKILLS)
    profiles = [_profile(rng, "job") for _ in range(20)]
    index = CandidateIndex.build("job", job_table(profiles, vocab), (), EXACT_TEXT, room=10)
    target = replace(profiles[0], skills=[*profiles[0].skills[:1]])
    only_new_skill = replace(
        _profile(rng, "job"), skills=[replace(profiles[0].skills[0], name="Brand new")]
    )
    index = apply_rows(index, job_table([target, only_new_skill], vocab), np.zeros((2, 2)), [], ())
    subject = talent_table([replace(_profile(rng, "talent"), skills=only_new_skill.skills)], vocab)
    wanted = MatchFilters(skills=("Brand new",))
    mask = index.usable(allowed_rows(wanted, subject, index))
    assert [index.table.ids[r] for r in np.flatnonzero(mask)] == [only_new_skill.id]
    kept = stage_one(subject, index, None)
    assert index.live[kept.rows].all()
    assert len(kept.rows) == 21
    shared = dict(
        zip(kept.rows.tolist(), kept.features[:, FEATURE_NAMES.index("shared_skills")], strict=True)
    )
    assert {index.table.ids[r] for r, n in shared.items() if n > 0} == {only_new_skill.id}
    old_row = 0
    assert not index.live[old_row]  # profiles[0]'s first version is dead, its new one appended
    assert index.row_of[profiles[0].id] == 20


def test_a_delta_that_does_not_fit_raises_and_leaves_the_index_as_it_was():
    rng = np.random.default_rng(4)
    vocab = SkillVocab.of(SKILLS)
    profiles = [_profile(rng, "talent") for _ in range(10)]
    index = CandidateIndex.build("talent", talent_table(profiles, vocab), (), room=2)
    before = index.table.ids[: index.used]
    with pytest.raises(NoRoom):
        apply_rows(
            index,
            talent_table([_profile(rng, "talent") for _ in range(3)], vocab),
            np.zeros((3, 2)),
            [],
            (),
        )
    assert index.used == 10
    assert len(index) == 10
    assert list(index.table.ids[:10]) == list(before)
