from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.prefilter import prefilter_weights
from app.matching.retrieval import (
    CandidateIndex,
    proxy_scores,
    shortlist,
    stage_one,
    top_k,
)
from app.ml import fallback
from app.ml.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    context_columns,
    one_to_many,
    skill_sums,
)
from app.training.initial import fit_proxy_weights
from tests.matching.conftest import make_world


def stage_one_features(subject, candidates, skills):
    """Every stage-1 column of the subject against every candidate, as a registry-order matrix."""
    rows = np.arange(len(candidates), dtype=np.int64)
    columns = {
        **skill_sums(subject, candidates, skills).columns(rows),
        "embedding_cosine": candidates.embeddings @ subject.embeddings[0],
        **context_columns(subject, candidates, rows),
    }
    return np.column_stack([columns[name] for name in FEATURE_NAMES])


@pytest.fixture(scope="module")
def small():
    return make_world(seed=5, n_talents=40, n_jobs=60, pairs=10)


def test_stage_one_equals_full_features_talent_to_jobs(small):
    index = CandidateIndex.build("job", small.jobs, ())
    for t in range(0, 40, 9):
        subject = small.talents.take([t])
        cheap = stage_one_features(subject, index.table, index.skills)
        full = one_to_many(subject, small.jobs, np.arange(60))
        np.testing.assert_allclose(cheap, full, atol=1e-5)
        np.testing.assert_allclose(fallback.scores(cheap), fallback.scores(full), atol=1e-4)


def test_stage_one_equals_full_features_job_to_talents(small):
    index = CandidateIndex.build("talent", small.talents, ())
    for j in range(0, 60, 13):
        subject = small.jobs.take([j])
        cheap = stage_one_features(subject, index.table, index.skills)
        full = one_to_many(subject, small.talents, np.arange(40))
        np.testing.assert_allclose(cheap, full, atol=1e-5)


def _side(small, side, i):
    candidates = small.jobs if side == "job" else small.talents
    subject = small.talents.take([i]) if side == "job" else small.jobs.take([i])
    return subject, candidates


@pytest.mark.parametrize("side", ["job", "talent"])
@pytest.mark.parametrize("prefilter", [None, 25])
def test_stage_two_reuses_stage_one_exactly(small, side, prefilter):
    """The short list's feature rows equal the pair features, exact text cosine included,
    with or without the pre-filter."""
    index = CandidateIndex.build(side, _side(small, side, 0)[1], (), text_dims=4)
    for i in range(0, 40, 7):
        subject, candidates = _side(small, side, i)
        stage = stage_one(subject, index, None, prefilter)
        assert len(stage.rows) == (prefilter or len(candidates))
        picked = stage.best(15, None)
        features = stage.stage_two(picked, subject, index)
        expected = one_to_many(subject, candidates, stage.rows[picked])
        np.testing.assert_allclose(features, expected, atol=1e-9)


@pytest.mark.parametrize("side", ["job", "talent"])
def test_prefilter_keeps_the_best_by_its_part_of_the_proxy(small, side, tiny_model, world):
    """The pre-filter keeps exactly the top rows by its features' part of the proxy, with
    the fallback's weights and with a model's."""
    index = CandidateIndex.build(side, _side(small, side, 0)[1], (), text_dims=384)
    model_weights = fit_proxy_weights(world.features, tiny_model.predict(world.features))
    model_weights["embedding_cosine"] = 4.0
    for weights in (None, model_weights):
        linear = prefilter_weights(weights)
        for i in range(0, 40, 11):
            subject, candidates = _side(small, side, i)
            full = one_to_many(subject, candidates, np.arange(len(candidates)))
            part = sum(w * full[:, FEATURE_INDEX[name]] for name, w in linear.items())
            kept = stage_one(subject, index, weights, 10)
            assert part[kept.rows].min() >= np.sort(part)[-10] - 1e-9


def test_fallback_linear_weights_are_its_linear_part(small):
    """Changing only those features moves the fallback score by exactly LINEAR_WEIGHTS while
    at most `SHARED_SKILLS_FULL` skills are shared, and by no more than it past that."""
    x = one_to_many(small.talents.take([2]), small.jobs, np.arange(60))
    shared = FEATURE_INDEX["shared_skills"]
    x[:, shared] = np.arange(60) % 9  # 0..8 shared skills: below, at and past full points
    y = x.copy()
    for name in fallback.LINEAR_WEIGHTS:
        y[:, FEATURE_INDEX[name]] = 0.0
    unclipped = fallback.contributions(x).sum(axis=1) - fallback.contributions(y).sum(axis=1)
    want = sum(w * x[:, FEATURE_INDEX[name]] for name, w in fallback.LINEAR_WEIGHTS.items())
    below = x[:, shared] <= fallback.SHARED_SKILLS_FULL
    np.testing.assert_allclose(unclipped[below], want[below])
    assert (~below).any()
    assert (want[~below] > unclipped[~below] + 1e-9).all()
    assert set(fallback.LINEAR_WEIGHTS) == {
        "shared_skills",
        "required_skill_coverage",
        "remote_compatibility",
    }


def test_top_k_respects_allowed_and_size():
    scores = np.array([5.0, 9.0, 1.0, 7.0, 3.0])
    assert set(top_k(scores, 2).tolist()) == {1, 3}
    allowed = np.array([True, False, True, True, True])
    assert set(top_k(scores, 2, allowed).tolist()) == {0, 3}
    assert len(top_k(scores, 10)) == 5
    assert len(top_k(scores, 3, np.zeros(5, bool))) == 0


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 3000),
    k=st.integers(1, 200),
    levels=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
)
def test_top_k_keeps_the_k_best_scores(n: int, k: int, levels: int, seed: int) -> None:
    # Few distinct levels make ties at the cut; large n against small k takes the sampled
    # pre-selection.
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, levels, n).astype(np.float64)
    allowed = rng.random(n) < 0.8
    for mask in (None, allowed):
        masked = scores if mask is None else np.where(mask, scores, -np.inf)
        want = np.sort(masked)[::-1][: min(k, n if mask is None else int(mask.sum()))]
        got = top_k(scores, k, mask)
        assert len(set(got.tolist())) == len(got)
        np.testing.assert_array_equal(np.sort(masked[got])[::-1], want)


def test_top_k_falls_back_when_the_sample_misleads():
    # Every 16th score (the strided sample) is high, so its threshold lets too few through.
    scores = np.zeros(32_000)
    scores[::16] = 1.0 + np.arange(2000)
    got = top_k(scores, 1000)
    np.testing.assert_array_equal(np.sort(scores[got]), np.sort(scores)[-1000:])


@pytest.mark.parametrize("prefilter", [None, 30])
def test_shortlist_with_model_proxy_keeps_the_model_top_results(
    small, tiny_model, world, prefilter
):
    weights = fit_proxy_weights(world.features, tiny_model.predict(world.features))
    index = CandidateIndex.build("job", small.jobs, ())
    hits = 0
    for t in range(40):
        subject = small.talents.take([t])
        full = one_to_many(subject, small.jobs, np.arange(60))
        best = set(np.argsort(-tiny_model.predict(full))[:5].tolist())
        rows = shortlist(subject, index, 20, weights, prefilter_size=prefilter)
        hits += len(best & set(rows.tolist()))
    assert hits / (40 * 5) >= 0.95


def test_proxy_without_weights_is_the_fallback(small):
    x = one_to_many(small.talents.take([0]), small.jobs, np.arange(60))
    np.testing.assert_allclose(proxy_scores(x, None), fallback.scores(x))


def test_reduced_text_scores_approximate_the_cosine(small):
    index = CandidateIndex.build("job", small.jobs, (), text_dims=32)
    subject = small.talents.take([3])
    exact = small.jobs.embeddings @ subject.embeddings[0]
    approx = index.text_scores(subject.embeddings[0])
    assert np.corrcoef(exact, approx)[0, 1] > 0.5
    full = CandidateIndex.build("job", small.jobs, (), text_dims=384)
    np.testing.assert_allclose(full.text_scores(subject.embeddings[0]), exact, atol=1e-5)
