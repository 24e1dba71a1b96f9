from __future__ import annotations

import numpy as np
import pytest

from app.matching import fallback
from app.matching.features import FEATURE_INDEX, one_to_many, stage_one_features
from app.matching.retrieval import CandidateIndex, proxy_scores, shortlist, top_k
from app.matching.training import fit_proxy_weights
from tests.matching.conftest import make_world


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


def test_top_k_respects_allowed_and_size():
    scores = np.array([5.0, 9.0, 1.0, 7.0, 3.0])
    assert set(top_k(scores, 2).tolist()) == {1, 3}
    allowed = np.array([True, False, True, True, True])
    assert set(top_k(scores, 2, allowed).tolist()) == {0, 3}
    assert len(top_k(scores, 10)) == 5
    assert len(top_k(scores, 3, np.zeros(5, bool))) == 0


def test_shortlist_with_model_proxy_keeps_the_model_top_results(small, tiny_model, world):
    weights = fit_proxy_weights(world.features, tiny_model.predict(world.features))
    index = CandidateIndex.build("job", small.jobs, ())
    hits = 0
    for t in range(40):
        subject = small.talents.take([t])
        full = one_to_many(subject, small.jobs, np.arange(60))
        best = set(np.argsort(-tiny_model.predict(full))[:5].tolist())
        rows = shortlist(subject, index, 20, weights)
        hits += len(best & set(rows.tolist()))
    assert hits / (40 * 5) >= 0.95


def test_proxy_without_weights_is_the_fallback(small):
    x = one_to_many(small.talents.take([0]), small.jobs, np.arange(60))
    columns = {name: x[:, i] for name, i in FEATURE_INDEX.items()}
    np.testing.assert_allclose(proxy_scores(columns, None), fallback.scores(x))


def test_reduced_text_scores_approximate_the_cosine(small):
    index = CandidateIndex.build("job", small.jobs, (), text_dims=32)
    subject = small.talents.take([3])
    exact = small.jobs.embeddings @ subject.embeddings[0]
    approx = index.text_scores(subject.embeddings[0])
    assert np.corrcoef(exact, approx)[0, 1] > 0.5
    full = CandidateIndex.build("job", small.jobs, (), text_dims=384)
    np.testing.assert_allclose(full.text_scores(subject.embeddings[0]), exact, atol=1e-5)
