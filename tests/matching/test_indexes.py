"""Index life on a real database: snapshots shared between holders, changes as deltas, and
matching under concurrent writes checked against exhaustive scoring."""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np
import pytest
from sqlalchemy import delete, update

from app.db.base import utcnow
from app.db.models import Job, Talent, TalentSkill
from app.matching import snapshot
from app.matching.indexes import IndexHolder, build_from_database
from app.matching.retrieval import stage_one
from app.matching.service import MatchingState, match_job_to_talents, match_talent_to_jobs
from app.ml import fallback
from app.ml.embedding_repository import write_vectors
from app.ml.embeddings import to_bytes
from app.ml.features import one_to_many
from app.ml.profiles import SkillVocab
from app.ml.repository import load_job_table, load_talent_table
from app.settings import get_settings
from tests.factories import make_company, make_job, make_skill, make_talent


def _embed(session, kind: str, owner_id: uuid.UUID, rng: np.random.Generator) -> None:
    vector = rng.normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)
    digest = uuid.uuid4().hex
    write_vectors(
        session,
        kind,
        get_settings().embedding_model_id,
        [(owner_id, digest)],
        {digest: to_bytes(vector)},
        dim=384,
        now=utcnow(),
    )


def _world(session, rng, jobs: int = 12, talents: int = 8):
    skills = [make_skill(session, f"Delta skill {i}") for i in range(8)]
    companies = [make_company(session, industry=name) for name in ("Software", "Finance")]

    def some(k):
        return [skills[i] for i in rng.choice(len(skills), size=k, replace=False)]

    made_jobs = [
        make_job(
            session,
            companies[i % 2],
            skills=[(s, bool(rng.random() < 0.6), 3) for s in some(int(rng.integers(1, 4)))],
            salary_min=50_000 + 1000 * i,
            salary_max=90_000 + 1000 * i,
            occupation_code=["15-1252.00", "13-2011.00"][i % 2],
        )
        for i in range(jobs)
    ]
    made_talents = [
        make_talent(
            session,
            skills=[(s, int(rng.integers(1, 6)), 2.0) for s in some(int(rng.integers(1, 4)))],
            years_experience=float(i),
        )
        for i in range(talents)
    ]
    for row in made_jobs:
        _embed(session, "job", row.id, rng)
    for row in made_talents:
        _embed(session, "talent", row.id, rng)
    session.commit()
    return skills, companies, made_jobs, made_talents


def _features_by_id(index, subject):
    stage = stage_one(subject, index, None)
    return {
        index.table.ids[r]: tuple(np.round(stage.features[i], 6))
        for i, r in enumerate(stage.rows.tolist())
    }


def _same_as_fresh(session, index, vocab, subject):
    fresh = build_from_database(session, index.side, vocab)
    assert len(index) == len(fresh)
    assert _features_by_id(index, subject) == _features_by_id(fresh, subject)


def test_a_snapshot_is_shared_and_changes_arrive_as_deltas(engine, session, tmp_path):
    rng = np.random.default_rng(0)
    skills, companies, jobs, talents = _world(session, rng)
    vocab = SkillVocab()
    holder = IndexHolder("job", vocab, 0, snapshot_dir=tmp_path)
    first = holder.refresh(session)
    assert first.snapshot is not None
    assert len(first) == 12
    assert isinstance(first.reduced, np.memmap)
    second = IndexHolder("job", SkillVocab(), 0, snapshot_dir=tmp_path).refresh(session)
    assert second.snapshot == first.snapshot  # opened, not built again

    added = make_job(session, companies[0], skills=[(skills[0], True, 2)], title="New one")
    _embed(session, "job", added.id, rng)
    session.execute(
        update(Job).where(Job.id == jobs[0].id).values(salary_min=10, updated_at=utcnow())
    )
    session.execute(
        update(Job).where(Job.id == jobs[1].id).values(status="closed", updated_at=utcnow())
    )
    session.execute(delete(Job).where(Job.id == jobs[2].id))  # a hard delete leaves no trace
    _embed(session, "job", jobs[3].id, rng)  # re-embedded: only the vector changed
    session.commit()

    after = holder.refresh(session)
    assert after.snapshot == first.snapshot
    assert after.used > after.base_rows
    assert added.id in after.row_of
    assert jobs[1].id not in after.row_of
    assert jobs[2].id not in after.row_of
    assert after.table.salary_min[after.row_of[jobs[0].id]] == 10
    subject = load_talent_table(session, vocab, [talents[0].id])
    _same_as_fresh(session, after, vocab, subject)
    assert len(first) == 12  # the index requests already held is untouched


def test_talent_changes_and_deletes_arrive_as_deltas_without_snapshots(engine, session):
    rng = np.random.default_rng(1)
    skills, _, jobs, talents = _world(session, rng)
    vocab = SkillVocab()
    holder = IndexHolder("talent", vocab, 0)
    first = holder.refresh(session)
    assert first.snapshot is None
    assert len(first) == 8
    newcomer = make_talent(session, skills=[(skills[1], 5, 9.0)], preferred_industries=["Finance"])
    session.execute(
        update(Talent)
        .where(Talent.id == talents[0].id)
        .values(years_experience=33.0, updated_at=utcnow())
    )
    session.execute(delete(TalentSkill).where(TalentSkill.talent_id == talents[1].id))
    session.execute(delete(Talent).where(Talent.id == talents[1].id))
    session.commit()
    after = holder.refresh(session)
    assert after.base_rows == first.base_rows
    assert after.used == first.used + 2
    assert newcomer.id in after.row_of
    assert talents[1].id not in after.row_of
    subject = load_job_table(session, vocab, [jobs[0].id])
    _same_as_fresh(session, after, vocab, subject)


def test_skill_links_changed_without_their_owner_rebuild_the_index(engine, session):
    rng = np.random.default_rng(2)
    skills, _, _, talents = _world(session, rng)
    holder = IndexHolder("talent", SkillVocab(), 0)
    first = holder.refresh(session)
    session.add(
        TalentSkill(talent_id=talents[0].id, skill_id=skills[7].id, proficiency=3, years=1.0)
    )
    session.commit()
    after = holder.refresh(session)
    assert after is not first
    assert after.used == after.base_rows
    row = after.row_of[talents[0].id]
    assert after.skills.row_counts[row] == first.skills.row_counts[first.row_of[talents[0].id]] + 1


def _exhaustive_top(index, subject, limit: int) -> list:
    rows = np.flatnonzero(index.live)
    scores = fallback.scores(one_to_many(subject, index.table, rows))
    order = sorted(range(len(rows)), key=lambda i: (-scores[i], str(index.table.ids[rows[i]])))
    return [index.table.ids[rows[i]] for i in order[:limit]]


@pytest.mark.parametrize("direction", ["talent_to_jobs", "job_to_talents"])
def test_matching_under_concurrent_writes_equals_exhaustive_scoring(engine, session, direction):
    """A writer inserts, updates and closes (or deletes) candidates while a reader matches;
    every result equals exhaustive scoring of the index it was served from, and after the
    last write the index equals a fresh build."""
    rng = np.random.default_rng(3)
    skills, companies, jobs, talents = _world(session, rng, jobs=30, talents=30)
    state = MatchingState(shortlist_size=100, prefilter_size=100, refresh_seconds=0.05)
    state.warm(session)
    state.start_background_refresh(engine)
    side = "job" if direction == "talent_to_jobs" else "talent"
    holder = state.indexes[side]
    subjects = talents[:3] if side == "job" else jobs[:3]
    done = threading.Event()
    checked: list[int] = []
    failures: list[str] = []

    def read() -> None:
        from app.db.session import session_scope

        while not done.is_set():
            with session_scope(engine) as s:
                for subject in subjects:
                    before = holder.peek()
                    if side == "job":
                        out = match_talent_to_jobs(
                            s, subject.id, limit=10, persist=False, state=state
                        )
                        table = load_talent_table(s, state.vocab, [subject.id])
                    else:
                        out = match_job_to_talents(
                            s, subject.id, limit=10, persist=False, state=state
                        )
                        table = load_job_table(s, state.vocab, [subject.id])
                    if holder.peek() is not before or before is None:
                        continue  # swapped mid-request: the index it used is unknown
                    want = _exhaustive_top(before, table, 10)
                    if [m.id for m in out.matches] != want:
                        failures.append(f"{[m.id for m in out.matches]} != {want}")
                    checked.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for step in range(12):
            if side == "job":
                made = make_job(session, companies[step % 2], skills=[(skills[step % 8], True, 2)])
                _embed(session, "job", made.id, rng)
                victim = jobs[step]
                session.execute(
                    update(Job)
                    .where(Job.id == victim.id)
                    .values(status="closed", updated_at=utcnow())
                )
                session.execute(
                    update(Job)
                    .where(Job.id == jobs[step + 12].id)
                    .values(salary_min=1000 * step, updated_at=utcnow())
                )
            else:
                made = make_talent(session, skills=[(skills[step % 8], 4, 3.0)])
                _embed(session, "talent", made.id, rng)
                session.execute(
                    delete(TalentSkill).where(TalentSkill.talent_id == talents[step + 3].id)
                )
                session.execute(delete(Talent).where(Talent.id == talents[step + 3].id))
                session.execute(
                    update(Talent)
                    .where(Talent.id == talents[step + 15].id)
                    .values(years_experience=step, updated_at=utcnow())
                )
            session.commit()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                index = holder.peek()
                if index is not None and made.id in index.row_of:
                    break
                time.sleep(0.02)
            else:
                pytest.fail(f"step {step}: the new {side} never reached the index")
    finally:
        done.set()
        reader.join(timeout=30)
        state.stop_background_refresh()
    assert not failures, failures[:3]
    assert len(checked) >= 5
    index = holder.refresh(session)
    assert len(index) == 30
    other = subjects[0]
    subject = (
        load_talent_table(session, state.vocab, [other.id])
        if side == "job"
        else load_job_table(session, state.vocab, [other.id])
    )
    _same_as_fresh(session, index, state.vocab, subject)


def test_a_damaged_snapshot_is_rebuilt_from_the_database(engine, session, tmp_path):
    rng = np.random.default_rng(4)
    _world(session, rng)
    first = IndexHolder("job", SkillVocab(), 0, snapshot_dir=tmp_path).refresh(session)
    directory = tmp_path / "job" / str(first.snapshot)
    (directory / "live.npy").write_bytes(b"not an array")
    again = IndexHolder("job", SkillVocab(), 0, snapshot_dir=tmp_path).refresh(session)
    assert len(again) == 12
    assert again.snapshot != first.snapshot
    assert snapshot.current_version(tmp_path, "job") == again.snapshot


def test_a_late_commit_with_an_older_updated_at_is_still_found(engine, session):
    """A transaction that stamped its row before the index read the database, but committed
    after, falls inside the overlap the next delta looks back over."""
    from datetime import timedelta

    rng = np.random.default_rng(5)
    _, _, jobs, _ = _world(session, rng)
    holder = IndexHolder("job", SkillVocab(), 0)
    first = holder.refresh(session)
    assert first.as_of is not None
    stamped_before = first.as_of - timedelta(seconds=10)
    session.execute(
        update(Job).where(Job.id == jobs[4].id).values(salary_min=7, updated_at=stamped_before)
    )
    session.execute(update(Job).where(Job.id == jobs[5].id).values(updated_at=utcnow()))
    session.commit()
    after = holder.refresh(session)
    assert after.table.salary_min[after.row_of[jobs[4].id]] == 7
    assert after.used == first.used + 2  # both rows, as deltas
