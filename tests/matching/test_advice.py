"""What-if advice: shown gains are the scorer's own, and only self-changeable fields move."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.enums import AdviceKind, RemotePolicy, RemotePreference
from app.matching.advice import Advice, advise, apply_change, candidate_changes
from app.ml import fallback
from app.ml.features import one_to_many
from app.ml.matcher import MatchingModel
from app.ml.profiles import job_table, pair_vocab, talent_table
from app.ml.types import JobProfile, SkillLevel, TalentProfile
from tests.matching.conftest import CITIES, LEVELS, job, talent

POOL = ["Python", "SQL", "Kubernetes", "Go", "React", "Terraform", "Spark", "Rust"]
CHANGEABLE = {"skills", "years_experience", "remote_preference"}
TOLERANCE = 0.5


def _embedding(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


@st.composite
def talents(draw: st.DrawFn) -> TalentProfile:
    names = draw(st.lists(st.sampled_from(POOL), max_size=6, unique=True))
    lat, lon, tz = draw(st.sampled_from(CITIES))
    low = draw(st.integers(30, 150)) * 1000
    return talent(
        skills=[
            SkillLevel(n, draw(st.integers(1, 5)), float(draw(st.integers(0, 8)))) for n in names
        ],
        years_experience=float(draw(st.integers(0, 20))),
        seniority=draw(st.sampled_from(LEVELS)),
        latitude=lat,
        longitude=lon,
        timezone=tz,
        remote_preference=draw(st.sampled_from([p.value for p in RemotePreference])),
        salary_min=low,
        salary_max=low + 20_000,
        embedding=draw(st.none() | st.integers(0, 50).map(_embedding)),
    )


@st.composite
def jobs(draw: st.DrawFn) -> JobProfile:
    names = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=5, unique=True))
    lat, lon, tz = draw(st.sampled_from(CITIES))
    return job(
        skills=[SkillLevel(n, draw(st.integers(1, 5)), 0.0, draw(st.booleans())) for n in names],
        seniority=draw(st.sampled_from(LEVELS)),
        min_years=float(draw(st.integers(0, 10))),
        latitude=lat,
        longitude=lon,
        timezone=tz,
        remote_policy=draw(st.sampled_from([p.value for p in RemotePolicy])),
        embedding=draw(st.none() | st.integers(0, 50).map(_embedding)),
    )


def rescore(t: TalentProfile, j: JobProfile, model: MatchingModel | None) -> float:
    """One pair scored from scratch, the way `/score` does it (own vocabulary, one row)."""
    vocab = pair_vocab(t, j)
    features = one_to_many(talent_table([t], vocab), job_table([j], vocab), [0])
    scores = model.predict(features) if model else fallback.scores(features)
    return float(scores[0])


def check(advice: Advice, t: TalentProfile, j: JobProfile, model: MatchingModel | None) -> None:
    base = rescore(t, j, model)
    assert advice.score == pytest.approx(base, abs=TOLERANCE)
    gains = [s.gain for s in advice.suggestions]
    assert gains == sorted(gains, reverse=True)
    job_skills = {s.name.casefold() for s in j.skills}
    for suggestion in advice.suggestions:
        assert suggestion.gain > 0
        edited = apply_change(t, suggestion.change)
        new = rescore(edited, j, model)
        assert suggestion.score == pytest.approx(new, abs=TOLERANCE)
        assert suggestion.gain == pytest.approx(new - base, abs=TOLERANCE)
        assert f"+{suggestion.gain:.1f}" in suggestion.description
        moved = {
            f.name
            for f in dataclasses.fields(TalentProfile)
            if f.name != "embedding"  # an array: compared below
            and getattr(edited, f.name) != getattr(t, f.name)
        }
        assert moved
        assert moved <= CHANGEABLE
        assert edited.embedding is t.embedding
        if suggestion.change.skill is not None:
            assert suggestion.change.skill.casefold() in job_skills


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=talents(), j=jobs(), limit=st.integers(1, 10))
def test_fallback_suggestions_reproduce_their_scores(
    t: TalentProfile, j: JobProfile, limit: int
) -> None:
    advice = advise(t, j, None, limit=limit)
    assert advice.model_version is None
    assert len(advice.suggestions) <= limit
    check(advice, t, j, None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=talents(), j=jobs(), limit=st.integers(1, 10))
def test_model_suggestions_reproduce_their_scores(
    tiny_model: MatchingModel, t: TalentProfile, j: JobProfile, limit: int
) -> None:
    advice = advise(t, j, tiny_model, limit=limit)
    assert advice.model_version == tiny_model.version
    assert len(advice.suggestions) <= limit
    check(advice, t, j, tiny_model)


def test_missing_required_skill_is_the_top_advice() -> None:
    t = talent(skills=[SkillLevel("Python", 4, 5.0)], remote_preference="hybrid")
    j = job()  # requires Python and Kubernetes, hybrid
    advice = advise(t, j, None, limit=3)
    top = advice.suggestions[0]
    assert top.change.kind is AdviceKind.ADD_SKILL
    assert top.change.skill == "Kubernetes"
    assert top.description.startswith("Add Kubernetes at level 3")
    assert top.score == pytest.approx(advice.score + top.gain, abs=0.01)


def test_nothing_to_suggest_for_a_perfect_fallback_fit() -> None:
    t = talent(
        skills=[SkillLevel("Python", 5, 5.0), SkillLevel("Kubernetes", 5, 5.0)],
        remote_preference="hybrid",
        years_experience=6.0,
    )
    advice = advise(t, job(), None)
    assert [s.change.kind for s in advice.suggestions] == []


def test_one_suggestion_per_skill_and_kind_the_smallest_of_the_best() -> None:
    t = talent(skills=[SkillLevel("Python", 4, 0.0)], years_experience=0.0)
    j = job(skills=[SkillLevel("Python", 3, 0.0, True)], min_years=1.0)
    advice = advise(t, j, None, limit=10)
    targets = [(s.change.kind, s.change.skill) for s in advice.suggestions]
    assert len(targets) == len(set(targets))
    overall = [s for s in advice.suggestions if s.change.kind is AdviceKind.TOTAL_YEARS]
    # One more year reaches the job's minimum; a second one adds nothing to the fallback.
    assert [s.change.years_experience for s in overall] == [1.0]


def test_apply_change_leaves_the_input_alone() -> None:
    t = talent(skills=[SkillLevel("python", 2, 1.0)])
    before = dataclasses.replace(t, skills=list(t.skills))
    advice = advise(t, job(), None, limit=10)
    for suggestion in advice.suggestions:
        apply_change(t, suggestion.change)
    assert t == before
    # The job asks Python at level 3: reaching it is a candidate, kept in the talent's spelling.
    raised = [c for c, _ in candidate_changes(t, job()) if c.kind is AdviceKind.SKILL_LEVEL]
    assert [(c.skill, c.proficiency, c.skill_years) for c in raised] == [("python", 3, 1.0)]
    edited = apply_change(t, raised[0])
    assert edited.skills == [SkillLevel("python", 3, 1.0, False)]
