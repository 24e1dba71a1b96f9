"""Service tests against a real database (SQLite and Postgres) with a real tiny model file."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest
from sqlalchemy import select

from app.core.errors import NotFoundError
from app.db.models import Embedding, LabelledPair, Match, MLModelVersion
from app.matching.service import (
    MatchingState,
    load_active_model,
    match_job_to_talents,
    match_talent_to_jobs,
    score_pair,
)
from app.ml import registry
from app.ml.embeddings import to_bytes
from app.ml.errors import FeatureExtractionError
from app.ml.matcher import MODEL_FILE
from app.ml.types import SkillLevel
from app.settings import Settings, get_settings
from app.training.initial import train_initial
from tests.conftest import SHARED_DATA
from tests.factories import make_company, make_job, make_skill, make_talent
from tests.matching.conftest import job as job_profile
from tests.matching.conftest import talent as talent_profile

RNG = np.random.default_rng(1)


def _embed(session, kind, owner_id, vector=None):
    vec = RNG.normal(size=384).astype(np.float32) if vector is None else vector
    vec = vec / np.linalg.norm(vec)
    session.add(
        Embedding(
            owner_kind=kind,
            owner_id=owner_id,
            content_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            model_id=get_settings().embedding_model_id,
            dim=384,
            vector=to_bytes(vec),
        )
    )


@pytest.fixture
def market(session):
    s = {n: make_skill(session, n) for n in ["Python", "SQL", "Kubernetes", "Docker", "Go"]}
    company = make_company(session, size="medium", industry="Software")
    talent = make_talent(session, skills=[(s["Python"], 4, 5.0), (s["SQL"], 3, 3.0)])
    other = make_talent(
        session,
        skills=[(s["Go"], 4, 5.0)],
        seniority="junior",
        years_experience=1.0,
        latitude=40.7,
        longitude=-74.0,
        timezone="America/New_York",
        remote_preference="remote",
    )
    good = make_job(session, company, skills=[(s["Python"], True, 3), (s["SQL"], True, 3)])
    bad = make_job(
        session,
        company,
        skills=[(s["Kubernetes"], True, 4), (s["Go"], True, 4)],
        seniority="lead",
        min_years=10.0,
        max_years=None,
        latitude=40.7,
        longitude=-74.0,
        timezone="America/New_York",
        remote_policy="onsite",
        salary_min=150_000,
        salary_max=180_000,
    )
    closed = make_job(
        session, company, skills=[(s["Python"], True, 3), (s["SQL"], True, 3)], status="closed"
    )
    fillers = [
        make_job(session, company, skills=[(s["Docker"], True, 3)], seniority="senior")
        for _ in range(6)
    ]
    for t in (talent, other):
        _embed(session, "talent", t.id)
    for j in (good, bad, closed, *fillers):
        _embed(session, "job", j.id)
    session.commit()
    return {"talent": talent, "other": other, "good": good, "bad": bad, "closed": closed}


@pytest.fixture
def engine_state():
    return MatchingState(shortlist_size=4, refresh_seconds=0)


def test_talent_to_jobs_with_fallback_ranks_persists_and_explains(session, market, engine_state):
    out = match_talent_to_jobs(
        session, market["talent"].id, limit=5, request_id="req-1", state=engine_state
    )
    assert out.source == "fallback"
    assert out.model_version is None
    ids = [m.id for m in out.matches]
    assert ids[0] == market["good"].id
    assert market["closed"].id not in ids
    assert len(ids) == 4  # shortlist of 4 out of 8 open jobs
    assert [m.score for m in out.matches] == sorted((m.score for m in out.matches), reverse=True)
    top = out.matches[0]
    assert top.source == "fallback"
    assert any("Covers all 2 required skills" in f.description for f in top.explanation.top_factors)
    assert set(out.timings) >= {"retrieval", "features", "prediction", "explanation", "persist"}
    rows = session.scalars(select(Match).order_by(Match.position)).all()
    assert [r.job_id for r in rows] == ids
    assert [r.position for r in rows] == [1, 2, 3, 4]
    assert {r.request_id for r in rows} == {"req-1"}
    assert rows[0].source == "fallback"
    assert rows[0].explanation["top_factors"][0]["description"]
    assert set(rows[0].explanation["sub_scores"]) == {
        "skills",
        "experience",
        "location",
        "salary",
        "culture",
    }


def test_job_to_talents_ranks_the_fitting_talent_first(session, market, engine_state):
    out = match_job_to_talents(session, market["good"].id, limit=10, state=engine_state)
    assert out.matches[0].id == market["talent"].id
    assert len(out.matches) == 2
    rows = session.scalars(select(Match)).all()
    assert {r.talent_id for r in rows} == {market["talent"].id, market["other"].id}
    assert {r.job_id for r in rows} == {market["good"].id}


def test_model_is_used_when_loaded_and_results_say_so(session, market, engine_state, tiny_model):
    engine_state.swap_model(tiny_model)
    out = match_talent_to_jobs(session, market["talent"].id, limit=3, state=engine_state)
    assert out.source == "ml"
    assert out.model_version == tiny_model.version
    assert all(m.source == "ml" and m.model_version == tiny_model.version for m in out.matches)
    assert all(0 <= m.score <= 100 for m in out.matches)
    assert all(0 <= v <= 100 for m in out.matches for v in m.explanation.sub_scores.values())
    assert {r.ml_version for r in session.scalars(select(Match))} == {tiny_model.version}


def test_min_score_limit_and_persist_flag(session, market, engine_state):
    out = match_talent_to_jobs(
        session, market["talent"].id, limit=2, min_score=50, persist=False, state=engine_state
    )
    assert 1 <= len(out.matches) <= 2
    assert all(m.score >= 50 for m in out.matches)
    assert session.scalars(select(Match)).all() == []


def test_unknown_ids_and_bad_limits_raise_domain_errors(session, market, engine_state):
    with pytest.raises(NotFoundError):
        match_talent_to_jobs(session, uuid.uuid4(), state=engine_state)
    with pytest.raises(NotFoundError):
        match_job_to_talents(session, uuid.uuid4(), state=engine_state)
    with pytest.raises(FeatureExtractionError) as err:
        match_talent_to_jobs(session, market["talent"].id, limit=0, state=engine_state)
    assert err.value.field == "limit"
    with pytest.raises(FeatureExtractionError):
        match_talent_to_jobs(session, market["talent"].id, min_score=101, state=engine_state)


def test_index_refreshes_when_jobs_change(session, market):
    engine = MatchingState(shortlist_size=50, refresh_seconds=0)
    first = match_talent_to_jobs(session, market["talent"].id, limit=20, state=engine)
    new = make_job(session, market["good"].company, title="Another Python role")
    session.commit()
    second = match_talent_to_jobs(session, market["talent"].id, limit=20, state=engine)
    assert new.id not in [m.id for m in first.matches]
    assert new.id in [m.id for m in second.matches]
    market["good"].status = "closed"
    session.commit()
    engine.invalidate("job")
    third = match_talent_to_jobs(session, market["talent"].id, limit=20, state=engine)
    assert market["good"].id not in [m.id for m in third.matches]


def test_swap_model_returns_previous_and_status_reports(engine_state, tiny_model):
    assert engine_state.status()["source"] == "fallback"
    assert engine_state.swap_model(tiny_model) is None
    assert engine_state.status()["model_version"] == tiny_model.version
    assert engine_state.swap_model(None) is tiny_model
    assert engine_state.model is None


def _register(session, tiny_model, tmp_path, version="v1.0"):
    folder = tmp_path / version
    tiny_model.save(folder)
    registry.register_version(
        session,
        model_id="talent_matcher",
        version=version,
        metrics={},
        params={},
        feature_list=list(tiny_model.metadata.feature_list),
        artifact_path=str(folder),
        artifact_sha256=tiny_model.metadata.sha256,
        train_rows=1,
        valid_rows=1,
        data_hash=None,
        training_window_start=None,
        training_window_end=None,
        created_by="test",
        activate=True,
    )
    session.commit()
    return folder


def test_active_model_is_loaded_and_a_corrupt_one_leaves_the_fallback(
    session, market, tiny_model, tmp_path
):
    folder = _register(session, tiny_model, tmp_path)
    engine = MatchingState(refresh_seconds=0)
    assert load_active_model(session, engine, "talent_matcher") is not None
    assert engine.model is not None
    assert engine.model.version == tiny_model.version

    with (folder / MODEL_FILE).open("a") as fh:
        fh.write("# tampered\n")
    engine = MatchingState(refresh_seconds=0)
    assert load_active_model(session, engine, "talent_matcher") is None
    out = match_talent_to_jobs(session, market["talent"].id, state=engine)
    assert out.source == "fallback"

    (folder / MODEL_FILE).unlink()
    assert load_active_model(session, engine, "talent_matcher") is None


def test_score_pair_is_zero_shot(tiny_model):
    e = np.ones(384, np.float32)
    t = talent_profile(embedding=e)
    j = job_profile(embedding=e, skills=[SkillLevel("Python", 3, 0, True)])
    engine = MatchingState()
    fallback_result = score_pair(t, j, state=engine)
    assert fallback_result.source == "fallback"
    assert fallback_result.id == j.id
    engine.swap_model(tiny_model)
    result = score_pair(t, j, state=engine)
    assert result.source == "ml"
    assert result.model_version == tiny_model.version
    assert 0 <= result.score <= 100
    descriptions = [f.description for f in result.explanation.top_factors]
    assert len(descriptions) == 3
    assert all(descriptions)
    with pytest.raises(FeatureExtractionError) as err:
        score_pair(talent_profile(seniority="wizard", embedding=e), j, state=engine)
    assert err.value.field == "seniority"


def _skill_labelled_world(session):
    s = [make_skill(session, f"T{i}") for i in range(6)]
    company = make_company(session)
    rng = np.random.default_rng(0)
    talents = [
        make_talent(session, skills=[(s[k], 4, 3.0) for k in rng.choice(6, 3, replace=False)])
        for _ in range(12)
    ]
    jobs = [
        make_job(
            session, company, skills=[(s[k], True, 3) for k in rng.choice(6, 2, replace=False)]
        )
        for _ in range(8)
    ]
    for i, t in enumerate(talents):
        for j in jobs:
            shared = len({x.skill_id for x in t.skills} & {x.skill_id for x in j.skills})
            session.add(
                LabelledPair(
                    talent_id=t.id,
                    job_id=j.id,
                    label=float(20 + 35 * shared + rng.normal(0, 2)),
                    split="valid" if i % 4 == 0 else "train",
                )
            )
    session.commit()


def test_train_initial_registers_an_active_verified_model(session, market, tmp_path):
    _skill_labelled_world(session)
    outcome = train_initial(session, model_dir=tmp_path, model_id="talent_matcher")
    assert outcome.trained
    assert outcome.version == "v1.0"
    assert (tmp_path / "v1.0" / "report.json").is_file()
    row = session.scalar(select(MLModelVersion).where(MLModelVersion.is_active.is_(True)))
    assert row.version == "v1.0"
    report = outcome.report
    assert report["model"]["ndcg_at_10"] > report["random"]["ndcg_at_10"]
    again = train_initial(session, model_dir=tmp_path, model_id="talent_matcher", if_missing=True)
    assert not again.trained
    assert again.version == "v1.0"
    (tmp_path / "v1.0" / MODEL_FILE).unlink()
    third = train_initial(session, model_dir=tmp_path, model_id="talent_matcher", if_missing=True)
    assert third.trained
    assert third.version == "v1.1"


def test_train_initial_keeps_a_model_that_loses_to_the_text_baseline_inactive(
    session, market, tmp_path
):
    """A toy world whose labels ignore text cannot beat MiniLM cosine on real text: the
    external gate registers the version as rejected, with every scorer's numbers."""
    _skill_labelled_world(session)
    gated = Settings(
        quality_gate=True,
        quality_data_dir=SHARED_DATA,
        quality_gate_occupations=12,
        quality_gate_rjdb_rows=12,
    )
    outcome = train_initial(session, model_dir=tmp_path, model_id="talent_matcher", settings=gated)
    assert outcome.trained
    assert "did not activate" in outcome.message
    assert "LOSES" in outcome.report["quality_gate"]["reason"]
    assert set(outcome.report["external"]) == {"onet", "rjdb"}
    row = session.scalar(select(MLModelVersion).where(MLModelVersion.version == outcome.version))
    assert not row.is_active
    assert row.status == "rejected"
    saved = json.loads((tmp_path / outcome.version / "report.json").read_text())
    assert saved["quality_gate"] == outcome.report["quality_gate"]


def test_train_initial_without_benchmark_data_says_the_gate_did_not_run(session, market, tmp_path):
    _skill_labelled_world(session)
    gated = Settings(quality_gate=True, quality_data_dir=tmp_path / "absent")
    outcome = train_initial(session, model_dir=tmp_path, model_id="talent_matcher", settings=gated)
    assert "not available" in outcome.message
    row = session.scalar(select(MLModelVersion).where(MLModelVersion.is_active.is_(True)))
    assert row.version == outcome.version


def test_background_refresh_picks_up_new_jobs_off_the_request_path(engine, session, market):
    import time

    state = MatchingState(shortlist_size=50, refresh_seconds=0.5)
    state.warm(session)
    assert state.status()["indexes"] == {"job": 8, "talent": 2}
    state.start_background_refresh(engine)
    try:
        new = make_job(session, market["good"].company, title="Fresh Python role")
        session.commit()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            index = state.indexes["job"].fresh()
            if index is not None and new.id in index.row_of:
                break
            time.sleep(0.1)
        out = match_talent_to_jobs(session, market["talent"].id, limit=20, state=state)
        assert new.id in [m.id for m in out.matches]
    finally:
        state.stop_background_refresh()


def test_subject_from_index_matches_subject_from_sql(session, market):
    cold = MatchingState(shortlist_size=50, refresh_seconds=60)
    warm = MatchingState(shortlist_size=50, refresh_seconds=60)
    warm.warm(session)
    a = match_talent_to_jobs(session, market["talent"].id, persist=False, state=cold)
    b = match_talent_to_jobs(session, market["talent"].id, persist=False, state=warm)
    assert [(m.id, m.score) for m in a.matches] == [(m.id, m.score) for m in b.matches]
    a = match_job_to_talents(session, market["good"].id, persist=False, state=cold)
    b = match_job_to_talents(session, market["good"].id, persist=False, state=warm)
    assert [(m.id, m.score) for m in a.matches] == [(m.id, m.score) for m in b.matches]


def test_no_candidates_gives_an_empty_outcome(session, engine_state, tiny_model):
    talent = make_talent(session)
    session.commit()
    engine_state.swap_model(tiny_model)
    out = match_talent_to_jobs(session, talent.id, state=engine_state)
    assert out.matches == []
    assert out.source == "ml"
    assert session.scalars(select(Match)).all() == []


def test_long_request_id_is_cut_to_the_column_width(session, market, engine_state):
    match_talent_to_jobs(
        session, market["talent"].id, limit=2, request_id="r" * 200, state=engine_state
    )
    assert {len(r.request_id) for r in session.scalars(select(Match))} == {64}
