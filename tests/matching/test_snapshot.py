"""Snapshots: what is opened is what was written, damage is refused, codes are re-aligned."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from app.matching import snapshot
from app.matching.delta import apply_rows
from app.matching.retrieval import CandidateIndex, stage_one
from app.ml.profiles import INDUSTRIES, OCCUPATION_PREFIXES, SkillVocab, job_table, talent_table
from tests.matching.conftest import SKILLS, random_job, random_talent

OCCUPATIONS = ["15-1252.00", "13-2011.00", None]


def _jobs(rng, n):
    return [
        replace(
            random_job(rng),
            occupation_code=OCCUPATIONS[i % 3],
            company_industry=["Software", "Finance", "Health"][i % 3],
        )
        for i in range(n)
    ]


def _features(index, subject):
    stage = stage_one(subject, index, None)
    return {index.table.ids[r]: tuple(stage.features[i]) for i, r in enumerate(stage.rows)}


@pytest.mark.parametrize("side", ["job", "talent"])
def test_an_opened_snapshot_ranks_exactly_like_the_index_written(tmp_path, side):
    rng = np.random.default_rng(1)
    vocab = SkillVocab.of(SKILLS)
    if side == "job":
        table, subject = job_table(_jobs(rng, 25), vocab), talent_table([random_talent(rng)], vocab)
    else:
        profiles = [
            replace(random_talent(rng), preferred_industries=["Finance"]) for _ in range(25)
        ]
        table, subject = talent_table(profiles, vocab), job_table(_jobs(rng, 1), vocab)
    index = CandidateIndex.build(side, table, (25, None), room=5)
    version = snapshot.write_snapshot(index, vocab, tmp_path)
    assert snapshot.current_version(tmp_path, side) == version

    opened = snapshot.open_snapshot(tmp_path, side, SkillVocab())
    assert opened is not None
    assert opened.snapshot == version
    assert isinstance(opened.reduced, np.memmap)  # mapped, not read into private memory
    assert len(opened) == 25
    assert opened.free == 5
    assert opened.stamp == (25, None)
    assert _features(opened, subject) == _features(index, subject)
    assert all(opened.row_of[cid] == i for i, cid in enumerate(table.ids))

    # A delta on the opened snapshot writes only its copy-on-write pages: the file is intact.
    extra = (
        job_table(_jobs(rng, 2), vocab)
        if side == "job"
        else talent_table([random_talent(rng) for _ in range(2)], vocab)
    )
    changed = apply_rows(opened, extra, np.zeros((2, 2)), [table.ids[0]], opened.stamp)
    assert len(changed) == 26
    assert table.ids[0] not in changed.row_of
    again = snapshot.open_snapshot(tmp_path, side, SkillVocab())
    assert again is not None
    assert len(again) == 25
    assert table.ids[0] in again.row_of


def test_a_damaged_snapshot_is_refused(tmp_path):
    rng = np.random.default_rng(2)
    vocab = SkillVocab.of(SKILLS)
    index = CandidateIndex.build("job", job_table(_jobs(rng, 10), vocab), ())
    version = snapshot.write_snapshot(index, vocab, tmp_path)
    target = tmp_path / "job" / version / "reduced.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(snapshot.SnapshotError, match="sha256"):
        snapshot.open_snapshot(tmp_path, "job", SkillVocab())


def test_a_snapshot_whose_skill_columns_disagree_is_not_used(tmp_path):
    rng = np.random.default_rng(3)
    vocab = SkillVocab.of(SKILLS)
    index = CandidateIndex.build("job", job_table(_jobs(rng, 10), vocab), ())
    snapshot.write_snapshot(index, vocab, tmp_path)
    assert snapshot.open_snapshot(tmp_path, "job", SkillVocab.of(["Cobol"])) is None


def test_interned_codes_numbered_differently_are_translated(tmp_path):
    """A process that met industries and occupations in another order reads the same names."""
    rng = np.random.default_rng(4)
    vocab = SkillVocab.of(SKILLS)
    table = job_table(_jobs(rng, 12), vocab)
    index = CandidateIndex.build("job", table, ())
    version = snapshot.write_snapshot(index, vocab, tmp_path)
    manifest_path = tmp_path / "job" / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    # As if the writer had numbered them in reverse: code c meant names[-1 - c].
    for key in ("industries", "occupations"):
        names = manifest["names"][key]
        manifest["names"][key] = names[::-1]
    manifest_path.write_text(json.dumps(manifest))
    opened = snapshot.open_snapshot(tmp_path, "job", SkillVocab())
    assert opened is not None
    n_ind = len(manifest["names"]["industries"])
    n_occ = len(manifest["names"]["occupations"])
    for row in range(len(table)):
        written = int(table.industry[row])
        assert INDUSTRIES.name(int(opened.table.industry[row])) == INDUSTRIES.name(
            n_ind - 1 - written
        )
        for level in range(table.occupation.shape[0]):
            code = int(table.occupation[level, row])
            got = int(opened.table.occupation[level, row])
            if code < 0:
                assert got == -1
            else:
                assert OCCUPATION_PREFIXES.name(got) == OCCUPATION_PREFIXES.name(n_occ - 1 - code)
